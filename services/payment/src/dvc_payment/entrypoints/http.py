"""Thin HTTP routes for payment intents: create (Idempotency-Key), status, checkout, the portal's pay pages."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Header, HTTPException, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from starlette.responses import HTMLResponse

from dvc_contracts import clock
from dvc_payment.domain.model import STATUS_TEXT, PaymentError
from dvc_payment.entrypoints import pages
from dvc_payment.entrypoints.context import PaymentContext, context
from dvc_payment.service import payments
from dvckit.auth.fastapi import require_role
from dvckit.auth.jwt import Principal

router = APIRouter(tags=["payments"])
Ctx = Annotated[PaymentContext, Depends(context)]
Staff = Annotated[Principal, Depends(require_role("agency", "operator"))]

ERROR_STATUS = {
    "not_found": 404,
    "already_paid": 409,
    "expired": 409,
    "idempotency_conflict": 409,
    "unknown_provider": 422,
    "provider_unavailable": 503,
}


def http_error(exc: PaymentError) -> HTTPException:
    return HTTPException(ERROR_STATUS.get(exc.code, 409), detail={"error": exc.code, "message": exc.message})


class CreatePayment(BaseModel):
    purpose: Literal["dossier_fee", "fine"] = "dossier_fee"
    amount_vnd: int = Field(gt=0, strict=True, description="integer VND")
    description: str = Field(min_length=1, max_length=255)
    dossier_code: str | None = Field(default=None, max_length=64)
    decision_no: str | None = Field(default=None, max_length=64)
    procedure_code: str | None = Field(default=None, max_length=64)
    province_code: str | None = Field(default=None, pattern=r"^\d{2}$")
    payer_name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=32)
    provider: str | None = Field(default=None, max_length=16)


class StartCheckout(BaseModel):
    provider: str = Field(min_length=1, max_length=16, description="vnpay | momo | paygov")


def payment_out(p: Any, ctx: PaymentContext, request: Request) -> dict[str, Any]:
    return {
        "payment_id": p.id,
        "purpose": p.purpose,
        "dossier_code": p.dossier_code,
        "decision_no": p.decision_no,
        "description": p.description,
        "amount_vnd": p.amount_vnd,
        "discount_vnd": p.discount_vnd,
        "status": p.status,
        "status_text": STATUS_TEXT.get(p.status, p.status),
        "provider": p.provider,
        "late": bool(p.late),
        "refunded_vnd": p.refunded_vnd,
        "created_at": p.created_at,
        "expires_at": p.expires_at,
        "paid_at": p.paid_at,
        "pay_page": ctx.urls(request).absolute(f"/payments/{p.id}/pay"),
    }


async def _found(uow: Any, payment_id: str) -> Any:
    """The payment, or 404."""
    p = await uow.payments.get(payment_id)
    if p is None:
        raise HTTPException(
            404, detail={"error": "not_found", "message": f"Không tìm thấy khoản thanh toán {payment_id}."}
        )
    return p


async def _get(ctx: PaymentContext, payment_id: str) -> Any:
    async with ctx.uow() as uow:
        return await _found(uow, payment_id)


@router.post(
    "/payments", status_code=201, summary="Create a payment intent (agency/operator; Idempotency-Key)"
)
async def create_payment(
    request: Request,
    response: Response,
    body: CreatePayment,
    ctx: Ctx,
    caller: Staff,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> dict[str, Any]:
    if not idempotency_key:
        raise HTTPException(
            400, detail={"error": "missing_idempotency_key", "message": "Thiếu header Idempotency-Key."}
        )
    req = payments.NewPayment(
        purpose=body.purpose,
        amount_vnd=body.amount_vnd,
        description=body.description,
        dossier_code=body.dossier_code,
        decision_no=body.decision_no,
        procedure_code=body.procedure_code,
        province_code=body.province_code,
        payer_name=body.payer_name,
        citizen_phone=body.phone,
        provider=body.provider,
    )
    async with ctx.uow() as uow:
        try:
            p, created = await payments.create_payment(
                uow, caller=caller.sub, idempotency_key=idempotency_key, req=req, policy=ctx.policy,
                now=clock.now(),
            )  # fmt: skip
        except PaymentError as exc:
            raise http_error(exc) from exc
        await uow.commit()
    if not created:
        response.status_code = 200
        response.headers["idempotent-replayed"] = "true"
    return payment_out(p, ctx, request)


@router.get("/payments/{payment_id}", summary="A payment's status (public: no personal data)")
async def get_payment(request: Request, payment_id: str, ctx: Ctx) -> dict[str, Any]:
    return payment_out(await _get(ctx, payment_id), ctx, request)


@router.get(
    "/payments/{payment_id}/history", summary="Every transition, attempt and refund (agency/operator)"
)
async def payment_history(request: Request, payment_id: str, ctx: Ctx, _: Staff) -> dict[str, Any]:
    async with ctx.uow() as uow:
        await uow.snapshot()  # the payment, its history, attempts and refunds from one moment
        p = await _found(uow, payment_id)
        hist = await uow.payments.history(payment_id)
        tries = await uow.attempts.for_payment(payment_id)
        refunds = await uow.refunds.for_payment(payment_id)
    return payment_out(p, ctx, request) | {
        "history": [
            {
                "action": h.action,
                "from_status": h.from_status,
                "to_status": h.to_status,
                "at": h.at,
                "actor": h.actor,
                "attempt_ref": h.attempt_ref,
                "reason": h.reason,
                "event_id": h.event_id,
            }
            for h in hist
        ],
        "attempts": [
            {
                "ref": a.ref,
                "provider": a.provider,
                "status": a.status,
                "provider_txn_id": a.provider_txn_id,
                "failure_reason": a.failure_reason,
                "created_at": a.created_at,
                "completed_at": a.completed_at,
                "polls": a.polls,
            }
            for a in tries
        ],
        "refunds": [
            {
                "refund_id": r.id,
                "amount_vnd": r.amount_vnd,
                "status": r.status,
                "automatic": bool(r.automatic),
                "reason": r.reason,
                "failure_reason": r.failure_reason,
                "requested_at": r.requested_at,
                "completed_at": r.completed_at,
            }
            for r in refunds
        ],
    }


@router.post(
    "/payments/{payment_id}/checkout", status_code=201, summary="Start paying with a provider → pay_url"
)
async def checkout(request: Request, payment_id: str, body: StartCheckout, ctx: Ctx) -> dict[str, Any]:
    try:
        result = await ctx.checkout(request, payment_id, body.provider)
    except PaymentError as exc:
        raise http_error(exc) from exc
    return {
        "payment_id": result.payment_id,
        "provider": result.provider,
        "ref": result.ref,
        "pay_url": result.pay_url,
        "amount_vnd": result.amount_vnd,
        "expires_at": result.expires_at,
    }


@router.get("/payments/{payment_id}/pay", response_class=HTMLResponse, summary="Pay page: choose a provider")
async def pay_page(payment_id: str, ctx: Ctx) -> HTMLResponse:
    p = await _get(ctx, payment_id)
    return pages.choose_provider_page(p, [(n, pr.display_name) for n, pr in ctx.providers.items()])


@router.post("/payments/{payment_id}/pay", summary="Pay page form: go to the chosen provider (303)")
async def pay_form(request: Request, payment_id: str, ctx: Ctx) -> Response:
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
    try:
        result = await ctx.checkout(request, payment_id, form.get("provider", ""))
    except PaymentError as exc:
        p = await _get(ctx, payment_id)
        choices = [(n, pr.display_name) for n, pr in ctx.providers.items()]
        page = pages.choose_provider_page(p, choices, error=exc.message)
        page.status_code = ERROR_STATUS.get(exc.code, 409)
        return page
    return RedirectResponse(result.pay_url, status_code=303)


@router.get(
    "/payments/{payment_id}/result",
    response_class=HTMLResponse,
    summary="Where providers send the citizen back",
)
async def result(payment_id: str, ctx: Ctx) -> HTMLResponse:
    return pages.result_page(await _get(ctx, payment_id))
