"""Agencies' webhook endpoints and their delivery log (agency systems and operators; see the README for the
signature and how to verify it)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from dvc_contracts import clock
from dvc_payment.domain.model import PaymentError
from dvc_payment.domain.webhooks import DeliveryStatus, WebhookEvent
from dvc_payment.entrypoints.context import PaymentContext, context
from dvc_payment.entrypoints.problems import CONFLICT, error
from dvc_payment.entrypoints.responses import (
    AttemptOut,
    CreatedEndpoint,
    DeliveryOut,
    EndpointOut,
    RotatedEndpoint,
)
from dvc_payment.service import webhook_endpoints as endpoints
from dvckit.auth.fastapi import require_role
from dvckit.auth.jwt import Principal
from dvckit.paging import Page, Paging, paged
from dvckit.production import environment
from dvckit.schemas import links

router = APIRouter(tags=["webhooks"])
Ctx = Annotated[PaymentContext, Depends(context)]
Staff = Annotated[Principal, Depends(require_role("agency", "operator"))]
AgencyCode = Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*$")]
Province = Annotated[str | None, Query(pattern=r"^\d{2}$")]
Paged = Annotated[Paging, Depends(paged())]
STATUS = {"forbidden": 403, "not_found": 404, "too_many_endpoints": 409}
ENDPOINT = {"path.endpoint_id": "$response.body#/endpoint_id"}  # links: the endpoint an answer names


class NewEndpoint(BaseModel):
    url: str = Field(
        min_length=8, max_length=2000, description="https:// (http://127.0.0.1 outside production)"
    )
    events: list[WebhookEvent] = Field(default=[], max_length=10, description="empty: every payment event")
    agency_code: str | None = Field(
        default=None, max_length=64, description="operators: the agency it serves"
    )
    province_code: str | None = Field(default=None, pattern=r"^\d{2}$", description="only this province")


def _fail(exc: PaymentError) -> Exception:
    return error(STATUS.get(exc.code, 422), exc.code, exc.message)


def delivery_out(d: Any, attempts: list[Any]) -> DeliveryOut:
    fields = ("endpoint_id", "event_id", "event_type", "payment_id", "status", "attempts", "next_attempt_at",
              "last_status_code", "last_error", "created_at", "delivered_at")  # fmt: skip
    log = [
        AttemptOut(
            attempt=a.attempt, at=a.at, status_code=a.status_code, latency_ms=a.latency_ms, error=a.error
        )
        for a in attempts
    ]
    return DeliveryOut(delivery_id=d.id, log=log, **{f: getattr(d, f) for f in fields})


def endpoint_out(e: Any) -> dict[str, Any]:
    return {
        "endpoint_id": e.id, "agency_code": e.agency_code, "province_code": e.province_code, "url": e.url,
        "events": e.events.split(","), "created_by": e.created_by, "created_at": e.created_at,
        "previous_secret_until": e.previous_secret_until if e.previous_secret else None,
    }  # fmt: skip


@router.post(
    "/webhooks/endpoints",
    status_code=201,
    response_model=CreatedEndpoint,
    responses=CONFLICT
    | links(
        201,
        RotateSecret=("post", "/v1/webhooks/endpoints/{endpoint_id}/rotate-secret", ENDPOINT),
        RemoveEndpoint=("delete", "/v1/webhooks/endpoints/{endpoint_id}", ENDPOINT),
    ),
    summary="Register an agency's webhook endpoint (agency: its own; operator: an agency in their province)",
)
async def create_endpoint(body: NewEndpoint, ctx: Ctx, who: Staff) -> CreatedEndpoint:
    s = ctx.settings
    limits = endpoints.EndpointLimits(
        s.webhook_max_endpoints, s.webhook_max_url_length, production=environment() == "production"
    )
    async with ctx.uow() as uow:
        try:
            e, secret = await endpoints.register(
                uow, who, url=body.url, events=body.events, agency_code=body.agency_code,
                province_code=body.province_code, limits=limits, now=clock.now(),
            )  # fmt: skip
        except PaymentError as exc:
            raise _fail(exc) from exc
        await uow.commit()
    return CreatedEndpoint(**endpoint_out(e), secret=secret)


@router.get(
    "/webhooks/endpoints", response_model=Page[EndpointOut], summary="The webhook endpoints the caller sees"
)
async def list_endpoints(
    request: Request, ctx: Ctx, who: Staff, paging: Paged, agency_code: AgencyCode = None,
    province_code: Province = None,
) -> Page[EndpointOut]:  # fmt: skip
    try:
        agency, province = endpoints.visible_scope(who, agency_code, province_code)
    except PaymentError as exc:
        raise _fail(exc) from exc
    async with ctx.uow() as uow:
        rows = await uow.webhooks.endpoints(
            agency=agency, province=province, limit=paging.probe, offset=paging.offset
        )  # a handful per agency: not counted, one more row tells if a page follows
    return paging.page(request, [EndpointOut(**endpoint_out(e)) for e in rows])


class Rotation(BaseModel):
    grace_seconds: int | None = Field(
        default=None,
        ge=0,
        le=7 * 86400,
        description="how long the previous secret still signs (a second v1); 0: it stops now; "
        "omitted: the service's default (PAYMENT_WEBHOOK_ROTATION_GRACE_SECONDS, 24 h)",
    )


@router.post(
    "/webhooks/endpoints/{endpoint_id}/rotate-secret",
    response_model=RotatedEndpoint,
    summary="Rotate an endpoint's signing secret (the previous one signs too during a grace period)",
)
async def rotate_secret(
    endpoint_id: str, ctx: Ctx, who: Staff, body: Rotation | None = None
) -> RotatedEndpoint:
    asked = body.grace_seconds if body is not None else None
    grace = timedelta(seconds=ctx.settings.webhook_rotation_grace_seconds if asked is None else asked)
    async with ctx.uow() as uow:
        try:
            e, secret = await endpoints.rotate(uow, who, endpoint_id, grace=grace, now=clock.now())
        except PaymentError as exc:
            raise _fail(exc) from exc
        await uow.commit()
    return RotatedEndpoint(**endpoint_out(e), secret=secret)


@router.delete(
    "/webhooks/endpoints/{endpoint_id}",
    status_code=204,
    response_class=Response,
    summary="Remove an endpoint",
)
async def delete_endpoint(endpoint_id: str, ctx: Ctx, who: Staff) -> Response:
    async with ctx.uow() as uow:
        try:
            await endpoints.remove(uow, who, endpoint_id, clock.now())
        except PaymentError as exc:
            raise _fail(exc) from exc
        await uow.commit()
    return Response(status_code=204)


@router.get(
    "/webhooks/deliveries",
    response_model=Page[DeliveryOut],
    summary="The delivery log: every delivery the caller sees, newest first, with each attempt",
)
async def list_deliveries(
    request: Request, ctx: Ctx, who: Staff, paging: Paged, status: DeliveryStatus | None = None,
    payment_id: Annotated[str | None, Query(max_length=100)] = None,
    agency_code: AgencyCode = None, province_code: Province = None,
) -> Page[DeliveryOut]:  # fmt: skip
    try:
        agency, province = endpoints.visible_scope(who, agency_code, province_code)
    except PaymentError as exc:
        raise _fail(exc) from exc
    async with ctx.uow() as uow:
        await uow.snapshot()
        rows, total = await uow.webhooks.deliveries(
            agency=agency, province=province, status=status.value if status else None, payment_id=payment_id,
            limit=paging.limit, offset=paging.offset,
        )  # fmt: skip
        log = await uow.webhooks.attempts_of([d.id for d in rows])
    items = [delivery_out(d, log[d.id]) for d in rows]
    return paging.page(request, items, total)
