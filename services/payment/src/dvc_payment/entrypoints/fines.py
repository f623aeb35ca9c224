"""Traffic fines over HTTP: the public, rate-limited three-factor lookup (pinned contract), paying a fine,
and the staff view of a decision (an agency sees its own decisions, an operator those of their province)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field

from dvc_contracts import clock
from dvc_contracts.phone import MobilePhone
from dvc_payment.domain.fines import visible_to
from dvc_payment.domain.model import PaymentError
from dvc_payment.entrypoints.context import PaymentContext, context
from dvc_payment.entrypoints.http import http_error
from dvc_payment.entrypoints.responses import Fine, FineCheckout, FineLookup
from dvc_payment.metrics import FINE_LOOKUPS
from dvc_payment.service import fines
from dvckit.auth.fastapi import require_role
from dvckit.auth.jwt import Principal
from dvckit.logging import get_logger

router = APIRouter(tags=["fines"])
Ctx = Annotated[PaymentContext, Depends(context)]
Staff = Annotated[Principal, Depends(require_role("agency", "operator"))]
log = get_logger("dvc_payment.fines")

STATE_TEXT = {"unpaid": "Chưa nộp phạt", "payment_pending": "Đang thanh toán", "settled": "Đã nộp phạt"}
NOT_FOUND = {
    "error": "not_found",
    "message": "Không tìm thấy quyết định xử phạt khớp với số biên bản, ngày vi phạm và họ tên đã nhập.",
}


async def _rate_limit(request: Request, ctx: PaymentContext) -> None:
    wait = await ctx.limiter.take(ctx.client_ip(request))
    if wait is not None:
        FINE_LOOKUPS.labels("rate_limited").inc()
        seconds = ctx.limiter.retry_after(wait)
        raise HTTPException(
            429,
            detail={
                "error": "rate_limited",
                "message": f"Bạn đã tra cứu quá nhiều lần. Vui lòng thử lại sau {seconds} giây.",
            },
            headers={"Retry-After": str(seconds)},
        )


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise HTTPException(
            422,
            detail={
                "error": "invalid_date",
                "message": "Ngày vi phạm phải có dạng YYYY-MM-DD (ví dụ 2026-11-01).",
                "fields": ["violation_date"],
            },
        ) from exc


def view_out(v: fines.FineView, ctx: PaymentContext, request: Request) -> FineLookup:
    f, q = v.fine, v.quote
    out: dict[str, Any] = {
        "decision_no": f.decision_no,
        "record_no": f.record_no,
        "violation_date": f.violation_date,
        "offender_name": f.offender_name,
        "plate": f.plate,
        "issuing_unit": f.issuing_unit,
        "province_code": f.province_code,
        "decided_at": f.decided_at,
        "amount": q.amount,
        "discount_percent": q.discount_percent,
        "discount_vnd": q.discount_vnd,
        "discount_until": q.discount_until,
        "amount_due": q.amount_due,
        "status": v.state,
        "status_text": STATE_TEXT[v.state],
        "settled_at": f.settled_at,
        "amount_paid": f.amount_paid,
        "payment": None,
    }
    if v.payment is not None:
        out["payment"] = {
            "payment_id": v.payment.id,
            "status": v.payment.status,
            "expires_at": v.payment.expires_at,
            # a pay link: who proved the three facts may pay (the page itself asks for nothing more)
            "pay_page": ctx.urls(request).pay_page(v.payment.id, v.payment.expires_at),
        }
    return FineLookup.model_validate(out)


@router.get(
    "/fines/lookup",
    summary="Find a fine decision by record number + violation date + full name (public, rate-limited)",
    responses={
        404: {"description": "no decision matches all three"},
        429: {"description": "too many lookups"},
    },
)
async def lookup(
    request: Request,
    ctx: Ctx,
    record_no: Annotated[str, Query(min_length=1, max_length=64, description="số biên bản")],
    violation_date: Annotated[str, Query(description="ngày vi phạm, YYYY-MM-DD")],
    name: Annotated[str, Query(min_length=1, max_length=200, description="họ và tên người vi phạm")],
) -> FineLookup:
    await _rate_limit(request, ctx)
    day = _date(violation_date)
    async with ctx.uow() as uow:
        view = await fines.lookup_fine(
            uow, record_no=record_no, violation_date=day, name=name, policy=ctx.policy, now=clock.now()
        )
    if view is None:
        FINE_LOOKUPS.labels("not_found").inc()
        raise HTTPException(404, detail=NOT_FOUND)
    FINE_LOOKUPS.labels("found").inc()
    return view_out(view, ctx, request)


class PayFine(BaseModel):
    record_no: str = Field(min_length=1, max_length=64)
    violation_date: str = Field(description="YYYY-MM-DD")
    name: str = Field(min_length=1, max_length=200)
    provider: str = Field(min_length=1, max_length=16, description="vnpay | momo | paygov")
    phone: MobilePhone = Field(
        default=None,
        max_length=32,
        description="for the SMS receipt: a Vietnamese mobile number (kept as +84…)",
    )


@router.post(
    "/fines/{decision_no:path}/pay", status_code=201, summary="Pay a fine (same three-factor check) → pay_url"
)
async def pay(request: Request, decision_no: str, body: PayFine, ctx: Ctx) -> FineCheckout:
    await _rate_limit(request, ctx)
    try:
        result, quote = await fines.pay_fine(
            ctx.uow, ctx.providers, decision_no=decision_no, record_no=body.record_no,
            violation_date=_date(body.violation_date), name=body.name, provider=body.provider, phone=body.phone,
            urls=ctx.urls(request), client_ip=ctx.client_ip(request), policy=ctx.policy,
        )  # fmt: skip
    except PaymentError as exc:
        if exc.code == "not_found":
            raise HTTPException(404, detail=NOT_FOUND) from exc
        raise http_error(exc) from exc
    return FineCheckout(
        decision_no=decision_no,
        payment_id=result.payment_id,
        provider=result.provider,
        pay_url=result.pay_url,
        pay_page=ctx.urls(request).pay_page(result.payment_id, result.expires_at),  # to choose again
        amount=quote.amount,
        discount_vnd=quote.discount_vnd,
        amount_due=result.amount_vnd,
        expires_at=result.expires_at,
    )


@router.get(
    "/fines/{decision_no:path}",
    summary="A decision with its history (its issuing agency; operators of its province, national ones)",
)
async def get_fine(decision_no: str, ctx: Ctx, staff: Staff) -> Fine:
    async with ctx.uow() as uow:
        f = await uow.fines.get(decision_no)
        if f is not None and not visible_to(staff, agency_code=f.agency_code, province_code=f.province_code):
            f = None  # the same answer as no such decision
        hist = await uow.fines.history(decision_no) if f is not None else []
    if f is None:
        raise HTTPException(
            404, detail={"error": "not_found", "message": f"Không tìm thấy quyết định {decision_no}."}
        )
    return Fine.model_validate(
        {
            "decision_no": f.decision_no,
            "record_no": f.record_no,
            "violation_date": f.violation_date,
            "offender_name": f.offender_name,
            "plate": f.plate,
            "amount": f.amount,
            "issuing_unit": f.issuing_unit,
            "agency_code": f.agency_code,
            "province_code": f.province_code,
            "decided_at": f.decided_at,
            "status": f.status,
            "payment_id": f.payment_id,
            "amount_paid": f.amount_paid,
            "discount_vnd": f.discount_vnd,
            "settled_at": f.settled_at,
            "history": [
                {"action": h.action, "at": h.at, "event_id": h.event_id, "note": h.note} for h in hist
            ],
        }
    )
