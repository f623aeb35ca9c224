"""What the payment handlers share: policy from settings, URLs, transitions (history + metrics), settling a
fine and requesting an automatic refund; and the events they publish (declared in events_out)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from dvc_contracts import topics
from dvc_contracts.events import FineSettledV1
from dvc_payment.config import Settings
from dvc_payment.domain.access import PayLinkSigner
from dvc_payment.domain.fines import DiscountRule
from dvc_payment.domain.model import PaymentStatus, RefundStatus, ensure_transition
from dvc_payment.metrics import FINES, PAYMENTS
from dvc_payment.service.events_out import (
    publish_fee_paid,
    publish_fee_refunded,
    publish_payment_expired,
    publish_payment_failed,
    publish_refund_failed,
)
from dvc_payment.service.uow import PaymentUnitOfWork
from dvckit.logging import get_logger

__all__ = [
    "Policy",
    "UowFactory",
    "Urls",
    "log",
    "new_attempt_ref",
    "new_payment_id",
    "publish_fee_paid",
    "publish_fee_refunded",
    "publish_payment_expired",
    "publish_payment_failed",
    "publish_refund_failed",
    "request_auto_refund",
    "settle_fine",
    "transition",
]

log = get_logger("dvc_payment.service")

UowFactory = Callable[[], PaymentUnitOfWork]
_REF_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"


@dataclass(frozen=True)
class Policy:
    ttl_minutes: int = 90
    reconcile_interval: timedelta = timedelta(seconds=30)
    reconcile_max_interval: timedelta = timedelta(minutes=15)
    reconcile_lookback: timedelta = timedelta(hours=24)
    undated_grace: timedelta = timedelta(seconds=30)
    refund_max_attempts: int = 5
    max_attempts: int = 20  # provider orders per intent
    callback_retention: timedelta = timedelta(days=30)
    webhook_log_retention: timedelta = timedelta(days=90)
    discount: DiscountRule = field(default_factory=DiscountRule)

    @classmethod
    def from_settings(cls, s: Settings) -> Policy:
        return cls(
            ttl_minutes=s.payment_ttl_minutes,
            reconcile_interval=timedelta(seconds=s.reconcile_interval_seconds),
            reconcile_max_interval=timedelta(seconds=s.reconcile_max_interval_seconds),
            reconcile_lookback=timedelta(hours=s.reconcile_lookback_hours),
            undated_grace=timedelta(seconds=s.undated_grace_seconds),
            refund_max_attempts=s.refund_max_attempts,
            max_attempts=s.max_attempts_per_payment,
            callback_retention=timedelta(days=s.callback_retention_days),
            webhook_log_retention=timedelta(days=s.webhook_log_retention_days),
            discount=DiscountRule(percent=s.fine_discount_percent, days=s.fine_discount_days),
        )

    def next_poll(self, now: datetime, polls: int) -> datetime:
        step = min(self.reconcile_interval * (2 ** min(polls, 20)), self.reconcile_max_interval)
        return now + step


@dataclass(frozen=True)
class Urls:
    """``public_base``: how browsers reach this service; ``notify_base``: how providers do ('' = in-process);
    ``links``: signs pay links."""

    public_base: str
    notify_base: str = ""
    links: PayLinkSigner | None = None

    def pay_page(self, payment_id: str, until: datetime | None = None) -> str:
        """The portal's pay page; a signed pay link, valid until ``until``, when it is given."""
        url = f"{self.public_base}/payments/{payment_id}/pay"
        if until is None or self.links is None:
            return url
        return f"{url}?{urlencode(self.links.params(payment_id, until))}"

    def return_url(self, payment_id: str, until: datetime | None = None) -> str:
        """Where providers send the citizen back. Signed in the path (providers append their own query), so
        that "try again" on the result page still carries the pay link."""
        url = f"{self.public_base}/payments/{payment_id}/result"
        if until is None or self.links is None:
            return url
        signed = self.links.params(payment_id, until)
        return f"{url}/{signed['exp']}/{signed['sig']}"

    def notify_url(self, provider: str) -> str:
        return f"{self.notify_base}/callbacks/{provider}"

    def absolute(self, url: str) -> str:
        return f"{self.public_base}{url}" if url.startswith("/") else url


def new_payment_id() -> str:
    return "pay_" + secrets.token_hex(10)


def new_attempt_ref() -> str:
    """Our order reference at a provider: 'DVC' + 13 characters (VNPay TxnRef / MoMo orderId safe)."""
    return "DVC" + "".join(secrets.choice(_REF_ALPHABET) for _ in range(13))


async def transition(
    uow: PaymentUnitOfWork,
    p: Any,
    target: PaymentStatus,
    *,
    action: str,
    actor: str,
    now: datetime,
    provider: str | None = None,
    attempt_ref: str | None = None,
    reason: str | None = None,
    event_id: str | None = None,
    **values: Any,
) -> None:
    """Move an intent to ``target`` (checked by the state machine), with a history row and its metric."""
    ensure_transition(p.status, target)
    if provider is not None:
        values["provider"] = provider
    await uow.payments.update(p.id, status=target.value, updated_at=now, **values)
    await uow.payments.add_history(
        p.id,
        action=action,
        from_status=p.status,
        to_status=target.value,
        at=now,
        actor=actor,
        attempt_ref=attempt_ref,
        reason=reason,
        event_id=event_id,
    )
    label = provider or p.provider or "none"
    uow.after_commit(lambda: PAYMENTS.labels(label, target.value).inc())


# --- fines and automatic refunds ---------------------------------------------------------------------------


async def settle_fine(
    uow: PaymentUnitOfWork, fine: Any, p: Any, *, provider: str, txn_id: str, now: datetime
) -> None:
    """The fine is paid by ``p``: mark it settled and publish fine-settled (the police return the papers)."""
    await uow.fines.update(
        fine.decision_no,
        status="settled",
        payment_id=p.id,
        amount_paid=p.amount_vnd,
        discount_vnd=p.discount_vnd,
        settled_at=now,
        updated_at=now,
    )
    data = FineSettledV1(
        decision_no=fine.decision_no,
        record_no=fine.record_no,
        payment_id=p.id,
        amount_due=fine.amount,
        discount_vnd=p.discount_vnd,
        amount_paid=p.amount_vnd,
        provider=provider,
        provider_txn_id=txn_id,
        issuing_unit=fine.issuing_unit,
        province_code=fine.province_code,
        channel="online",
        settled_at=now,
        plate=fine.plate,
        citizen_phone=p.citizen_phone,
    )
    event = await uow.publish(topics.FINE_SETTLED, data, key=fine.decision_no)
    await uow.fines.add_history(
        fine.decision_no, action="settled", at=now, event_id=event.id, note=f"payment {p.id}"
    )
    uow.after_commit(lambda: FINES.labels("settled").inc())
    log.info("fine.settled", decision_no=fine.decision_no, payment_id=p.id, amount_vnd=p.amount_vnd)


async def request_auto_refund(
    uow: PaymentUnitOfWork, p: Any, attempt: Any, *, reason: str, actor: str, now: datetime
) -> str:
    """Refund one paid attempt that nothing needs (late after expiry, second charge, fine already paid)."""
    refund_id = f"auto-{attempt.ref}"
    inserted = await uow.refunds.add_once(
        {
            "id": refund_id,
            "payment_id": p.id,
            "attempt_ref": attempt.ref,
            "provider": attempt.provider,
            "amount_vnd": attempt.amount_vnd,
            "reason": reason,
            "automatic": True,
            "status": RefundStatus.REQUESTED.value,
            "attempts": 0,
            "next_try_at": now,
            "requested_at": now,
            "updated_at": now,
        }
    )
    if inserted:
        await uow.payments.add_history(
            p.id, action="refund_requested", at=now, actor=actor, attempt_ref=attempt.ref, reason=reason
        )
        log.info("payment.auto_refund_requested", payment_id=p.id, ref=attempt.ref, reason=reason)
    return refund_id
