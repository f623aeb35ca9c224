"""Payment intents: created from payment-requested or over HTTP, paid through a provider (checkout), moved by
verified provider notices (callbacks and reconciliation), expired by the scheduler.

Provider calls never run inside a database transaction: a checkout opens the attempt, commits, calls the
provider, then records the answer; reconciliation asks first and applies the answer in its own transaction.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from dvc_contracts import clock, phone
from dvc_contracts.events import PaymentRequestedV1
from dvc_payment.adapters.providers.base import AttemptInfo, CheckoutRequest, Notice, Provider, ProviderError
from dvc_payment.domain.access import PayAccess, check_attempts
from dvc_payment.domain.fines import FineQuote, check_amount_due, intent_settles
from dvc_payment.domain.model import (
    AttemptStatus,
    PaymentError,
    PaymentStatus,
    check_payable,
    decide_failure,
    decide_success,
    default_expiry,
    is_due_for_expiry,
)
from dvc_payment.metrics import CALLBACKS, PAYMENTS, RECONCILIATIONS
from dvc_payment.service.arrivals import IntentArrivals
from dvc_payment.service.common import (
    Policy,
    UowFactory,
    Urls,
    log,
    new_attempt_ref,
    new_payment_id,
    publish_fee_paid,
    publish_payment_expired,
    publish_payment_failed,
    request_auto_refund,
    settle_fine,
    transition,
)
from dvc_payment.service.uow import PaymentUnitOfWork
from dvckit.messaging.consumer import Rejected
from dvckit.messaging.typed import Event

# --- creating intents --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewPayment:
    purpose: str
    amount_vnd: int
    description: str
    dossier_code: str | None = None
    decision_no: str | None = None
    procedure_code: str | None = None
    province_code: str | None = None
    payer_name: str | None = None
    citizen_phone: str | None = None
    provider: str | None = None
    discount_vnd: int = 0
    owner_sub: str | None = None  # the citizen who may pay it with their own login

    def canonical_hash(self) -> str:
        return hashlib.sha256(
            json.dumps(self.__dict__, sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()


def intent_values(
    payment_id: str, req: NewPayment, *, source: str, now: datetime, expires_at: datetime
) -> dict[str, Any]:
    return {
        "id": payment_id,
        "purpose": req.purpose,
        "dossier_code": req.dossier_code,
        "decision_no": req.decision_no,
        "procedure_code": req.procedure_code,
        "province_code": req.province_code,
        "amount_vnd": req.amount_vnd,
        "discount_vnd": req.discount_vnd,
        "description": req.description,
        "payer_name": req.payer_name,
        "owner_sub": req.owner_sub,
        "citizen_phone": req.citizen_phone,
        "preferred_provider": req.provider,
        "status": PaymentStatus.CREATED.value,
        "late": False,
        "refunded_vnd": 0,
        "source": source,
        "created_at": now,
        "updated_at": now,
        "expires_at": expires_at,
    }


async def record_created(
    uow: PaymentUnitOfWork, payment_id: str, actor: str, now: datetime, event_id: str | None
) -> None:
    await uow.payments.add_history(
        payment_id,
        action="created",
        to_status=PaymentStatus.CREATED.value,
        at=now,
        actor=actor,
        event_id=event_id,
    )
    uow.after_commit(lambda: PAYMENTS.labels("none", "created").inc())


async def on_payment_requested(
    event: Event[PaymentRequestedV1],
    uow: PaymentUnitOfWork,
    *,
    policy: Policy,
    arrivals: IntentArrivals | None = None,
) -> None:
    """Create the intent; ``payment_id`` is the requester's idempotency key (a repeat is a no-op).
    ``arrivals``: checkouts of this instance waiting for the intent are woken once it is committed."""
    data = event.data
    if data.amount_vnd <= 0:
        raise Rejected(
            "invalid_payload", "amount_vnd: must be greater than 0 (free procedures need no payment)"
        )
    if await uow.payments.get(data.payment_id) is not None:
        await _request_repeated(uow, data)
        return
    now = clock.now()
    req = NewPayment(
        purpose=data.purpose,
        amount_vnd=data.amount_vnd,
        description=data.description,
        dossier_code=data.dossier_code,
        decision_no=data.decision_no,
        procedure_code=data.procedure_code,
        province_code=data.province_code,
        payer_name=data.payer_name,
        citizen_phone=data.citizen_phone,
        provider=data.provider,
        owner_sub=data.payer_sub,
    )
    if req.purpose == "fine":
        try:
            quote = await fine_due(uow, req.decision_no, req.amount_vnd, policy=policy, now=now)
        except PaymentError as exc:
            raise Rejected(exc.code, exc.message) from exc
        req = replace(req, discount_vnd=quote.discount_vnd)
    expires_at = data.expires_at or default_expiry(now, policy.ttl_minutes)
    values = intent_values(data.payment_id, req, source="event", now=now, expires_at=expires_at)
    values["request_event_id"] = event.id
    if await uow.payments.add_once(values):
        await record_created(uow, data.payment_id, "event:payment-requested", now, event.id)
        if arrivals is not None:
            payment_id = data.payment_id
            uow.after_commit(lambda: arrivals.arrived(payment_id))
        log.info(
            "payment.created",
            payment_id=data.payment_id,
            dossier_code=data.dossier_code,
            amount_vnd=data.amount_vnd,
            phone=phone.mask(data.citizen_phone),
        )
        return
    await _request_repeated(uow, data)


async def _request_repeated(uow: PaymentUnitOfWork, data: PaymentRequestedV1) -> None:
    """A payment-requested whose payment_id exists: a no-op, or a conflict if it asks for something else."""
    existing = await uow.payments.get(data.payment_id)
    if existing is not None and (existing.amount_vnd, existing.purpose) != (data.amount_vnd, data.purpose):
        raise Rejected(
            "payment_id_conflict",
            f"payment_id {data.payment_id} already exists with another amount or purpose",
        )
    log.info("payment.request_repeated", payment_id=data.payment_id)


async def fine_due(
    uow: PaymentUnitOfWork, decision_no: str | None, amount_vnd: int, *, policy: Policy, now: datetime
) -> FineQuote:
    """A new intent for a fine asks exactly what is due now (the early-payment discount applied by rule), for
    a decision the police sent and nobody paid yet; PaymentError otherwise."""
    fine = await uow.fines.get(decision_no) if decision_no else None
    if fine is None:
        raise PaymentError(
            "unknown_decision", "Không tìm thấy quyết định xử phạt (decision_no) cần nộp phạt."
        )
    if fine.status == "settled":
        raise PaymentError("already_paid", "Quyết định xử phạt này đã được nộp phạt, không cần nộp lại.")
    quote = policy.discount.quote(fine.amount, fine.decided_at, now)
    check_amount_due(quote, amount_vnd, fine.decision_no)
    return quote


async def create_payment(
    uow: PaymentUnitOfWork,
    *,
    caller: str,
    idempotency_key: str,
    req: NewPayment,
    policy: Policy,
    now: datetime,
    agency_code: str | None = None,
) -> tuple[Any, bool]:
    """POST /payments: same key + same body → the same intent; same key + another body → PaymentError.
    A fine's intent must ask exactly what is due now (PaymentError amount_mismatch). ``agency_code``: the
    creating agency's (its webhooks hear about the intent)."""
    key = f"{caller}:{idempotency_key}"
    digest = req.canonical_hash()
    if (existing := await uow.payments.get_by_idempotency_key(key)) is not None:
        return _replayed(existing, digest), False
    if req.purpose == "fine":
        quote = await fine_due(uow, req.decision_no, req.amount_vnd, policy=policy, now=now)
        req = replace(req, discount_vnd=quote.discount_vnd)
    payment_id = new_payment_id()
    values = intent_values(
        payment_id, req, source="http", now=now, expires_at=default_expiry(now, policy.ttl_minutes)
    ) | {"idempotency_key": key, "request_hash": digest, "agency_code": agency_code}
    if await uow.payments.add_once(values):
        await record_created(uow, payment_id, f"http:{caller}", now, None)
        return await uow.payments.get(payment_id), True
    existing = await uow.payments.get_by_idempotency_key(key)  # the same key, created meanwhile
    if existing is None:  # pragma: no cover - a random id collision
        raise PaymentError("conflict", "Vui lòng thử lại.")
    return _replayed(existing, digest), False


def _replayed(existing: Any, digest: str) -> Any:
    if existing.request_hash != digest:
        raise PaymentError(
            "idempotency_conflict",
            "Idempotency-Key này đã được dùng cho một yêu cầu thanh toán khác.",
        )
    return existing


# --- checkout ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckoutResult:
    payment_id: str
    provider: str
    ref: str
    pay_url: str
    amount_vnd: int
    expires_at: datetime


async def start_checkout(
    uow_factory: UowFactory,
    providers: dict[str, Provider],
    payment_id: str,
    provider_name: str,
    *,
    urls: Urls,
    client_ip: str,
    policy: Policy,
    access: PayAccess | None = None,
) -> CheckoutResult:
    """``access``: how the caller was let in (a signed link, or a citizen token checked against the intent's
    owner here); None when the caller already proved the right another way (a fine's three facts)."""
    actor = access.actor if access is not None else "citizen"
    provider = providers.get(provider_name)
    if provider is None:
        raise PaymentError("unknown_provider", f"Không hỗ trợ kênh thanh toán '{provider_name}'.")
    now = clock.now()
    ref = new_attempt_ref()
    async with uow_factory() as uow:
        p = await uow.payments.get(payment_id, for_update=True)
        if p is None:
            raise PaymentError("not_found", f"Không tìm thấy khoản thanh toán {payment_id}.")
        if access is not None:
            access.check(p.owner_sub)
        check_payable(p.status, p.expires_at, now)
        check_attempts(await uow.attempts.count_for(p.id), policy.max_attempts)
        await uow.attempts.add(
            {
                "ref": ref,
                "payment_id": p.id,
                "provider": provider_name,
                "amount_vnd": p.amount_vnd,
                "status": AttemptStatus.OPEN.value,
                "created_at": now,
                "updated_at": now,
                "polls": 0,
            }
        )
        await uow.commit()
    request = CheckoutRequest(
        ref=ref,
        payment_id=p.id,
        amount_vnd=p.amount_vnd,
        description=p.description,
        return_url=urls.return_url(p.id, p.expires_at),
        notify_url=urls.notify_url(provider_name),
        created_at=now,
        expires_at=p.expires_at,
        client_ip=client_ip,
    )
    try:
        checkout = await provider.checkout(request)
    except ProviderError as exc:
        log.warning("payment.checkout_failed", payment_id=p.id, provider=provider_name, error=str(exc)[:300])
        async with uow_factory() as uow:
            await uow.attempts.update(
                ref, status=AttemptStatus.FAILED.value, failure_reason="provider_error", updated_at=now
            )
            await uow.commit()
        raise PaymentError(
            "provider_unavailable",
            f"{provider.display_name} tạm thời không phản hồi, vui lòng chọn kênh khác.",
        ) from exc
    async with uow_factory() as uow:
        p = await uow.payments.get(payment_id, for_update=True)
        later = clock.now()
        # From now on the provider knows the order: reconciliation asks about it until it is settled.
        await uow.attempts.update(ref, next_poll_at=now + policy.reconcile_interval, updated_at=later)
        try:
            check_payable(p.status, p.expires_at, later)
        except PaymentError:
            await uow.commit()
            raise
        await transition(
            uow, p, PaymentStatus.PENDING, action="checkout", actor=actor, now=later,
            provider=provider_name, attempt_ref=ref,
        )  # fmt: skip
        await uow.commit()
    log.info("payment.checkout_started", payment_id=p.id, provider=provider_name, ref=ref)
    return CheckoutResult(
        p.id, provider_name, ref, urls.absolute(checkout.pay_url), p.amount_vnd, p.expires_at
    )


# --- provider notices (callbacks and reconciliation) ------------------------------------------------------


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


# --- reconciliation and expiry ----------------------------------------------------------------------------


async def poll_attempt(
    uow_factory: UowFactory, providers: dict[str, Provider], attempt: Any, *, policy: Policy, now: datetime
) -> str:
    """Ask the provider about one attempt and apply the answer (its own transaction)."""
    provider = providers.get(attempt.provider)
    if provider is None:
        return "unknown_provider"
    async with uow_factory() as uow:
        p = await uow.payments.get(attempt.payment_id)
    info = AttemptInfo(
        attempt.ref, attempt.amount_vnd, attempt.provider_txn_id, attempt.created_at, p.description
    )
    asked_at = clock.now()  # "not paid yet" in the answer holds at least from here
    try:
        notice = await provider.query(info)
    except ProviderError as exc:
        log.warning(
            "payment.reconcile_failed", provider=attempt.provider, ref=attempt.ref, error=str(exc)[:300]
        )
        notice = None
    async with uow_factory() as uow:
        result = (
            "error"
            if notice is None
            else await apply_notice(uow, attempt.provider, notice, source="reconcile", now=now, policy=policy)
        )
        fresh = await uow.attempts.get(attempt.ref, for_update=True)
        keep_polling = (
            fresh.status != AttemptStatus.SUCCEEDED.value
            and fresh.created_at > now - policy.reconcile_lookback
        )
        pending = notice is not None and notice.outcome == "pending"
        await uow.attempts.update(
            attempt.ref,
            polls=fresh.polls + 1,
            next_poll_at=policy.next_poll(now, fresh.polls + 1) if keep_polling else None,
            **({"pending_seen_at": asked_at} if pending else {}),
        )
        await uow.commit()
    RECONCILIATIONS.labels(attempt.provider, result).inc()
    if result == "applied":
        log.info(
            "payment.reconciled",
            provider=attempt.provider,
            ref=attempt.ref,
            outcome=notice and notice.outcome,
        )
    return result


async def reconcile_due(
    uow_factory: UowFactory, providers: dict[str, Provider], *, policy: Policy, limit: int = 100
) -> int:
    """Query the providers about attempts due for a poll: open ones, and failed ones still in the window."""
    now = clock.now()
    async with uow_factory() as uow:
        due = await uow.attempts.claim_due_for_poll(now, limit, lease=policy.reconcile_interval * 2)
        await uow.commit()
    for attempt in due:
        await poll_attempt(uow_factory, providers, attempt, policy=policy, now=clock.now())
    return len(due)


async def expire_due(
    uow_factory: UowFactory, providers: dict[str, Provider], *, policy: Policy, limit: int = 200
) -> int:
    """Expire intents past expires_at. Open attempts are asked first: a payment made just before the deadline
    whose callback is late is then applied as a normal success rather than refunded."""
    now = clock.now()
    async with uow_factory() as uow:
        due = await uow.payments.claim_due_for_expiry(now, limit)
        open_attempts = []
        for p in due:
            if p.status == PaymentStatus.PENDING.value:
                open_attempts += [
                    a for a in await uow.attempts.for_payment(p.id) if a.status == AttemptStatus.OPEN.value
                ]
    for attempt in open_attempts:  # each answer applied at its own time: a sweep can take a while
        await poll_attempt(uow_factory, providers, attempt, policy=policy, now=clock.now())
    expired = 0
    async with uow_factory() as uow:
        for p in await uow.payments.claim_due_for_expiry(now, limit):
            await expire_intent(uow, p, now=now, actor="scheduler")
            expired += 1
        await uow.commit()
    return expired


async def expire_intent(uow: PaymentUnitOfWork, p: Any, *, now: datetime, actor: str) -> Any:
    """Expire an intent (payment-expired published with it); returns the intent as it now is."""
    event_id = await publish_payment_expired(uow, p, at=now)
    await transition(uow, p, PaymentStatus.EXPIRED, action="expired", actor=actor, now=now, event_id=event_id)
    log.info("payment.expired", payment_id=p.id, dossier_code=p.dossier_code, actor=actor)
    return await uow.payments.get(p.id)


def record_callback_metric(provider: str, outcome: str) -> None:
    CALLBACKS.labels(provider, outcome).inc()
