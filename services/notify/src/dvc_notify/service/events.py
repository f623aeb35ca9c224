"""Builders of the events notify emits (sms-sent, sms-delivered, sms-failed): masked phones only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dvc_contracts.events import SmsDeliveredV1, SmsFailedV1, SmsSentV1
from dvc_notify.domain.status import FailureStatus


def sent(row: Any, provider: str, at: datetime) -> SmsSentV1:
    return SmsSentV1(
        message_id=row.id,
        dossier_code=row.dossier_code,
        phone_masked=row.phone_masked or "",
        template=row.template,
        encoding=row.encoding,
        segments=max(1, row.segments),
        provider=provider,
        sent_at=at,
        trigger_event_id=row.trigger_event_id,
    )


def delivered(row: Any, provider: str, provider_ref: str | None, at: datetime) -> SmsDeliveredV1:
    return SmsDeliveredV1(
        message_id=row.id,
        dossier_code=row.dossier_code,
        phone_masked=row.phone_masked or "",
        provider=provider,
        provider_message_id=provider_ref,
        segments=max(1, row.segments),
        delivered_at=at,
    )


def failed(
    *,
    message_id: str,
    dossier_code: str | None,
    phone_masked: str,
    template: str,
    provider: str | None,
    status: FailureStatus,
    reason: str,
    attempts: int,
    at: datetime,
    trigger_event_id: str | None,
) -> SmsFailedV1:
    return SmsFailedV1(
        message_id=message_id,
        dossier_code=dossier_code,
        phone_masked=phone_masked,
        template=template,
        provider=provider,
        status=status,
        reason=reason,
        attempts=attempts,
        failed_at=at,
        trigger_event_id=trigger_event_id,
    )


def failed_row(
    row: Any, *, provider: str | None, status: FailureStatus, reason: str, at: datetime
) -> SmsFailedV1:
    return failed(
        message_id=row.id,
        dossier_code=row.dossier_code,
        phone_masked=row.phone_masked or "",
        template=row.template,
        provider=provider,
        status=status,
        reason=reason,
        attempts=row.attempts,
        at=at,
        trigger_event_id=row.trigger_event_id,
    )
