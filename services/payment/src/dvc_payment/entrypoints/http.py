"""Thin HTTP routes for payment intents: create (Idempotency-Key), status, history (paying: paying.py)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Request, Response
from pydantic import BaseModel, Field

from dvc_contracts import clock
from dvc_payment.domain.model import STATUS_TEXT, PaymentError
from dvc_payment.entrypoints.context import PaymentContext, context
from dvc_payment.entrypoints.responses import PaymentHistory, PaymentOut
from dvc_payment.service import intents
from dvckit.auth.fastapi import require_role
from dvckit.auth.jwt import Principal
from dvckit.schemas import links

router = APIRouter(tags=["payments"])
Ctx = Annotated[PaymentContext, Depends(context)]
Staff = Annotated[Principal, Depends(require_role("agency", "operator"))]

ERROR_STATUS = {
    "not_found": 404,
    "already_paid": 409,
    "expired": 409,
    "idempotency_conflict": 409,
    "unknown_provider": 422,
    "unknown_decision": 422,
    "amount_mismatch": 422,
    "pay_link_invalid": 403,
    "pay_link_expired": 403,
    "not_owner": 403,
    "too_many_attempts": 429,
    "provider_unavailable": 503,
}


def http_error(exc: PaymentError) -> HTTPException:
    return HTTPException(ERROR_STATUS.get(exc.code, 409), detail={"error": exc.code, "message": exc.message})


PAYMENT = {"path.payment_id": "$response.body#/payment_id"}  # links: the intent an answer names


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
    payer_sub: str | None = Field(
        default=None, max_length=128, description="the citizen (login sub) who may pay it with their token"
    )


def _payment(p: Any, ctx: PaymentContext, request: Request, *, signed: bool = False) -> dict[str, Any]:
    """``signed``: the pay page as a signed pay link (only for those entitled to hand it to the citizen)."""
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
        "pay_page": ctx.urls(request).pay_page(p.id, p.expires_at if signed else None),
    }


def payment_out(p: Any, ctx: PaymentContext, request: Request, *, signed: bool = False) -> PaymentOut:
    return PaymentOut.model_validate(_payment(p, ctx, request, signed=signed))


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
    "/payments",
    status_code=201,
    summary="Create a payment intent (agency/operator; Idempotency-Key)",
    responses=links(
        201,
        GetPayment=("get", "/v1/payments/{payment_id}", PAYMENT),
        PaymentHistory=("get", "/v1/payments/{payment_id}/history", PAYMENT),
        PaymentRefunds=("get", "/v1/payments/{payment_id}/refunds", PAYMENT),
    ),
)
async def create_payment(
    request: Request,
    response: Response,
    body: CreatePayment,
    ctx: Ctx,
    caller: Staff,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> PaymentOut:
    if not idempotency_key:
        raise HTTPException(
            400, detail={"error": "missing_idempotency_key", "message": "Thiếu header Idempotency-Key."}
        )
    req = intents.NewPayment(
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
        owner_sub=body.payer_sub,
    )
    agency = caller.agency.upper() if caller.role == "agency" and caller.agency else None
    async with ctx.uow() as uow:
        try:
            p, created = await intents.create_payment(
                uow, caller=caller.sub, idempotency_key=idempotency_key, req=req, policy=ctx.policy,
                now=clock.now(), agency_code=agency,
            )  # fmt: skip
        except PaymentError as exc:
            raise http_error(exc) from exc
        await uow.commit()
    if not created:
        response.status_code = 200
        response.headers["idempotent-replayed"] = "true"
    return payment_out(p, ctx, request, signed=True)


@router.get("/payments/{payment_id}", summary="A payment's status (public: no personal data)")
async def get_payment(request: Request, payment_id: str, ctx: Ctx) -> PaymentOut:
    return payment_out(await _get(ctx, payment_id), ctx, request)


@router.get(
    "/payments/{payment_id}/history", summary="Every transition, attempt and refund (agency/operator)"
)
async def payment_history(request: Request, payment_id: str, ctx: Ctx, _: Staff) -> PaymentHistory:
    async with ctx.uow() as uow:
        await uow.snapshot()  # the payment, its history, attempts and refunds from one moment
        p = await _found(uow, payment_id)
        hist = await uow.payments.history(payment_id)
        tries = await uow.attempts.for_payment(payment_id)
        refunds = await uow.refunds.for_payment(payment_id)
    return PaymentHistory.model_validate(
        _payment(p, ctx, request, signed=True)
        | {
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
    )
