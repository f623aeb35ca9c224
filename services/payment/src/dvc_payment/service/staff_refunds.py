"""Refunds asked by authorised staff over HTTP (POST /payments/{id}/refunds): the same check and the same
worker as refund-requested (dvc_payment.service.refunds); only who asks and how a repeat is recognised
differ. The refund id is derived from the caller and their Idempotency-Key, so two concurrent requests with
one key make one refund (the payment row is locked, and the id is a primary key)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from dvc_payment.domain.model import PaymentError, format_vnd
from dvc_payment.service.refunds import accept_refund, check_refund
from dvc_payment.service.uow import PaymentUnitOfWork

REFUSALS = {
    "payment_not_found": "Không tìm thấy khoản thanh toán.",
    "payment_not_paid": "Khoản thanh toán chưa được thanh toán thành công nên không thể hoàn tiền.",
    "already_refunded": "Khoản thanh toán đã được hoàn hết số tiền.",
    "invalid_amount": "Số tiền hoàn phải lớn hơn 0.",
}


def refund_id_for(caller: str, idempotency_key: str) -> str:
    return "rf_" + hashlib.sha256(f"{caller}\n{idempotency_key}".encode()).hexdigest()[:32]


def request_hash(payment_id: str, amount_vnd: int | None, reason: str) -> str:
    body = json.dumps([payment_id, amount_vnd, reason], ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


def _replayed(existing: Any, digest: str) -> Any:
    if existing.request_hash != digest:
        raise PaymentError(
            "idempotency_conflict", "Idempotency-Key này đã được dùng cho một yêu cầu hoàn tiền khác."
        )
    return existing


async def refund_by_staff(
    uow: PaymentUnitOfWork,
    *,
    payment_id: str,
    caller: str,
    idempotency_key: str,
    amount_vnd: int | None,
    reason: str,
    now: datetime,
) -> tuple[Any, bool]:
    """(the refund, created?). A repeat of the key with the same request → the same refund; with another
    → PaymentError idempotency_conflict; a refusal → PaymentError with the check's reason code."""
    refund_id = refund_id_for(caller, idempotency_key)
    digest = request_hash(payment_id, amount_vnd, reason)
    check = await check_refund(uow, payment_id, amount_vnd)  # locks the payment: one request at a time
    if (existing := await uow.refunds.get(refund_id)) is not None:
        return _replayed(existing, digest), False
    if check.refusal == "amount_exceeds_paid":
        raise PaymentError(
            "amount_exceeds_refundable",
            f"Số tiền hoàn {format_vnd(check.amount_vnd)} vượt quá số còn có thể hoàn "
            f"({format_vnd(check.remaining_vnd)}).",
        )
    if check.refusal is not None:
        raise PaymentError(check.refusal, REFUSALS.get(check.refusal, "Không thể hoàn tiền."))
    values = {"id": refund_id, "reason": reason, "requested_at": now, "requested_by": caller,
              "request_hash": digest}  # fmt: skip
    if not await accept_refund(uow, check, values, actor=f"http:{caller}"):
        existing = await uow.refunds.get(refund_id)  # the same key, inserted meanwhile (no row lock)
        return _replayed(existing, digest), False
    return await uow.refunds.get(refund_id), True
