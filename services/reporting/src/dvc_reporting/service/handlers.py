"""Reporting handlers: one typed batch handler per event type (the kit validates the payloads and refuses a bad
one to the dead-letter topic, the rest of the batch goes on); each folds its events into the read model. The
dead-letter topic is not CloudEvents: its records are stored as they are."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dvc_contracts.events import (
    AccountRegisteredV1,
    AccountSignedInV1,
    AgencyStatusRejectedV1,
    DossierForwardedV1,
    DossierStatusChangedV1,
    DossierSubmittedV1,
    FeedbackAnsweredV1,
    FeedbackReceivedV1,
    FeePaidV1,
    FineIssuedV1,
    FineSettledV1,
    ProcedurePublishedV1,
    ProcedureRetiredV1,
    SmsDeliveredV1,
    SmsFailedV1,
    SmsSentV1,
)
from dvc_reporting.adapters import orm
from dvc_reporting.adapters.store import ReadModelStore
from dvc_reporting.domain.projection.health import dead_letter_row
from dvc_reporting.service.uow import ReportingUnitOfWork
from dvckit.messaging.consumer import Record
from dvckit.messaging.typed import Event, Rejection


async def _project(events: Sequence[Event[Any]], uow: ReportingUnitOfWork) -> list[Rejection]:
    uow.touched(await uow.projector.apply([(event.id, event.data) for event in events]))
    return []


async def on_procedure_published(
    events: list[Event[ProcedurePublishedV1]], uow: ReportingUnitOfWork
) -> list[Rejection]:
    """Catalog snapshots (newest version wins): names, agencies and social_saving_vnd for the savings figure."""
    return await _project(events, uow)


async def on_procedure_retired(
    events: list[Event[ProcedureRetiredV1]], uow: ReportingUnitOfWork
) -> list[Rejection]:
    """A procedure version is retired."""
    return await _project(events, uow)


async def on_dossier_submitted(
    events: list[Event[DossierSubmittedV1]], uow: ReportingUnitOfWork
) -> list[Rejection]:
    """A dossier filed on the portal: counted once per dossier code (online or at a counter)."""
    return await _project(events, uow)


async def on_dossier_status_changed(
    events: list[Event[DossierStatusChangedV1]], uow: ReportingUnitOfWork
) -> list[Rejection]:
    """Status changes (any arrival order): the highest sequence is the current status; history keeps all."""
    return await _project(events, uow)


async def on_dossier_forwarded(
    events: list[Event[DossierForwardedV1]], uow: ReportingUnitOfWork
) -> list[Rejection]:
    """A dossier moves to another agency: same dossier (counted once), new responsible agency and due date."""
    return await _project(events, uow)


async def on_agency_status_rejected(
    events: list[Event[AgencyStatusRejectedV1]], uow: ReportingUnitOfWork
) -> list[Rejection]:
    """Agency reports the portal refused: counts per agency with the latest reasons (pipeline health)."""
    return await _project(events, uow)


async def on_fee_paid(events: list[Event[FeePaidV1]], uow: ReportingUnitOfWork) -> list[Rejection]:
    """Payments: count and amount per provider, purpose, province and day (one per payment id)."""
    return await _project(events, uow)


async def on_fine_issued(events: list[Event[FineIssuedV1]], uow: ReportingUnitOfWork) -> list[Rejection]:
    """Traffic fine decisions issued."""
    return await _project(events, uow)


async def on_fine_settled(events: list[Event[FineSettledV1]], uow: ReportingUnitOfWork) -> list[Rejection]:
    """Traffic fines settled (online or at a counter)."""
    return await _project(events, uow)


async def on_feedback_received(
    events: list[Event[FeedbackReceivedV1]], uow: ReportingUnitOfWork
) -> list[Rejection]:
    """Feedback and petitions received (with their response deadline)."""
    return await _project(events, uow)


async def on_feedback_answered(
    events: list[Event[FeedbackAnsweredV1]], uow: ReportingUnitOfWork
) -> list[Rejection]:
    """Feedback answered (on time or late)."""
    return await _project(events, uow)


async def on_sms_sent(events: list[Event[SmsSentV1]], uow: ReportingUnitOfWork) -> list[Rejection]:
    """SMS accepted by a provider, with their segments (the cost unit)."""
    return await _project(events, uow)


async def on_sms_delivered(events: list[Event[SmsDeliveredV1]], uow: ReportingUnitOfWork) -> list[Rejection]:
    """SMS delivery receipts."""
    return await _project(events, uow)


async def on_sms_failed(events: list[Event[SmsFailedV1]], uow: ReportingUnitOfWork) -> list[Rejection]:
    """SMS that finally failed."""
    return await _project(events, uow)


async def on_account_registered(
    events: list[Event[AccountRegisteredV1]], uow: ReportingUnitOfWork
) -> list[Rejection]:
    """An account's first sign-in (pseudonymous id): the accounts total."""
    return await _project(events, uow)


async def on_account_signed_in(
    events: list[Event[AccountSignedInV1]], uow: ReportingUnitOfWork
) -> list[Rejection]:
    """Every sign-in at the portal or the dashboard: active accounts per Vietnamese day, sign-ins per channel."""
    return await _project(events, uow)


async def on_dead_letters(records: Sequence[Record], uow: ReportingUnitOfWork) -> None:
    """Records any service dead-lettered (reason, original topic, service), stored by their position in the
    topic: a repeat is a no-op without an inbox."""
    rows = [dead_letter_row(r.partition, r.offset, r.key, r.headers) for r in records]
    await ReadModelStore(uow.session).insert_ignore(orm.dead_letters, rows)
    uow.touched({"pipeline"})
