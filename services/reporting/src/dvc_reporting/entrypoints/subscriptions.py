"""What reporting reads: every event its read model is built from, and the dead-letter topic (raw records).

Declared in the order a batch's parts are applied: the catalog first, then dossiers, then what refers to them.
The kit runs all of them in one consumer of the service's group (one join at start-up). One handler projects
every type; each route keeps the inbox name its own handler had (``name``): under a new name, an event the old
one had handled and that is delivered again after an upgrade would be applied twice."""

from __future__ import annotations

from typing import NamedTuple

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
from dvckit.runtime import Runtime


class Read(NamedTuple):
    event: type[EventPayload]
    name: str  # the route's inbox name ("reporting:<name>"): never change it
    description: str
    topic: str | None = None  # when not the event's own


_REJECTED = "Agency reports the portal refused: counts per agency with the latest reasons (pipeline health)."
READS: tuple[Read, ...] = (
    Read(
        ProcedurePublishedV1,
        "on_procedure_published",
        "Catalog snapshots (newest version wins): names, agencies and social_saving_vnd for the savings figure.",
    ),
    Read(ProcedureRetiredV1, "on_procedure_retired", "A procedure version is retired."),
    Read(
        DossierSubmittedV1,
        "on_dossier_submitted",
        "A dossier filed on the portal: counted once per dossier code (online or at a counter).",
    ),
    Read(
        DossierStatusChangedV1,
        "on_dossier_status_changed",
        "Status changes (any arrival order): the highest sequence is the current status; history keeps all.",
    ),
    Read(
        DossierForwardedV1,
        "on_dossier_forwarded",
        "A dossier moves to another agency: same dossier (counted once), new responsible agency and due date.",
    ),
    Read(AgencyStatusRejectedV1, "on_agency_status_rejected", _REJECTED),
    # each agency system's own rejection topic carries the same events
    *(
        Read(AgencyStatusRejectedV1, "on_agency_status_rejected", _REJECTED, s.rejected_topic)
        for s in agencies.SYSTEMS
    ),
    Read(
        FeePaidV1,
        "on_fee_paid",
        "Payments: count and amount per provider, purpose, province and day (one per payment id).",
    ),
    Read(FineIssuedV1, "on_fine_issued", "Traffic fine decisions issued."),
    Read(FineSettledV1, "on_fine_settled", "Traffic fines settled (online or at a counter)."),
    Read(
        FeedbackReceivedV1,
        "on_feedback_received",
        "Feedback and petitions received (with their response deadline).",
    ),
    Read(FeedbackAnsweredV1, "on_feedback_answered", "Feedback answered (on time or late)."),
    Read(SmsSentV1, "on_sms_sent", "SMS accepted by a provider, with their segments (the cost unit)."),
    Read(SmsDeliveredV1, "on_sms_delivered", "SMS delivery receipts."),
    Read(SmsFailedV1, "on_sms_failed", "SMS that finally failed."),
    Read(
        AccountRegisteredV1,
        "on_account_registered",
        "An account's first sign-in (pseudonymous id): the accounts total.",
    ),
    Read(
        AccountSignedInV1,
        "on_account_signed_in",
        "Every sign-in at the portal or the dashboard: active accounts per Vietnamese day, sign-ins per channel.",
    ),
)
TOPICS: tuple[str, ...] = (*(r.topic or r.event.ce_type for r in READS), topics.DEAD_LETTER)


def subscribe(runtime: Runtime[ReportingUnitOfWork]) -> None:
    for r in READS:
        runtime.subscribe_batch(r.event, h.project, r.description, topic=r.topic, name=r.name)
    runtime.subscribe_raw(topics.DEAD_LETTER, h.on_dead_letters)
