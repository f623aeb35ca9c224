"""SMS (notify). Full phone numbers only where the SMS must go (sms-requested, sms-outbound); everywhere else
masked."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field

from dvc_contracts import topics
from dvc_contracts.events.base import Code, EventPayload

SmsFailure = Literal["temporary-failure", "permanent-failure", "technical-failure"]


class SmsRequestedV1(EventPayload):
    """Another service asks notify to send an SMS. ``request_id`` is the idempotency key. Key: request id."""

    ce_type: ClassVar[str] = topics.SMS_REQUESTED

    request_id: Code
    phone: Code
    template: Code
    personalisation: dict[str, str | int] = {}
    dossier_code: str | None = None
    sending_service: Code
    strip_diacritics: bool = False
    province_code: str | None = Field(
        default=None, description="the province whose operators may read the message (none: national only)"
    )


class SmsSentV1(EventPayload):
    """An SMS was accepted by a provider. Key: message id."""

    ce_type: ClassVar[str] = topics.SMS_SENT

    message_id: Code
    dossier_code: str | None
    phone_masked: str
    template: str
    encoding: Literal["GSM-7", "UCS-2"]
    segments: int = Field(ge=1)
    provider: str
    sent_at: AwareDatetime
    trigger_event_id: str


class SmsDeliveredV1(EventPayload):
    """A provider's delivery receipt: the SMS reached the phone. Key: message id."""

    ce_type: ClassVar[str] = topics.SMS_DELIVERED

    message_id: Code
    dossier_code: str | None = None
    phone_masked: str
    provider: str
    provider_message_id: str | None = None
    segments: int = Field(default=1, ge=1)
    delivered_at: AwareDatetime


class SmsFailedV1(EventPayload):
    """An SMS finally failed (no more retries or failover). Key: message id."""

    ce_type: ClassVar[str] = topics.SMS_FAILED

    message_id: Code
    dossier_code: str | None = None
    phone_masked: str
    template: str
    provider: str | None = None
    status: SmsFailure
    reason: str
    attempts: int = Field(default=1, ge=0)
    failed_at: AwareDatetime
    trigger_event_id: str | None = None


SmsStatus = Literal["sent", "delivered", "temporary-failure", "permanent-failure", "technical-failure"]


class SmsOutboundV1(EventPayload):
    """notify's Kafka-native channel: an SMS for a telecom gateway to send. Key: message id. The gateway reports
    on ``sms-receipts`` with the same ``message_id`` (resending a message id must not send it twice). Carries the
    full phone number: only notify writes this topic, only the gateways (and notify) read it."""

    ce_type: ClassVar[str] = topics.SMS_OUTBOUND

    message_id: Code
    phone: Code = Field(description="E.164 (+84…)")
    text: Code = Field(description="exactly what to send (NFC; already without diacritics when GSM-7)")
    encoding: Literal["GSM-7", "UCS-2"]
    segments: int = Field(ge=1)
    sender_id: Code = Field(description="the brandname shown on the handset")
    requested_at: AwareDatetime
    expires_at: AwareDatetime | None = Field(default=None, description="do not send after this time")


class SmsReceiptsV1(EventPayload):
    """A telecom gateway's delivery receipt for an ``sms-outbound`` message. Key: message id."""

    ce_type: ClassVar[str] = topics.SMS_RECEIPTS

    message_id: Code
    gateway: Code = Field(description="the reporting gateway's code")
    status: SmsStatus
    gateway_message_id: str | None = None
    error_code: str | None = None
    reported_at: AwareDatetime
