from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, Field

from dvc_contracts import clock
from dvc_contracts.clock import vn_date
from dvc_contracts.phone import InvalidPhone, mask
from dvc_notify.adapters.providers.base import InvalidReceipt
from dvc_notify.domain.encoding import estimate
from dvc_notify.domain.status import ALL_STATUSES, Receipt
from dvc_notify.entrypoints.responses import (
    EstimateOut,
    MessageOut,
    OptedOut,
    OptOutOut,
    Providers,
    Receipts,
    SandboxMessage,
    SandboxReceiptOut,
)
from dvc_notify.entrypoints.wiring import Notify
from dvc_notify.service.optouts import add_opt_out, remove_opt_out
from dvc_notify.service.receipts import apply_receipt
from dvc_notify.service.uow import NotifyUnitOfWork
from dvckit.auth.fastapi import require_role
from dvckit.auth.jwt import Principal
from dvckit.logging import get_logger
from dvckit.paging import Page, Paging, cursor_paged, paged

log = get_logger("dvc_notify.http")
router = APIRouter()
Operator = Annotated[Principal, Depends(require_role("operator"))]


def _uow(request: Request) -> NotifyUnitOfWork:
    uow: NotifyUnitOfWork = request.app.state.runtime.uow()
    return uow


def _notify(request: Request) -> Notify:
    notify: Notify = request.app.state.notify
    return notify


def _phone_error(exc: InvalidPhone) -> HTTPException:
    return HTTPException(
        422,
        {
            "error": "invalid_phone",
            "message": exc.message_vi,
            "reason": exc.reason,
            "message_en": exc.message_en,
        },
    )


# --- cost preview (pinned contract) -----------------------------------------------------------------


class EstimateIn(BaseModel):
    text: str = Field(max_length=5000)
    strip_diacritics: bool = False


@router.post("/sms/estimate", tags=["sms"], summary="Encoding, segments and the text that would be sent")
async def sms_estimate(body: EstimateIn) -> EstimateOut:
    e = estimate(body.text, strip_diacritics=body.strip_diacritics)
    return EstimateOut(encoding=e.encoding, segments=e.segments, characters=e.characters, text=e.text)


# --- messages -----------------------------------------------------------------------------------------


@router.get(
    "/sms",
    tags=["sms"],
    summary="Messages by dossier code and status (phone numbers masked; a province's operator: its own)",
)
async def list_messages(
    request: Request,
    who: Operator,
    paging: Annotated[Paging, Depends(cursor_paged(100))],
    dossier_code: str | None = None,
    status: str | None = None,
) -> Page[MessageOut]:
    if status is not None and status not in ALL_STATUSES:
        raise HTTPException(422, f"status must be one of {', '.join(ALL_STATUSES)}")
    after = paging.cursor_values(_instant, str)  # paged by key: every SMS ever sent
    async with _uow(request) as uow:
        rows = await uow.messages.search(
            dossier_code=dossier_code,
            status=status,
            limit=paging.probe,  # not counted: one more row tells if a page follows
            offset=paging.offset,
            province=who.province,
            after=(after[0], after[1]) if after else None,
        )
    return paging.keyset_page(request, rows, _message, key=lambda r: (r.created_at.isoformat(), r.id))


def _instant(value: str) -> datetime:
    """A cursor's time: ISO 8601 with its offset (as the list wrote it)."""
    at = datetime.fromisoformat(value)
    if at.tzinfo is None:
        raise ValueError("a time without its offset")
    return at


def _message(r: Any) -> MessageOut:
    return MessageOut(
        id=r.id,
        dossier_code=r.dossier_code,
        province_code=r.province_code,
        phone=r.phone_masked,
        template=r.template,
        text=r.text,
        encoding=r.encoding,
        segments=r.segments,
        provider=r.provider,
        status=r.status,
        failure_reason=r.failure_reason,
        sending_service=r.sending_service,
        attempts=r.attempts,
        next_attempt_at=r.next_attempt_at,
        created_at=r.created_at,
        sent_at=r.sent_at,
        delivered_at=r.delivered_at,
        failed_at=r.failed_at,
    )


@router.get("/sms/{message_id}/receipts", tags=["sms"], summary="Every receipt received for a message")
async def message_receipts(request: Request, who: Operator, message_id: str) -> Receipts:
    async with _uow(request) as uow:
        message = await uow.messages.get(message_id)
        if message is None or (who.province is not None and message.province_code != who.province):
            raise HTTPException(404, detail={"error": "not_found", "message": "Không có tin nhắn này."})
        rows = await uow.receipts.for_message(message_id)
    return Receipts.model_validate(
        {
            "items": [
                {
                    "provider": r.provider,
                    "provider_ref": r.provider_ref,
                    "status": r.status,
                    "error_code": r.error_code,
                    "outcome": r.outcome,
                    "reported_at": r.reported_at,
                    "received_at": r.received_at,
                }
                for r in rows
            ]
        }
    )


# --- opt-outs -------------------------------------------------------------------------------------------


class OptOutIn(BaseModel):
    phone: str = Field(max_length=40)
    reason: str = Field(min_length=1, max_length=500, description="why, in the citizen's words if possible")


@router.get("/opt-outs", tags=["opt-outs"], summary="Numbers that receive no SMS (masked)")
async def list_opt_outs(
    request: Request, _: Operator, paging: Annotated[Paging, Depends(paged(100))]
) -> Page[OptOutOut]:
    async with _uow(request) as uow:
        await uow.snapshot()
        total = await uow.opt_outs.count()
        rows = await uow.opt_outs.list(paging.limit, paging.offset)
    items = [
        OptOutOut(
            phone=r.phone_masked,
            reason=r.reason,
            source=r.source,
            created_by=r.created_by,
            created_at=r.created_at,
        )
        for r in rows
    ]
    return paging.page(request, items, total)


@router.post("/opt-outs", tags=["opt-outs"], status_code=201, summary="Stop sending SMS to a number")
async def create_opt_out(request: Request, response: Response, who: Operator, body: OptOutIn) -> OptedOut:
    async with _uow(request) as uow:
        try:
            e164, created = await add_opt_out(
                uow, body.phone, reason=body.reason, source="operator", by=who.sub
            )
        except InvalidPhone as exc:
            raise _phone_error(exc) from exc
        await uow.commit()
    if not created:
        response.status_code = 200
    return OptedOut(phone=mask(e164), opted_out=True, created=created)


@router.delete("/opt-outs/{phone}", tags=["opt-outs"], status_code=204, summary="Send SMS to a number again")
async def delete_opt_out(request: Request, who: Operator, phone: str) -> Response:
    async with _uow(request) as uow:
        try:
            _, removed = await remove_opt_out(uow, phone, by=who.sub)
        except InvalidPhone as exc:
            raise _phone_error(exc) from exc
        await uow.commit()
    if not removed:
        raise HTTPException(404, "not on the opt-out list")
    return Response(status_code=204)


# --- providers ------------------------------------------------------------------------------------------


@router.get(
    "/providers",
    tags=["providers"],
    summary="Providers: state (active / failing-over / recovering), error rate",
)
async def providers(request: Request, _: Operator) -> Providers:
    notify = _notify(request)
    now = clock.now()
    async with _uow(request) as uow:
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
    async with _uow(request) as uow:
        await apply_receipt(uow, receipt, now)
        await uow.commit()
    content, media_type = provider.receipt_ack()
    return Response(content, media_type=media_type)


# --- sandbox --------------------------------------------------------------------------------------------


@router.get("/sandbox/messages", tags=["sandbox"], summary="What the local sandbox provider received")
async def sandbox_messages(
    request: Request, _: Operator, paging: Annotated[Paging, Depends(paged())]
) -> Page[SandboxMessage]:
    async with _uow(request) as uow:
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
    async with _uow(request) as uow:
        outcome = await apply_receipt(uow, receipt, now)
        await uow.commit()
    return SandboxReceiptOut(outcome=outcome)
