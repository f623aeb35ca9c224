"""Recording outcomes (``service/sender.py`` step 3, and the refusals at claim time): a message that will not
be sent (daily limit, opted out) fails with sms-failed; a gateway's answer becomes sent + sms-sent, a retry with
back-off (pinned to the same gateway when the answer was ambiguous and it deduplicates), or a final failure +
sms-failed; only if the row is still ``sending`` with our claim time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from dvc_contracts import topics
from dvc_notify.domain.status import SubmitResult, decide_submit
from dvc_notify.service import events
from dvc_notify.service.receipts import match_pending
from dvc_notify.service.sender_types import PassReport, RemoteJob, SenderConfig
from dvc_notify.service.uow import NotifyUnitOfWork
from dvckit.logging import get_logger

log = get_logger("dvc_notify.sender")


async def fail_before_send(
    uow: NotifyUnitOfWork, rows: Sequence[Any], reason: str, now: datetime, report: PassReport
) -> None:
    if not rows:
        return
    await uow.messages.finish_many(
        [{"_id": r.id, "_status": "permanent-failure", "_reason": reason} for r in rows], now
    )
    await uow.publish_many(
        topics.SMS_FAILED,
        [
            (r.id, events.failed_row(r, provider=None, status="permanent-failure", reason=reason, at=now))
            for r in rows
        ],
    )
    uow.metrics.sms("permanent-failure", None, len(rows))
    report.failed += len(rows)
    log.warning("sms.not_sent", reason=reason, count=len(rows), sending_service=rows[0].sending_service)


async def record(
    uow: NotifyUnitOfWork,
    job: RemoteJob,
    res: SubmitResult,
    now: datetime,
    report: PassReport,
    config: SenderConfig,
) -> None:
    row, name = job.row, job.provider.name
    attempts = row.attempts + 1
    if res.kind == "accepted" and res.provider_ref:
        recorded = await uow.messages.record_claimed(
            row.id,
            job.claimed_at,
            {
                "status": "sent",
                "provider_ref": res.provider_ref,
                "sent_at": now,
                "claimed_at": None,
                "failure_reason": None,
                "updated_at": now,
            },
        )
        if recorded:
            await uow.publish(topics.SMS_SENT, events.sent(row, name, now), key=row.id)
            uow.metrics.sms("sent", name)
            uow.metrics.billed(name, row.encoding, row.segments)
            report.sent += 1
            log.info("sms.sent", message_id=row.id, provider=name, phone=row.phone_masked, attempt=attempts)
        else:  # a receipt was faster (and emitted sms-sent), or the claim expired meanwhile
            await uow.messages.set_provider_ref_if_missing(row.id, res.provider_ref)
        await match_pending(uow, name, res.provider_ref, row.id, now)
        return
    decision = decide_submit(
        res,
        attempts=attempts,
        max_attempts=config.max_attempts,
        now=now,
        base_seconds=config.retry_base_seconds,
        cap_seconds=config.retry_cap_seconds,
    )
    pin = name if (res.ambiguous and job.provider.idempotent and not decision.final) else None
    recorded = await uow.messages.record_claimed(
        row.id,
        job.claimed_at,
        {
            "status": decision.status,
            "failure_reason": res.reason,
            "next_attempt_at": decision.next_attempt_at,
            "pinned_provider": pin,
            "claimed_at": None,
            "failed_at": now if decision.final else None,
            "updated_at": now,
        },
    )
    if not recorded:
        return
    uow.metrics.sms(decision.status, name)
    if decision.final and decision.failure_status is not None:
        failed = events.failed(
            message_id=row.id,
            dossier_code=row.dossier_code,
            phone_masked=row.phone_masked or "",
            template=row.template,
            provider=name,
            status=decision.failure_status,
            reason=res.reason,
            attempts=attempts,
            at=now,
            trigger_event_id=row.trigger_event_id,
        )
        await uow.publish(topics.SMS_FAILED, failed, key=row.id)
        report.failed += 1
        log.warning("sms.failed", message_id=row.id, provider=name, reason=res.reason, attempts=attempts)
    else:
        report.retrying += 1
        log.info(
            "sms.retry",
            message_id=row.id,
            provider=name,
            reason=res.reason,
            attempt=attempts,
            next_attempt_at=decision.next_attempt_at.isoformat() if decision.next_attempt_at else None,
        )
