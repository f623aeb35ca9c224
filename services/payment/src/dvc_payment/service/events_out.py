"""The events the payment handlers publish (outbox), each with the agency webhooks it triggers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dvc_contracts import topics
from dvc_contracts.events import FeePaidV1, FeeRefundedV1, PaymentExpiredV1, PaymentFailedV1, RefundFailedV1
from dvc_payment.domain.webhooks import WebhookEvent
from dvc_payment.metrics import PAID_AMOUNT
from dvc_payment.service import webhooks
from dvc_payment.service.uow import PaymentUnitOfWork


async def publish_fee_paid(
    uow: PaymentUnitOfWork,
    p: Any,
    *,
    provider: str,
    txn_id: str,
    paid_at: datetime,
    late: bool,
    refund_reason: str | None = None,
) -> str:
    data = FeePaidV1(
        payment_id=p.id,
        purpose=p.purpose,
        dossier_code=p.dossier_code,
        decision_no=p.decision_no,
        province_code=p.province_code,
        amount_vnd=p.amount_vnd,
        provider=provider,
        provider_txn_id=txn_id,
        paid_at=paid_at,
        late=late,
        refund_reason=refund_reason,
        citizen_phone=p.citizen_phone,
    )
    event = await uow.publish(topics.FEE_PAID, data, key=p.id)
    await webhooks.enqueue(uow, p, WebhookEvent.SUCCEEDED, data, event_id=event.id, at=paid_at)
    uow.after_commit(lambda: PAID_AMOUNT.labels(provider, p.purpose).inc(p.amount_vnd))
    return event.id


async def _published(
    uow: PaymentUnitOfWork, p: Any, topic: str, kind: WebhookEvent, data: Any, at: datetime
) -> str:
    """Publish (outbox) and write the agency webhooks of the same event, in the caller's transaction."""
    event = await uow.publish(topic, data, key=p.id)
    await webhooks.enqueue(uow, p, kind, data, event_id=event.id, at=at)
    return event.id


async def publish_payment_failed(
    uow: PaymentUnitOfWork, p: Any, *, provider: str | None, reason: str, message: str | None, at: datetime
) -> str:
    data = PaymentFailedV1(
        payment_id=p.id,
        purpose=p.purpose,
        dossier_code=p.dossier_code,
        decision_no=p.decision_no,
        amount_vnd=p.amount_vnd,
        provider=provider,
        reason=reason,
        message=message,
        failed_at=at,
        citizen_phone=p.citizen_phone,
    )
    return await _published(uow, p, topics.PAYMENT_FAILED, WebhookEvent.FAILED, data, at)


async def publish_payment_expired(uow: PaymentUnitOfWork, p: Any, *, at: datetime) -> str:
    data = PaymentExpiredV1(
        payment_id=p.id,
        purpose=p.purpose,
        dossier_code=p.dossier_code,
        decision_no=p.decision_no,
        amount_vnd=p.amount_vnd,
        expired_at=at,
        citizen_phone=p.citizen_phone,
    )
    return await _published(uow, p, topics.PAYMENT_EXPIRED, WebhookEvent.EXPIRED, data, at)


async def publish_fee_refunded(
    uow: PaymentUnitOfWork, p: Any, r: Any, *, provider: str, provider_refund_id: str | None, at: datetime
) -> str:
    data = FeeRefundedV1(
        refund_id=r.id,
        payment_id=p.id,
        dossier_code=p.dossier_code,
        amount_vnd=r.amount_vnd,
        provider=provider,
        provider_refund_id=provider_refund_id,
        reason=r.reason,
        refunded_at=at,
        citizen_phone=p.citizen_phone,
        automatic=bool(r.automatic),
    )
    return await _published(uow, p, topics.FEE_REFUNDED, WebhookEvent.REFUNDED, data, at)


async def publish_refund_failed(
    uow: PaymentUnitOfWork,
    *,
    refund_id: str,
    payment_id: str,
    amount_vnd: int,
    reason: str,
    at: datetime,
    p: Any = None,
    provider: str | None = None,
    message: str | None = None,
    automatic: bool = False,
    dossier_code: str | None = None,
    causationid: str | None = None,
) -> str:
    data = RefundFailedV1(
        refund_id=refund_id,
        payment_id=payment_id,
        dossier_code=p.dossier_code if p is not None else dossier_code,
        amount_vnd=amount_vnd,
        provider=provider,
        reason=reason,
        message=message,
        failed_at=at,
        automatic=automatic,
        citizen_phone=p.citizen_phone if p is not None else None,
    )
    event = await uow.publish(topics.REFUND_FAILED, data, key=payment_id, causationid=causationid)
    await webhooks.enqueue(uow, p, WebhookEvent.REFUND_FAILED, data, event_id=event.id, at=at)
    return event.id
