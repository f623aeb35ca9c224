"""The providers' routes: their state and limits, the HTTP gateways' receipt callbacks, and the local sandbox
(what it received, playing a receipt)."""

from __future__ import annotations

import time
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel

from dvc_contracts import clock
from dvc_contracts.clock import vn_date
from dvc_notify.adapters.providers.base import InvalidReceipt
from dvc_notify.domain.status import Receipt
from dvc_notify.entrypoints.http_support import Operator, uow_of
from dvc_notify.entrypoints.responses import Providers, SandboxMessage, SandboxReceiptOut
from dvc_notify.entrypoints.wiring import Notify
from dvc_notify.service.receipts import apply_receipt
from dvckit.logging import get_logger
from dvckit.paging import Page, Paging, paged

log = get_logger("dvc_notify.http")
router = APIRouter()


def _notify(request: Request) -> Notify:
    notify: Notify = request.app.state.notify
    return notify


# --- providers ------------------------------------------------------------------------------------------


@router.get(
    "/providers",
    tags=["providers"],
    summary="Providers: state (active / failing-over / recovering), error rate",
)
async def providers(request: Request, _: Operator) -> Providers:
    notify = _notify(request)
    now = clock.now()
    async with uow_of(request) as uow:
        used = await uow.usage.used(vn_date(now))
    mono = time.monotonic()
    limits = {}
    for service in sorted(set(used) | set(notify.limiter.per_service)):
        lim = notify.limiter.limit(service)
        limits[service] = {
            "rate_per_second": lim.rate_per_second,
            "burst": lim.burst,
            "tokens": notify.limiter.bucket(service, mono).available(mono),
            "daily": lim.daily,
            "used_today": used.get(service, 0),
        }
    policy = notify.router.policy
    return Providers.model_validate(
        {
            "order": list(notify.providers),
            "carrier_routes": notify.settings.carrier_routes,
            "failover": {
                "window_seconds": policy.window_seconds,
                "min_samples": policy.min_samples,
                "error_threshold": policy.error_threshold,
                "cooldown_seconds": policy.cooldown_seconds,
                "drift_seconds": policy.drift_seconds,
            },
            "providers": notify.provider_status(),
            "limits": limits,
            "default_limit": {
                "rate_per_second": notify.limiter.default.rate_per_second,
                "burst": notify.limiter.default.burst,
                "daily": notify.limiter.default.daily,
            },
        }
    )


@router.post(
    "/providers/{name}/receipts",
    tags=["providers"],
    summary="A gateway's delivery-receipt callback (signature verified per gateway)",
    response_class=Response,
    responses={
        200: {
            "description": "the acknowledgement the gateway expects, in its own format",
            "content": {
                "application/json": {
                    "schema": {"type": "object", "properties": {"code": {"type": "string", "example": "100"}}}
                },
                "text/plain": {"schema": {"type": "string", "example": "result=0"}},
            },
        }
    },
)
async def receipt_callback(request: Request, name: str) -> Response:
    provider = _notify(request).remote(name)
    if provider is None:
        raise HTTPException(404, f"no HTTP gateway {name!r}")
    body = await request.body()
    now = clock.now()
    try:
        receipt = provider.parse_receipt(request.headers, body, now)
    except InvalidReceipt as exc:
        log.warning("sms.receipt_refused", provider=name, reason=exc.reason)
        raise HTTPException(exc.status_code, exc.reason) from exc
    async with uow_of(request) as uow:
        await apply_receipt(uow, receipt, now)
        await uow.commit()
    content, media_type = provider.receipt_ack()
    return Response(content, media_type=media_type)


# --- sandbox --------------------------------------------------------------------------------------------


@router.get("/sandbox/messages", tags=["sandbox"], summary="What the local sandbox provider received")
async def sandbox_messages(
    request: Request, _: Operator, paging: Annotated[Paging, Depends(paged())]
) -> Page[SandboxMessage]:
    async with uow_of(request) as uow:
        rows = await uow.messages.sandbox_received(paging.probe, paging.offset)
    items = [
        SandboxMessage(provider_ref=r.provider_ref, to=r.phone, text=r.text, received_at=r.received_at)
        for r in rows
    ]
    return paging.page(request, items)


class SandboxReceiptIn(BaseModel):
    provider_ref: str
    status: Literal["sent", "delivered", "temporary-failure", "permanent-failure", "technical-failure"]
    error_code: str | None = None


@router.post("/sandbox/receipts", tags=["sandbox"], summary="Play a delivery receipt for a sandbox message")
async def sandbox_receipt(request: Request, _: Operator, body: SandboxReceiptIn) -> SandboxReceiptOut:
    now = clock.now()
    receipt = Receipt(
        provider="sandbox",
        status=body.status,
        provider_ref=body.provider_ref,
        error_code=body.error_code,
        reported_at=now,
    )
    async with uow_of(request) as uow:
        outcome = await apply_receipt(uow, receipt, now)
        await uow.commit()
    return SandboxReceiptOut(outcome=outcome)
