"""Verified provider notices (callbacks and reconciliation) applied to an intent: once each (the replay
guard), an amount that is not the order's recorded and refused, a success paid after the window late (and
refunded), a fine settled only by an intent that pays it in full."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from dvc_payment.adapters.providers.base import Notice
from dvc_payment.domain.fines import intent_settles
from dvc_payment.domain.model import AttemptStatus, decide_failure, decide_success, is_due_for_expiry
from dvc_payment.metrics import CALLBACKS
from dvc_payment.service.common import (
    Policy,
    log,
    publish_fee_paid,
    publish_payment_failed,
    request_auto_refund,
    settle_fine,
    transition,
)
from dvc_payment.service.intents import expire_intent
from dvc_payment.service.uow import PaymentUnitOfWork


async def apply_notice(
    uow: PaymentUnitOfWork,
    provider_name: str,
    notice: Notice,
    *,
    source: str,
    now: datetime,
    policy: Policy,
) -> str:
    """Apply a verified notice once. Returns applied | ignored | replayed | unknown_ref | amount_mismatch
    (recorded: the order is not paid by it; the caller commits)."""
    attempt = await uow.attempts.get(notice.ref)
    if attempt is None or attempt.provider != provider_name:
        return "unknown_ref"
    if notice.outcome != "pending" and notice.amount_vnd != attempt.amount_vnd:
        await _record_amount_mismatch(uow, provider_name, attempt, notice, source=source, now=now)
        return "amount_mismatch"
    if notice.outcome == "pending":
        return "ignored"
    keys = [notice.outcome_key(), *notice.dedup_keys]
    actor = f"{source}:{provider_name}"
    if not await uow.callbacks.record(
        provider_name, keys, attempt_ref=notice.ref, source=source, outcome=notice.outcome, at=now
    ):
        return "replayed"
    p = await uow.payments.get(attempt.payment_id, for_update=True)
    attempt = await uow.attempts.get(notice.ref, for_update=True)
    if notice.outcome == "success":
        return await _apply_success(uow, p, attempt, notice, actor=actor, now=now, policy=policy)
    return await _apply_failure(uow, p, attempt, notice, actor=actor, now=now)


async def _record_amount_mismatch(
    uow: PaymentUnitOfWork, provider_name: str, attempt: Any, notice: Notice, *, source: str, now: datetime
) -> None:
    """A provider says an order was paid (or failed) for another amount than ours: nothing moves; the
    mismatch is kept (once per order and amount: reconciliation asks again) in the intent's history."""
    log.error(
        "payment.amount_mismatch",
        provider=provider_name,
        ref=notice.ref,
        expected_vnd=attempt.amount_vnd,
        notified_vnd=notice.amount_vnd,
        source=source,
    )
    key = f"amount_mismatch:{notice.ref}:{notice.amount_vnd}"
    if await uow.callbacks.record(
        provider_name, [key], attempt_ref=notice.ref, source=source, outcome="amount_mismatch", at=now
    ):
        await uow.payments.add_history(
            attempt.payment_id, action="amount_mismatch", at=now, actor=f"{source}:{provider_name}",
            attempt_ref=attempt.ref,
            reason=f"{notice.outcome}: provider {notice.amount_vnd} VND, order {attempt.amount_vnd} VND",
        )  # fmt: skip


async def _fine_for(uow: PaymentUnitOfWork, p: Any, policy: Policy) -> tuple[Any, bool]:
    """The decision a fine intent pays (locked), and whether the intent pays it in full."""
    if p.purpose != "fine" or not p.decision_no:
        return None, True
    fine = await uow.fines.get(p.decision_no, for_update=True)
    if fine is None:
        return None, True
    settles = intent_settles(
        policy.discount, fine.amount, fine.decided_at,
        amount_vnd=p.amount_vnd, discount_vnd=p.discount_vnd, quoted_at=p.created_at,
    )  # fmt: skip
    return fine, settles


def paid_after_the_window(p: Any, attempt: Any, notice: Notice, *, now: datetime, grace: timedelta) -> bool:
    """Whether a success on a still payable intent was paid after its deadline. The provider says when
    (VNPay, PayGov); MoMo does not, so: late if a status query sent after the deadline was still answered "not
    paid yet" (the money moved later), or if the success is first seen more than ``grace`` after the deadline
    (however late our sweep looks, the answer does not depend on it); on time otherwise — a lost notification
    found by the sweep just after the deadline."""
    if notice.occurred_at is not None:
        return is_due_for_expiry(p.status, p.expires_at, notice.occurred_at)
    if attempt.pending_seen_at is not None and is_due_for_expiry(
        p.status, p.expires_at, attempt.pending_seen_at
    ):
        return True
    return is_due_for_expiry(p.status, p.expires_at + grace, now)


async def _apply_success(
    uow: PaymentUnitOfWork, p: Any, attempt: Any, notice: Notice, *, actor: str, now: datetime, policy: Policy
) -> str:
    if attempt.status == AttemptStatus.SUCCEEDED.value:
        return "ignored"
    txn = notice.provider_txn_id or attempt.ref
    paid_at = notice.occurred_at or now
    if paid_after_the_window(p, attempt, notice, now=now, grace=policy.undated_grace):
        # paid after the window closed, which our sweep had not yet seen: the intent expired first (the dossier
        # gave up on it), so this success is a late one, refunded like any other
        p = await expire_intent(uow, p, now=now, actor=actor)
    await uow.attempts.update(
        attempt.ref,
        status=AttemptStatus.SUCCEEDED.value,
        provider_txn_id=txn,
        completed_at=now,
        updated_at=now,
        next_poll_at=None,
    )
    fine, settles = await _fine_for(uow, p, policy)
    fine_open = None if fine is None else fine.status == "unpaid"
    decision = decide_success(p.status, p.purpose, fine_open, fine_amount_ok=settles)
    if decision.new_status is not None:
        event_id = await publish_fee_paid(
            uow, p, provider=attempt.provider, txn_id=txn, paid_at=paid_at, late=decision.late,
            refund_reason=decision.refund_reason,
        )  # fmt: skip
        await transition(
            uow, p, decision.new_status,
            action="late_success" if decision.late else "succeeded", actor=actor, now=now,
            provider=attempt.provider, attempt_ref=attempt.ref, event_id=event_id,
            provider_txn_id=txn, paid_at=paid_at, late=decision.late,
        )  # fmt: skip
        log.info(
            "payment.succeeded", payment_id=p.id, provider=attempt.provider, late=decision.late, source=actor
        )
    else:
        await uow.payments.add_history(
            p.id,
            action="second_charge",
            at=now,
            actor=actor,
            attempt_ref=attempt.ref,
            reason="duplicate_payment",
        )
        log.warning("payment.second_charge", payment_id=p.id, ref=attempt.ref)
    if decision.settle_fine and fine is not None:
        await settle_fine(uow, fine, p, provider=attempt.provider, txn_id=txn, now=now)
    if decision.refund_reason:
        await request_auto_refund(uow, p, attempt, reason=decision.refund_reason, actor=actor, now=now)
    return "applied"


async def _apply_failure(
    uow: PaymentUnitOfWork, p: Any, attempt: Any, notice: Notice, *, actor: str, now: datetime
) -> str:
    if attempt.status != AttemptStatus.OPEN.value:
        if attempt.status == AttemptStatus.SUCCEEDED.value:
            log.warning("payment.failure_after_success", payment_id=p.id, ref=attempt.ref, source=actor)
        return "ignored"
    reason = notice.reason or "declined"
    await uow.attempts.update(
        attempt.ref,
        status=AttemptStatus.FAILED.value,
        provider_txn_id=notice.provider_txn_id,
        failure_reason=reason[:64],
        completed_at=now,
        updated_at=now,
    )
    target = decide_failure(p.status, await uow.attempts.others_open(p.id, attempt.ref))
    if target is None:
        await uow.payments.add_history(
            p.id, action="attempt_failed", at=now, actor=actor, attempt_ref=attempt.ref, reason=reason
        )
        return "applied"
    event_id = await publish_payment_failed(
        uow, p, provider=attempt.provider, reason=reason, message=FAILURE_TEXT.get(reason), at=now
    )
    await transition(
        uow, p, target, action="failed", actor=actor, now=now,
        provider=attempt.provider, attempt_ref=attempt.ref, reason=reason, event_id=event_id,
    )  # fmt: skip
    log.info("payment.failed", payment_id=p.id, provider=attempt.provider, reason=reason)
    return "applied"


FAILURE_TEXT = {
    "cancelled": "Người nộp đã hủy giao dịch.",
    "insufficient_funds": "Tài khoản không đủ số dư.",
    "timeout": "Giao dịch quá thời gian chờ thanh toán.",
    "declined": "Ngân hàng từ chối giao dịch.",
    "card_locked": "Thẻ/tài khoản bị khóa.",
}


def record_callback_metric(provider: str, outcome: str) -> None:
    CALLBACKS.labels(provider, outcome).inc()
