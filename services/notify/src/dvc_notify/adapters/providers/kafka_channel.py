"""The Kafka-native channel: messages for telecom gateways go to ``sms-outbound`` through the outbox (same
transaction as the status change), keyed by message id; gateways report on ``sms-receipts``
(``service/handlers.on_sms_receipts``). "Sent" means durably handed to the gateways' topic."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from dvc_contracts import topics
from dvc_contracts.events import SmsOutboundV1
from dvc_notify.adapters.providers.base import OutgoingSms
from dvc_notify.domain.status import SubmitResult


class KafkaChannelProvider:
    name = "kafka"
    idempotent = True  # gateways deduplicate by message id (the contract asks them to)

    def __init__(self, brandname: str, validity: timedelta = timedelta(hours=24)) -> None:
        self.brandname = brandname
        self.validity = validity

    async def send_in(self, uow: Any, batch: Sequence[OutgoingSms], now: datetime) -> list[SubmitResult]:
        await uow.publish_many(
            topics.SMS_OUTBOUND,
            [
                (
                    sms.message_id,
                    SmsOutboundV1(
                        message_id=sms.message_id,
                        phone=sms.phone,
                        text=sms.text,
                        encoding=sms.encoding,
                        segments=sms.segments,
                        sender_id=self.brandname,
                        requested_at=now,
                        expires_at=now + self.validity,
                    ),
                )
                for sms in batch
            ],
        )
        return [SubmitResult("accepted", provider_ref=sms.message_id) for sms in batch]
