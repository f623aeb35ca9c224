"""The scheduler's sweeps: reconciliation (asking the providers about attempts due for a poll) and expiry.
A provider is asked first, outside any transaction; its answer is applied in a transaction of its own."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dvc_contracts import clock
from dvc_payment.adapters.providers.base import AttemptInfo, Provider, ProviderError
from dvc_payment.domain.model import AttemptStatus, PaymentStatus
from dvc_payment.metrics import RECONCILIATIONS
from dvc_payment.service.common import Policy, UowFactory, log
from dvc_payment.service.intents import expire_intent
from dvc_payment.service.notices import apply_notice


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
