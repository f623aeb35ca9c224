"""Notify handlers: turn citizen-facing events (and ``sms-requested``) into SMS message rows, one per triggering
event and template; apply delivery receipts from the Kafka channel. Sending is the sender's job
(``service/sender.py``): nothing here calls a provider, so nothing here is slow or leaves the consumer's
transaction.

Each event type has a *mapping* (``service/mappings.py``: event → the SMS it asks for, no I/O) and all of them
share one bulk step (``service/intake.py``, ``create_messages``): render, validate the number, check the opt-out
list (one query per batch), insert every row in one statement (``ON CONFLICT DO NOTHING`` on (trigger event,
template): a repeat is a no-op), and publish ``sms-failed`` for the ones refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from dvc_contracts import clock
from dvc_contracts.events import EventPayload, SmsReceiptsV1
from dvc_notify.domain.status import Receipt
from dvc_notify.service.intake import SmsRequest, create_messages
from dvc_notify.service.mappings import (
    map_dossier_forwarded,
    map_dossier_status_changed,
    map_dossier_submitted,
    map_fee_paid,
    map_fee_refunded,
    map_feedback_answered,
    map_fine_settled,
    map_sms_requested,
)
from dvc_notify.service.receipts import apply_receipt
from dvc_notify.service.uow import NotifyUnitOfWork
from dvckit.messaging.typed import Event, EventsHandler, Rejection

P = TypeVar("P", bound=EventPayload)


def batch_handler(mapping: Callable[[Event[P]], list[SmsRequest]]) -> EventsHandler[P]:
    """A typed batch handler (the kit rejected bad payloads already): map every event, then one bulk step. Its
    inbox name is the subscription's (``entrypoints/app.py``, ``SUBSCRIPTIONS``)."""

    async def handle(batch: list[Event[P]], uow: NotifyUnitOfWork) -> list[Rejection]:
        requests: list[SmsRequest] = []
        for event in batch:
            requests += mapping(event)
        return await create_messages(uow, requests)

    handle.__doc__ = mapping.__doc__
    return handle


on_dossier_submitted = batch_handler(map_dossier_submitted)
on_dossier_status_changed = batch_handler(map_dossier_status_changed)
on_dossier_forwarded = batch_handler(map_dossier_forwarded)
on_fee_paid = batch_handler(map_fee_paid)
on_fee_refunded = batch_handler(map_fee_refunded)
on_fine_settled = batch_handler(map_fine_settled)
on_feedback_answered = batch_handler(map_feedback_answered)
on_sms_requested = batch_handler(map_sms_requested)


async def on_sms_receipts(batch: list[Event[SmsReceiptsV1]], uow: NotifyUnitOfWork) -> list[Rejection]:
    """Telecom gateways' receipts on the Kafka-native channel."""
    now = clock.now()
    for event in batch:
        d = event.data
        receipt = Receipt(
            provider="kafka",
            status=d.status,
            provider_ref=d.gateway_message_id,
            message_id=d.message_id,
            error_code=d.error_code,
            reported_at=d.reported_at,
        )
        await apply_receipt(uow, receipt, now)
    return []
