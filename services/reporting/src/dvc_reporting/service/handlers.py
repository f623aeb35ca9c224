"""Reporting handlers: one batch handler per topic. Each parses its events (a bad payload is refused to
the dead-letter topic, the rest of the batch goes on) and folds them into the read model."""

from __future__ import annotations

from collections.abc import Sequence

from dvc_contracts import agencies, topics
from dvc_contracts.envelope import CloudEvent
from dvc_contracts.events import PayloadError, parse_data
from dvc_reporting.service.projector import Fact
from dvc_reporting.service.uow import ReportingUnitOfWork
from dvckit.logging import get_logger
from dvckit.messaging.consumer import Rejection

log = get_logger("dvc_reporting.handlers")


async def _project(events: Sequence[CloudEvent], uow: ReportingUnitOfWork, topic: str) -> list[Rejection]:
    facts: list[Fact] = []
    rejections: list[Rejection] = []
    for event in events:
        if event.type != topic:
            rejections.append(Rejection(event.id, "unknown_type", f"type {event.type!r} on topic {topic!r}"))
            continue
        try:
            facts.append((event.id, parse_data(event)))
        except PayloadError as exc:
            rejections.append(Rejection(event.id, exc.reason, exc.message))
    if facts:
        uow.touched(await uow.projector.apply(facts))
    if rejections:
        log.warning(
            "reporting.events_refused", topic=topic, count=len(rejections), reason=rejections[0].reason
        )
    return rejections


async def on_procedure_published(events: list[CloudEvent], uow: ReportingUnitOfWork) -> list[Rejection]:
    """Catalog snapshots (newest version wins): names, agencies and social_saving_vnd for the savings figure."""
    return await _project(events, uow, topics.PROCEDURE_PUBLISHED)


async def on_procedure_retired(events: list[CloudEvent], uow: ReportingUnitOfWork) -> list[Rejection]:
    """A procedure version is retired."""
    return await _project(events, uow, topics.PROCEDURE_RETIRED)


async def on_dossier_submitted(events: list[CloudEvent], uow: ReportingUnitOfWork) -> list[Rejection]:
    """A dossier filed on the portal: counted once per dossier code (online or at a counter)."""
    return await _project(events, uow, topics.DOSSIER_SUBMITTED)


async def on_dossier_status_changed(events: list[CloudEvent], uow: ReportingUnitOfWork) -> list[Rejection]:
    """Status changes (any arrival order): the highest sequence is the current status; history keeps all."""
    return await _project(events, uow, topics.DOSSIER_STATUS_CHANGED)


async def on_dossier_forwarded(events: list[CloudEvent], uow: ReportingUnitOfWork) -> list[Rejection]:
    """A dossier moves to another agency: same dossier (counted once), new responsible agency and due date."""
    return await _project(events, uow, topics.DOSSIER_FORWARDED)


async def on_agency_status_rejected(events: list[CloudEvent], uow: ReportingUnitOfWork) -> list[Rejection]:
    """Agency reports the portal refused: counts per agency with the latest reasons (pipeline health)."""
    return await _project(events, uow, topics.AGENCY_STATUS_REJECTED)


async def on_fee_paid(events: list[CloudEvent], uow: ReportingUnitOfWork) -> list[Rejection]:
    """Payments: count and amount per provider, purpose, province and day (one per payment id)."""
    return await _project(events, uow, topics.FEE_PAID)


async def on_fine_issued(events: list[CloudEvent], uow: ReportingUnitOfWork) -> list[Rejection]:
    """Traffic fine decisions issued."""
    return await _project(events, uow, topics.FINE_ISSUED)


async def on_fine_settled(events: list[CloudEvent], uow: ReportingUnitOfWork) -> list[Rejection]:
    """Traffic fines settled (online or at a counter)."""
    return await _project(events, uow, topics.FINE_SETTLED)


async def on_feedback_received(events: list[CloudEvent], uow: ReportingUnitOfWork) -> list[Rejection]:
    """Feedback and petitions received (with their response deadline)."""
    return await _project(events, uow, topics.FEEDBACK_RECEIVED)


async def on_feedback_answered(events: list[CloudEvent], uow: ReportingUnitOfWork) -> list[Rejection]:
    """Feedback answered (on time or late)."""
    return await _project(events, uow, topics.FEEDBACK_ANSWERED)


async def on_sms_sent(events: list[CloudEvent], uow: ReportingUnitOfWork) -> list[Rejection]:
    """SMS accepted by a provider, with their segments (the cost unit)."""
    return await _project(events, uow, topics.SMS_SENT)


async def on_sms_delivered(events: list[CloudEvent], uow: ReportingUnitOfWork) -> list[Rejection]:
    """SMS delivery receipts."""
    return await _project(events, uow, topics.SMS_DELIVERED)


async def on_sms_failed(events: list[CloudEvent], uow: ReportingUnitOfWork) -> list[Rejection]:
    """SMS that finally failed."""
    return await _project(events, uow, topics.SMS_FAILED)


async def on_account_registered(events: list[CloudEvent], uow: ReportingUnitOfWork) -> list[Rejection]:
    """An account's first sign-in (pseudonymous id): the accounts total."""
    return await _project(events, uow, topics.ACCOUNT_REGISTERED)


async def on_account_signed_in(events: list[CloudEvent], uow: ReportingUnitOfWork) -> list[Rejection]:
    """Every sign-in at the portal or the dashboard: active accounts per Vietnamese day, sign-ins per channel."""
    return await _project(events, uow, topics.ACCOUNT_SIGNED_IN)


SUBSCRIPTIONS = (
    (topics.PROCEDURE_PUBLISHED, on_procedure_published),
    (topics.PROCEDURE_RETIRED, on_procedure_retired),
    (topics.DOSSIER_SUBMITTED, on_dossier_submitted),
    (topics.DOSSIER_STATUS_CHANGED, on_dossier_status_changed),
    (topics.DOSSIER_FORWARDED, on_dossier_forwarded),
    (topics.AGENCY_STATUS_REJECTED, on_agency_status_rejected),
    *((system.rejected_topic, on_agency_status_rejected) for system in agencies.SYSTEMS),
    (topics.FEE_PAID, on_fee_paid),
    (topics.FINE_ISSUED, on_fine_issued),
    (topics.FINE_SETTLED, on_fine_settled),
    (topics.FEEDBACK_RECEIVED, on_feedback_received),
    (topics.FEEDBACK_ANSWERED, on_feedback_answered),
    (topics.SMS_SENT, on_sms_sent),
    (topics.SMS_DELIVERED, on_sms_delivered),
    (topics.SMS_FAILED, on_sms_failed),
    (topics.ACCOUNT_REGISTERED, on_account_registered),
    (topics.ACCOUNT_SIGNED_IN, on_account_signed_in),
)
