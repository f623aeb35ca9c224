"""Refunds by API: authorised staff (an operator of the payment's province, or a national operator) ask for a
full or partial refund; the refund worker sends it to the provider like any other (fee-refunded or
refund-failed on Kafka, payment.refunded to the agency's webhooks)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Response
from pydantic import BaseModel, Field

from dvc_contracts import clock
from dvc_payment.domain.model import PaymentError
from dvc_payment.domain.webhooks import Scope, may_refund, sees
from dvc_payment.entrypoints.context import PaymentContext, context
from dvc_payment.entrypoints.problems import CONFLICT, error
from dvc_payment.entrypoints.responses import RefundList, RefundOut
from dvc_payment.service import webhooks
from dvc_payment.service.staff_refunds import refund_by_staff
from dvckit.auth.fastapi import require_role
from dvckit.auth.jwt import Principal

router = APIRouter(tags=["refunds"])
Ctx = Annotated[PaymentContext, Depends(context)]
Operator = Annotated[Principal, Depends(require_role("operator"))]
Staff = Annotated[Principal, Depends(require_role("agency", "operator"))]


class RefundRequest(BaseModel):
    amount_vnd: int | None = Field(
        default=None, gt=0, le=10**13, strict=True, description="integer VND; omitted: all that remains"
    )
    reason: str = Field(min_length=1, max_length=500, description="why (kept in the payment's history)")


def refund_out(r: Any) -> RefundOut:
    return RefundOut(
        refund_id=r.id, payment_id=r.payment_id, amount_vnd=r.amount_vnd, status=r.status,
        automatic=bool(r.automatic), reason=r.reason, failure_reason=r.failure_reason,
        provider_refund_id=r.provider_refund_id, requested_by=r.requested_by, requested_at=r.requested_at,
        completed_at=r.completed_at,
    )  # fmt: skip


def _not_found(payment_id: str) -> HTTPException:
    return error(404, "not_found", f"Không tìm thấy khoản thanh toán {payment_id}.")


@router.post(
    "/payments/{payment_id}/refunds",
    status_code=201,
    response_model=RefundOut,
    responses=CONFLICT,
    summary="Refund a payment, fully or in part (operator of its province or national; Idempotency-Key)",
)
async def create_refund(
    payment_id: str,
    body: RefundRequest,
    response: Response,
    ctx: Ctx,
    who: Operator,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> RefundOut:
    if not idempotency_key:
        raise error(400, "missing_idempotency_key", "Thiếu header Idempotency-Key.")
    async with ctx.uow() as uow:
        p = await uow.payments.get(payment_id)
        if p is None:
            raise _not_found(payment_id)
        if not may_refund(who, p.province_code):
            raise error(
                403,
                "forbidden",
                "Chỉ cán bộ của tỉnh/thành nơi thu khoản này (hoặc cấp trung ương) được hoàn tiền.",
            )
        try:
            r, created = await refund_by_staff(
                uow, payment_id=payment_id, caller=who.sub, idempotency_key=idempotency_key,
                amount_vnd=body.amount_vnd, reason=body.reason, now=clock.now(),
            )  # fmt: skip
        except PaymentError as exc:
            status = {"invalid_amount": 422, "idempotency_conflict": 409, "payment_not_found": 404}
            raise error(status.get(exc.code, 409), exc.code, exc.message) from exc
        await uow.commit()
    if not created:
        response.status_code = 200
        response.headers["idempotent-replayed"] = "true"
    return refund_out(r)


@router.get(
    "/payments/{payment_id}/refunds",
    response_model=RefundList,
    summary="A payment's refunds (operator of its province or national; the agency that collects it)",
)
async def list_refunds(payment_id: str, ctx: Ctx, who: Staff) -> RefundList:
    async with ctx.uow() as uow:
        await uow.snapshot()
        p = await uow.payments.get(payment_id)
        if p is None:
            raise _not_found(payment_id)
        agency, province = await webhooks.payment_scope(uow, p)
        allowed = may_refund(who, p.province_code) or (
            who.role == "agency" and agency is not None and sees(who, Scope(agency, province))
        )
        if not allowed:
            raise error(403, "forbidden", "Bạn không được xem các khoản hoàn tiền của khoản thanh toán này.")
        items = await uow.refunds.for_payment(payment_id)
        reserved = await uow.refunds.reserved_vnd(payment_id)
    return RefundList(
        payment_id=p.id,
        amount_vnd=p.amount_vnd,
        refunded_vnd=p.refunded_vnd,
        refundable_vnd=max(p.amount_vnd - reserved, 0) if p.status == "succeeded" else 0,
        items=[refund_out(r) for r in items],
    )
