"""Refunds: requested by the dossier service (refund-requested, idempotent by refund_id) or automatically (a
late or second payment nobody needs). A worker calls the provider's refund API outside any transaction, then
records fee-refunded or refund-failed; an unreachable provider is retried with backoff, then given up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dvc_contracts import clock
from dvc_contracts.events import RefundRequestedV1
from dvc_payment.adapters.providers.base import AttemptInfo, Provider, ProviderError, RefundResult
from dvc_payment.domain.model import (
    AttemptStatus,
    PaymentStatus,
    RefundStatus,
    ensure_refund_transition,
    refundable,
)
from dvc_payment.metrics import REFUNDED_AMOUNT, REFUNDS
from dvc_payment.service.common import (
    Policy,
    UowFactory,
    log,
    publish_fee_refunded,
    publish_refund_failed,
    transition,
)
from dvc_payment.service.uow import PaymentUnitOfWork
from dvckit.messaging.typed import Event

LEASE = timedelta(seconds=60)


async def _paid_attempt(uow: PaymentUnitOfWork, p: Any) -> Any:
    for a in await uow.attempts.for_payment(p.id):
        if a.status == AttemptStatus.SUCCEEDED.value and a.provider_txn_id == p.provider_txn_id:
            return a
    return None


@dataclass(frozen=True)
class RefundCheck:
    """A payment (locked) and whether ``amount_vnd`` of it may be refunded now: ``refusal`` is None or a
    reason code; ``amount_vnd`` is what was asked (None: all that remains, resolved here)."""

    p: Any
    attempt: Any
    refusal: str | None
    amount_vnd: int
    remaining_vnd: int


async def check_refund(uow: PaymentUnitOfWork, payment_id: str, amount_vnd: int | None) -> RefundCheck:
    """The one check of a refund request, by event or by API: paid, and no more than what remains."""
    p = await uow.payments.get(payment_id, for_update=True)
    attempt = await _paid_attempt(uow, p) if p is not None else None
    remaining = 0
    if p is None:
        reason: str | None = "payment_not_found"
    elif p.status == PaymentStatus.REFUNDED.value:
        reason = "already_refunded"
    elif p.status != PaymentStatus.SUCCEEDED.value or attempt is None:
        reason = "payment_not_paid"
    else:
        reserved = await uow.refunds.reserved_vnd(p.id)
        remaining = max(p.amount_vnd - reserved, 0)
        amount_vnd = remaining if amount_vnd is None else amount_vnd
        reason = refundable(p.amount_vnd, reserved, amount_vnd)
    return RefundCheck(p, attempt, reason, amount_vnd or 0, remaining)


async def accept_refund(
    uow: PaymentUnitOfWork, check: RefundCheck, values: dict[str, Any], *, actor: str
) -> bool:
    """Record a checked request as ``requested``: the refund worker takes it from there (the only way money
    goes back). False if its id was already there (a concurrent repeat)."""
    p, attempt, now = check.p, check.attempt, values["requested_at"]
    row = values | {
        "payment_id": p.id, "attempt_ref": attempt.ref, "provider": attempt.provider, "amount_vnd": check.amount_vnd,
        "automatic": False, "attempts": 0, "status": RefundStatus.REQUESTED.value, "next_try_at": now,
        "updated_at": now,
    }  # fmt: skip
    if not await uow.refunds.add_once(row):
        return False
    await uow.payments.add_history(
        p.id, action="refund_requested", at=now, actor=actor, attempt_ref=attempt.ref, reason=values["reason"],
    )  # fmt: skip
    uow.after_commit(lambda: REFUNDS.labels(attempt.provider, "requested").inc())
    log.info(
        "refund.requested", refund_id=values["id"], payment_id=p.id, amount_vnd=check.amount_vnd, actor=actor
    )
    return True


async def on_refund_requested(event: Event[RefundRequestedV1], uow: PaymentUnitOfWork) -> None:
    """Accept a refund request (a repeat of its refund_id is a no-op), or answer refund-failed at once."""
    data = event.data
    if await uow.refunds.get(data.refund_id) is not None:
        log.info("refund.request_repeated", refund_id=data.refund_id, payment_id=data.payment_id)
        return
    now = clock.now()
    check = await check_refund(uow, data.payment_id, data.amount_vnd)
    p, reason = check.p, check.refusal
    values: dict[str, Any] = {
        "id": data.refund_id,
        "reason": data.reason,
        "request_event_id": event.id,
        "requested_at": now,
    }
    if reason is None:
        await accept_refund(uow, check, values, actor="event:refund-requested")
        return
    provider = check.attempt.provider if check.attempt is not None else None
    await uow.refunds.add_once(
        values
        | {
            "payment_id": data.payment_id, "attempt_ref": check.attempt.ref if check.attempt is not None else None,
            "provider": provider, "amount_vnd": data.amount_vnd, "automatic": False, "attempts": 0,
            "updated_at": now, "status": RefundStatus.REFUND_FAILED.value, "failure_reason": reason,
            "completed_at": now,
        }
    )  # fmt: skip
    event_id = await publish_refund_failed(
        uow,
        refund_id=data.refund_id,
        payment_id=data.payment_id,
        amount_vnd=data.amount_vnd,
        reason=reason,
        at=now,
        p=p,
        provider=provider,
        dossier_code=data.dossier_code,
        causationid=event.id,
    )
    if p is not None:
        await uow.payments.add_history(
            p.id,
            action="refund_failed",
            at=now,
            actor="event:refund-requested",
            reason=reason,
            event_id=event_id,
        )
    uow.after_commit(lambda: REFUNDS.labels(provider or "none", "refund_failed").inc())
    log.warning("refund.refused", refund_id=data.refund_id, payment_id=data.payment_id, reason=reason)


async def process_refunds(
    uow_factory: UowFactory, providers: dict[str, Provider], *, policy: Policy, limit: int = 50
) -> int:
    now = clock.now()
    async with uow_factory() as uow:
        due = await uow.refunds.claim_due(now, limit, LEASE)
        await uow.commit()
    for r in due:
        await process_refund(uow_factory, providers, r, policy=policy)
    return len(due)


async def process_refund(
    uow_factory: UowFactory, providers: dict[str, Provider], r: Any, *, policy: Policy
) -> None:
    async with uow_factory() as uow:
        attempt = await uow.attempts.get(r.attempt_ref) if r.attempt_ref else None
        p = await uow.payments.get(r.payment_id)
    provider = providers.get(r.provider or "")
    result: RefundResult | None = None
    if provider is None or attempt is None or p is None:
        result = RefundResult(ok=False, reason="provider_unavailable")
    else:
        info = AttemptInfo(
            attempt.ref, attempt.amount_vnd, attempt.provider_txn_id, attempt.created_at, p.description
        )
        try:
            result = await provider.refund(info, r.id, r.amount_vnd, r.reason or "Hoàn tiền")
        except ProviderError as exc:
            log.warning("refund.provider_error", refund_id=r.id, provider=r.provider, error=str(exc)[:300])
    now = clock.now()
    async with uow_factory() as uow:
        fresh = await uow.refunds.get(r.id, for_update=True)
        if fresh is None or fresh.status != RefundStatus.REQUESTED.value:
            return
        p = await uow.payments.get(r.payment_id, for_update=True)
        if result is None:
            tries = fresh.attempts + 1
            if tries < policy.refund_max_attempts:
                await uow.refunds.update(
                    r.id,
                    attempts=tries,
                    next_try_at=now + timedelta(seconds=min(2**tries, 300)),
                    updated_at=now,
                )
                await uow.commit()
                return
            result = RefundResult(ok=False, reason="provider_unavailable")
        if result.ok:
            await _refunded(uow, p, fresh, attempt, result, now)
        else:
            await _refund_failed(uow, p, fresh, result, now)
        await uow.commit()


async def _refunded(
    uow: PaymentUnitOfWork, p: Any, r: Any, attempt: Any, result: RefundResult, now: datetime
) -> None:
    ensure_refund_transition(r.status, RefundStatus.REFUNDED)
    await uow.refunds.update(
        r.id,
        status=RefundStatus.REFUNDED.value,
        provider_refund_id=result.provider_refund_id,
        attempts=r.attempts + 1,
        completed_at=now,
        updated_at=now,
        next_try_at=None,
    )
    event_id = await publish_fee_refunded(
        uow, p, r, provider=r.provider, provider_refund_id=result.provider_refund_id, at=now
    )
    # A second charge's refund leaves the intent as it is; a refund of its own payment counts against it.
    own = attempt is not None and attempt.provider_txn_id == p.provider_txn_id
    refunded_vnd = p.refunded_vnd + (r.amount_vnd if own else 0)
    if own and refunded_vnd >= p.amount_vnd and p.status == PaymentStatus.SUCCEEDED.value:
        await transition(
            uow, p, PaymentStatus.REFUNDED, action="refunded", actor="refunds", now=now,
            attempt_ref=r.attempt_ref, reason=r.reason, event_id=event_id, refunded_vnd=refunded_vnd,
        )  # fmt: skip
    else:
        await uow.payments.update(p.id, refunded_vnd=refunded_vnd, updated_at=now)
        await uow.payments.add_history(
            p.id, action="refunded", at=now, actor="refunds", attempt_ref=r.attempt_ref, reason=r.reason,
            event_id=event_id,
        )  # fmt: skip
    provider = r.provider
    uow.after_commit(lambda: REFUNDS.labels(provider, "refunded").inc())
    uow.after_commit(lambda: REFUNDED_AMOUNT.labels(provider).inc(r.amount_vnd))
    log.info(
        "refund.completed", refund_id=r.id, payment_id=p.id, amount_vnd=r.amount_vnd, automatic=r.automatic
    )


async def _refund_failed(uow: PaymentUnitOfWork, p: Any, r: Any, result: RefundResult, now: datetime) -> None:
    ensure_refund_transition(r.status, RefundStatus.REFUND_FAILED)
    reason = "provider_unavailable" if result.reason == "provider_unavailable" else "provider_rejected"
    await uow.refunds.update(
        r.id,
        status=RefundStatus.REFUND_FAILED.value,
        failure_reason=reason,
        attempts=r.attempts + 1,
        completed_at=now,
        updated_at=now,
        next_try_at=None,
    )
    event_id = await publish_refund_failed(
        uow,
        refund_id=r.id,
        payment_id=r.payment_id,
        amount_vnd=r.amount_vnd,
        reason=reason,
        at=now,
        p=p,
        provider=r.provider,
        message=result.reason,
        automatic=bool(r.automatic),
    )
    if p is not None:
        await uow.payments.add_history(
            p.id, action="refund_failed", at=now, actor="refunds", attempt_ref=r.attempt_ref, reason=result.reason,
            event_id=event_id,
        )  # fmt: skip
    provider = r.provider or "none"
    uow.after_commit(lambda: REFUNDS.labels(provider, "refund_failed").inc())
    log.error("refund.failed", refund_id=r.id, payment_id=r.payment_id, reason=result.reason)
