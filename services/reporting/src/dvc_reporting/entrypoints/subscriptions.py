"""What reporting reads: every event its read model is built from, and the dead-letter topic (raw records).

Declared in the order a batch's parts are applied: the catalog first, then dossiers, then what refers to them.
The kit runs all of them in one consumer of the service's group (one join at start-up)."""

from __future__ import annotations

from typing import Any

from dvc_contracts import agencies, topics
from dvc_contracts.events import (
    AccountRegisteredV1,
    AccountSignedInV1,
    AgencyStatusRejectedV1,
    DossierForwardedV1,
    DossierStatusChangedV1,
    DossierSubmittedV1,
    EventPayload,
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
from dvc_reporting.service import handlers as h
from dvc_reporting.service.uow import ReportingUnitOfWork
from dvckit.messaging.typed import EventsHandler
from dvckit.runtime import Runtime

# (event, handler, topic when not the event's own)
READS: tuple[tuple[type[EventPayload], EventsHandler[Any], str | None], ...] = (
    (ProcedurePublishedV1, h.on_procedure_published, None),
    (ProcedureRetiredV1, h.on_procedure_retired, None),
    (DossierSubmittedV1, h.on_dossier_submitted, None),
    (DossierStatusChangedV1, h.on_dossier_status_changed, None),
    (DossierForwardedV1, h.on_dossier_forwarded, None),
    (AgencyStatusRejectedV1, h.on_agency_status_rejected, None),
    # each agency system's own rejection topic carries the same events
    *((AgencyStatusRejectedV1, h.on_agency_status_rejected, s.rejected_topic) for s in agencies.SYSTEMS),
    (FeePaidV1, h.on_fee_paid, None),
    (FineIssuedV1, h.on_fine_issued, None),
    (FineSettledV1, h.on_fine_settled, None),
    (FeedbackReceivedV1, h.on_feedback_received, None),
    (FeedbackAnsweredV1, h.on_feedback_answered, None),
    (SmsSentV1, h.on_sms_sent, None),
    (SmsDeliveredV1, h.on_sms_delivered, None),
    (SmsFailedV1, h.on_sms_failed, None),
    (AccountRegisteredV1, h.on_account_registered, None),
    (AccountSignedInV1, h.on_account_signed_in, None),
)
TOPICS: tuple[str, ...] = (*(topic or event.ce_type for event, _, topic in READS), topics.DEAD_LETTER)


def subscribe(runtime: Runtime[ReportingUnitOfWork]) -> None:
    for event, handler, topic in READS:
        runtime.subscribe_batch(event, handler, topic=topic)
    runtime.subscribe_raw(topics.DEAD_LETTER, h.on_dead_letters)
