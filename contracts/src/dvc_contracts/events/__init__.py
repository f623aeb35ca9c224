"""Versioned payload models: the CloudEvent ``data`` of every event on the bus.

One model per event type, named ``<Type>V1``; the CloudEvent ``type`` and the topic are the kebab-case event
name (``fee-paid``). Rules for every model (docs/architecture.md, "Events"):

- money is integer VND (``int``, never negative, never a float or a string);
- times are timezone-aware datetimes (naive ones are rejected); calendar dates are ``datetime.date``;
- unknown fields are ignored and instances are immutable; within v1 only additive, optional fields.
  A breaking change is a new ``…V2`` model on a new ``…-v2`` topic.

``parse_as(event, FeePaidV1)`` turns a parsed CloudEvent into that model, ``parse_data(event)`` into the model of
its type; both raise ``PayloadError``.

Import everything from here (``from dvc_contracts.events import FeePaidV1``); the models live in one module
per domain: ``base`` (``EventPayload``, ``PayloadError``, ``Code``, ``Vnd``, ``Level``, ``Channel``),
``catalog``, ``dossier`` (dossiers and agency status sync), ``payment`` (payments and refunds), ``fines``,
``feedback``, ``sms``, ``accounts``; ``registry`` holds ``EVENT_MODELS``, ``parse_as`` and ``parse_data``.
A new event type is added to its domain's module, to ``registry._MODELS`` and to this package's exports.
"""

from __future__ import annotations

from dvc_contracts.events.accounts import (
    AccountId,
    AccountRegisteredV1,
    AccountRole,
    AccountSignedInV1,
    AssuranceLevel,
    SignInChannel,
)
from dvc_contracts.events.base import (
    EVENT_VERSION,
    Channel,
    Code,
    EventPayload,
    Level,
    PayloadError,
    ProcedureFeeV1,
    Vnd,
)
from dvc_contracts.events.catalog import (
    ProcedurePublishedV1,
    ProcedureRetiredV1,
    RequiredDocumentV1,
)
from dvc_contracts.events.dossier import (
    AgencyStatus,
    AgencyStatusRejectedV1,
    AgencyStatusReportedV1,
    DossierDocumentV1,
    DossierForwardedV1,
    DossierStatus,
    DossierStatusChangedV1,
    DossierSubmittedV1,
)
from dvc_contracts.events.feedback import (
    FeedbackAnsweredV1,
    FeedbackOverdueV1,
    FeedbackReceivedV1,
    FeedbackStatus,
    FeedbackStatusChangedV1,
)
from dvc_contracts.events.fines import (
    FineIssuedV1,
    FineSettledV1,
)
from dvc_contracts.events.payment import (
    FeePaidV1,
    FeeRefundedV1,
    PaymentExpiredV1,
    PaymentFailedV1,
    PaymentPurpose,
    PaymentRequestedV1,
    RefundFailedV1,
    RefundRequestedV1,
)
from dvc_contracts.events.registry import (
    EVENT_MODELS,
    parse_as,
    parse_data,
)
from dvc_contracts.events.sms import (
    SmsDeliveredV1,
    SmsFailedV1,
    SmsFailure,
    SmsOutboundV1,
    SmsReceiptsV1,
    SmsRequestedV1,
    SmsSentV1,
    SmsStatus,
)

__all__ = [
    "EVENT_MODELS",
    "EVENT_VERSION",
    "AccountId",
    "AccountRegisteredV1",
    "AccountRole",
    "AccountSignedInV1",
    "AgencyStatus",
    "AgencyStatusRejectedV1",
    "AgencyStatusReportedV1",
    "AssuranceLevel",
    "Channel",
    "Code",
    "DossierDocumentV1",
    "DossierForwardedV1",
    "DossierStatus",
    "DossierStatusChangedV1",
    "DossierSubmittedV1",
    "EventPayload",
    "FeePaidV1",
    "FeeRefundedV1",
    "FeedbackAnsweredV1",
    "FeedbackOverdueV1",
    "FeedbackReceivedV1",
    "FeedbackStatus",
    "FeedbackStatusChangedV1",
    "FineIssuedV1",
    "FineSettledV1",
    "Level",
    "PayloadError",
    "PaymentExpiredV1",
    "PaymentFailedV1",
    "PaymentPurpose",
    "PaymentRequestedV1",
    "ProcedureFeeV1",
    "ProcedurePublishedV1",
    "ProcedureRetiredV1",
    "RefundFailedV1",
    "RefundRequestedV1",
    "RequiredDocumentV1",
    "SignInChannel",
    "SmsDeliveredV1",
    "SmsFailedV1",
    "SmsFailure",
    "SmsOutboundV1",
    "SmsReceiptsV1",
    "SmsRequestedV1",
    "SmsSentV1",
    "SmsStatus",
    "Vnd",
    "parse_as",
    "parse_data",
]
