"""Delivery receipts, from any provider (HTTP callbacks, the sms-receipts topic, the sandbox's operator
endpoint): find the message, apply the receipt if it moves the status forward (``domain.status``), emit
sms-sent / sms-delivered / sms-failed, and keep every receipt in ``sms_receipts``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dvc_contracts import topics
from dvc_notify.domain.status import FAILURES, Receipt, decide_receipt
from dvc_notify.service import events
from dvc_notify.service.uow import NotifyUnitOfWork
from dvckit.logging import get_logger

log = get_logger("dvc_notify.receipts")


async def apply_receipt(uow: NotifyUnitOfWork, receipt: Receipt, now: datetime) -> str:
    """Returns the outcome: applied | duplicate | ignored_final | unmatched."""
    row = await uow.messages.get(receipt.message_id) if receipt.message_id else None
    if row is None and receipt.provider_ref:
        row = await uow.messages.get_by_provider_ref(receipt.provider, receipt.provider_ref)
    if row is None:
        # The send may not be recorded yet (the gateway answered faster than our commit): keep it; the
        # sender matches it when it records the provider's id.
        await _log_receipt(uow, receipt, None, "unmatched", now)
        return "unmatched"
    outcome = await apply_to_message(uow, row, receipt, now)
    await _log_receipt(uow, receipt, row.id, outcome, now)
    return outcome


async def apply_to_message(uow: NotifyUnitOfWork, row: Any, receipt: Receipt, now: datetime) -> str:
    for _ in range(3):  # optimistic: the status must still be the one the decision was made on
        decision = decide_receipt(
            row.status,
            receipt.status,
            retry_pending=row.next_attempt_at is not None,
            sent_emitted=row.sent_at is not None,
        )
        if decision.outcome != "applied" or decision.new_status is None:
            if decision.outcome == "ignored_final":
                log.info(
                    "sms.receipt_ignored",
                    message_id=row.id,
                    status=row.status,
                    receipt=receipt.status,
                    provider=receipt.provider,
                )
            return decision.outcome
        at = receipt.reported_at or now
        values: dict[str, Any] = {
            "status": decision.new_status,
            "updated_at": now,
            "next_attempt_at": None,  # a provider took it: no retry, no second SMS
            "claimed_at": None,
            "pinned_provider": None,
            "provider": receipt.provider,
        }
        provider_ref = receipt.provider_ref or (
            row.provider_ref if row.provider == receipt.provider else None
        )
        values["provider_ref"] = provider_ref
        if decision.emit_sent:
            values["sent_at"] = now
        if decision.new_status == "delivered":
            values["delivered_at"] = at
        if decision.new_status in FAILURES:
            values["failed_at"] = at
            values["failure_reason"] = f"receipt:{receipt.error_code or receipt.status}"
        if await uow.messages.transition(row.id, row.status, **values):
            await _emit(uow, row, receipt, decision.new_status, decision.emit_sent, provider_ref, at, now)
            return "applied"
        row = await uow.messages.get(row.id)
    raise RuntimeError(f"receipt for {row.id} kept racing with other updates")


async def _emit(
    uow: NotifyUnitOfWork,
    row: Any,
    receipt: Receipt,
    new_status: str,
    emit_sent: bool,
    provider_ref: str | None,
    at: datetime,
    now: datetime,
) -> None:
    provider = receipt.provider
    if emit_sent:
        await uow.publish(topics.SMS_SENT, events.sent(row, provider, now), key=row.id)
        uow.metrics.sms("sent", provider)
        uow.metrics.billed(provider, row.encoding, row.segments)
    if new_status == "delivered":
        await uow.publish(topics.SMS_DELIVERED, events.delivered(row, provider, provider_ref, at), key=row.id)
    elif new_status in FAILURES:
        failed = events.failed_row(
            row,
            provider=provider,
            status=new_status,  # type: ignore[arg-type]
            reason=f"receipt:{receipt.error_code or receipt.status}",
            at=at,
        )
        await uow.publish(topics.SMS_FAILED, failed, key=row.id)
    if new_status != "sent":
        uow.metrics.sms(new_status, provider)
    log.info(
        "sms.receipt_applied",
        message_id=row.id,
        dossier_code=row.dossier_code,
        phone=row.phone_masked,
        provider=provider,
        status=new_status,
        was=row.status,
    )


async def _log_receipt(
    uow: NotifyUnitOfWork, receipt: Receipt, message_id: str | None, outcome: str, now: datetime
) -> None:
    await uow.receipts.add(
        {
            "provider": receipt.provider,
            "provider_ref": receipt.provider_ref,
            "message_id": message_id,
            "status": receipt.status,
            "error_code": receipt.error_code,
            "outcome": outcome,
            "matched": message_id is not None,
            "reported_at": receipt.reported_at,
            "received_at": now,
        }
    )
    uow.metrics.receipt(receipt.provider, outcome)


async def match_pending(
    uow: NotifyUnitOfWork, provider: str, provider_ref: str, message_id: str, now: datetime
) -> int:
    """Apply receipts that arrived before the send was recorded (matched by the provider's id)."""
    pending = await uow.receipts.unmatched(provider, provider_ref)
    for r in pending:
        row = await uow.messages.get(message_id)
        receipt = Receipt(
            provider=r.provider,
            status=r.status,
            provider_ref=r.provider_ref,
            message_id=message_id,
            error_code=r.error_code,
            reported_at=r.reported_at,
        )
        outcome = await apply_to_message(uow, row, receipt, now)
        await uow.receipts.mark_matched(r.id, message_id, outcome)
    return len(pending)
