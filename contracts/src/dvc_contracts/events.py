"""Versioned payload models: the CloudEvent ``data`` of every event on the bus.

One model per event type, named ``<Type>V1``; the CloudEvent ``type`` and the topic are the kebab-case event
name (``fee-paid``). Rules for every model (ARCHITECTURE.md, Events):

- money is integer VND (``int``, never negative, never a float or a string);
- times are timezone-aware datetimes (naive ones are rejected); calendar dates are ``datetime.date``;
- unknown fields are ignored and instances are immutable; within v1 only additive, optional fields.
  A breaking change is a new ``…V2`` model on a new ``…-v2`` topic.

``parse_as(event, FeePaidV1)`` turns a parsed CloudEvent into that model, ``parse_data(event)`` into the model of
its type; both raise ``PayloadError``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar, Final, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from dvc_contracts import topics
from dvc_contracts.envelope import CloudEvent
from dvc_contracts.fees import ProcedureFeeV1, Vnd  # money and a procedure's fee: dvc_contracts.fees

EVENT_VERSION: Final = "v1"

# Identifiers and codes (dossier code, agency code, payment id…): never empty.
Code = Annotated[str, Field(min_length=1)]

Level = Literal["central", "province", "district", "commune"]
Channel = Literal["online", "counter"]

# What an agency may report (agency-status-reported).
AgencyStatus = Literal[
    "received",
    "processing",
    "supplement_requested",
    "forwarded",
    "completed",
    "returned",
    "rejected",
    "withdrawn",
]
# A dossier's status on the portal: the agency statuses, plus ``submitted`` (filed online, not yet received by the
# agency) and ``cancelled`` (the portal stopped it, e.g. the payment expired during a saga).
DossierStatus = Literal[
    "submitted",
    "received",
    "processing",
    "supplement_requested",
    "forwarded",
    "completed",
    "returned",
    "rejected",
    "withdrawn",
    "cancelled",
]
# What a payment is for: a dossier's fee / charge, or a traffic fine.
PaymentPurpose = Literal["dossier_fee", "fine"]
SmsFailure = Literal["temporary-failure", "permanent-failure", "technical-failure"]


class PayloadError(ValueError):
    """The CloudEvent's ``data`` is not a valid payload of its type. ``reason`` is machine-readable:
    ``unknown_type`` (no model for the ce type) or ``invalid_payload``; ``message`` names the first bad field."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class EventPayload(_Payload):
    """Base of every event payload. ``ce_type`` is the CloudEvent type, which is also the topic name: the one
    mapping from an event type to its topic (``dvckit``'s ``runtime.subscribe(FeePaidV1, handler)`` reads it)."""

    ce_type: ClassVar[str]


P = TypeVar("P", bound=EventPayload)


# ---------------------------------------------------------------------------------------------------------------
# Catalog
# ---------------------------------------------------------------------------------------------------------------


class RequiredDocumentV1(_Payload):
    code: Code
    name: str
    mandatory: bool = True


class ProcedurePublishedV1(EventPayload):
    """The full, immutable snapshot of a published procedure version. Key: procedure code."""

    ce_type: ClassVar[str] = topics.PROCEDURE_PUBLISHED

    code: Code
    version: int
    name: str
    sector: str
    agency_code: Code
    agency_name: str
    level: Level
    service_level: Literal[3, 4]
    fee: ProcedureFeeV1
    processing_days: int = Field(ge=0, description="statutory processing time in working days")
    required_documents: list[RequiredDocumentV1] = []
    required_fields: list[str] = []
    allowed_agency_codes: list[str] = Field(
        default=[], description="agencies allowed to report status besides agency_code"
    )
    chained_flow: str | None = None
    social_saving_vnd: Vnd | None = Field(
        default=None, description="estimated social-cost saving per online dossier"
    )
    provinces: list[str] = Field(default=[], description="province codes where offered; empty = nationwide")
    assurance_level: Literal[1, 2] = Field(
        default=1,
        description="the applicant's electronic identity account must be at least this level of assurance "
        "(Nghị định 69/2024/NĐ-CP: mức độ 1, mức độ 2); a token's `loa` claim",
    )
    published_at: AwareDatetime


class ProcedureRetiredV1(EventPayload):
    """A published procedure version is retired: no new dossiers. Key: procedure code."""

    ce_type: ClassVar[str] = topics.PROCEDURE_RETIRED

    code: Code
    version: int
    retired_at: AwareDatetime
    reason: str | None = None


# ---------------------------------------------------------------------------------------------------------------
# Dossiers and agency status sync
# ---------------------------------------------------------------------------------------------------------------


class DossierDocumentV1(_Payload):
    """A document the citizen attached to the dossier (PDF, JPEG or PNG, checked by its bytes). The handling
    agency fetches it over an expiring link from the dossier service
    (``GET /v1/dossiers/{code}/documents/{document_id}/link``) and can check it against ``sha256``."""

    document_id: Code
    name: str = Field(description="what the citizen says it is (e.g. the required document's name)")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the bytes, lowercase hex")
    content_type: Literal["application/pdf", "image/jpeg", "image/png"]
    size: int = Field(ge=1, description="bytes")


class DossierSubmittedV1(EventPayload):
    """A citizen filed a dossier on the portal (or at a counter, through the portal). Key: dossier code."""

    ce_type: ClassVar[str] = topics.DOSSIER_SUBMITTED

    dossier_code: Code
    procedure_code: Code
    procedure_name: str
    procedure_version: int
    agency_code: Code
    province_code: Code
    sector: str
    channel: Channel
    applicant_name: str
    citizen_phone: str | None = None
    fee_vnd: Vnd = 0
    submitted_at: AwareDatetime
    due_date: date | None = None
    documents: list[DossierDocumentV1] = Field(
        default=[], description="the uploaded documents attached on submission (none in older events)"
    )


class AgencyStatusReportedV1(EventPayload):
    """An agency's one-stop system reports a dossier's status (pinned: agencies build against it).
    Key: dossier code. ``sequence`` increases per dossier; see contracts/README.md."""

    ce_type: ClassVar[str] = topics.AGENCY_STATUS_REPORTED

    dossier_code: Code
    procedure_code: Code
    agency_code: Code
    province_code: Code
    sequence: int = Field(ge=0)
    status: AgencyStatus
    occurred_at: AwareDatetime
    due_date: date | None = None
    result: str | None = None
    note: str | None = None
    citizen_phone: str | None = None


class AgencyStatusRejectedV1(EventPayload):
    """A record on the agency ingress that was not applied, with the reason and the original bytes, for the
    agency to consume. Key: the original key (dossier code) when there was one."""

    ce_type: ClassVar[str] = topics.AGENCY_STATUS_REJECTED

    reason: Code = Field(description="machine-readable reason code, see contracts/README.md")
    message: str
    original_topic: str
    original_partition: int | None
    original_offset: int | None
    original_key: str | None
    original_headers: dict[str, str] = {}
    original_value_b64: str = Field(description="the original record value, base64")
    dossier_code: str | None = None
    agency_code: str | None = None
    rejected_at: AwareDatetime


class DossierStatusChangedV1(EventPayload):
    """A dossier's current status moved (an accepted agency report, or a portal step). Key: dossier code.

    ``old_status`` is None the first time the portal sees the dossier (e.g. one filed at an agency's own counter).
    A late event with an older sequence is kept in the dossier's history and is not published here."""

    ce_type: ClassVar[str] = topics.DOSSIER_STATUS_CHANGED

    dossier_code: Code
    procedure_code: Code
    procedure_name: str | None = None
    agency_code: Code = Field(
        description="the agency responsible now (the reporting agency for agency reports)"
    )
    province_code: Code
    sector: str
    channel: Channel
    sequence: int = Field(ge=0)
    old_status: DossierStatus | None = None
    new_status: DossierStatus
    occurred_at: AwareDatetime
    due_date: date | None = None
    result: str | None = None
    note: str | None = None
    citizen_phone: str | None = None


class DossierForwardedV1(EventPayload):
    """A dossier moves to another agency (e.g. from tax to traffic police) and keeps its identity.
    Key: dossier code."""

    ce_type: ClassVar[str] = topics.DOSSIER_FORWARDED

    dossier_code: Code
    procedure_code: Code
    procedure_name: str | None = None
    province_code: Code
    from_agency_code: Code
    to_agency_code: Code
    to_agency_name: str | None = None
    forwarded_at: AwareDatetime
    due_date: date | None = None
    note: str | None = None
    citizen_phone: str | None = None


# ---------------------------------------------------------------------------------------------------------------
# Payments and refunds (keyed by payment id)
# ---------------------------------------------------------------------------------------------------------------


class PaymentRequestedV1(EventPayload):
    """Ask the payment service to collect an amount. ``payment_id`` is chosen by the requester and is the
    idempotency key: the same request twice creates one payment intent. Key: payment id."""

    ce_type: ClassVar[str] = topics.PAYMENT_REQUESTED

    payment_id: Code
    purpose: PaymentPurpose = "dossier_fee"
    dossier_code: str | None = None
    decision_no: str | None = Field(default=None, description="the fine decision, when purpose is fine")
    procedure_code: str | None = None
    province_code: str | None = None
    amount_vnd: Vnd
    description: str
    payer_name: str | None = None
    payer_sub: str | None = Field(
        default=None,
        description="the signed-in citizen who may pay it (token subject); without it, only a signed pay link",
    )
    citizen_phone: str | None = None
    provider: str | None = Field(default=None, description="preferred provider, if the citizen chose one")
    requested_at: AwareDatetime
    expires_at: AwareDatetime | None = None


class FeePaidV1(EventPayload):
    """A payment succeeded (provider callback verified, or found by reconciliation). Key: payment id."""

    ce_type: ClassVar[str] = topics.FEE_PAID

    payment_id: Code
    purpose: PaymentPurpose = "dossier_fee"
    dossier_code: str | None = None
    decision_no: str | None = None
    province_code: str | None = None
    amount_vnd: Vnd
    provider: Code
    provider_txn_id: Code
    paid_at: AwareDatetime
    late: bool = Field(default=False, description="succeeded after the payment had failed or expired")
    refund_reason: str | None = Field(
        default=None,
        description="set when the payment service refunds this money on its own (payment_expired, "
        "fine_already_settled, fine_amount_mismatch): it does not pay for what it was meant to, and "
        "fee-refunded follows; none for a success that counts, late or not",
    )
    citizen_phone: str | None = None


class PaymentFailedV1(EventPayload):
    """A payment failed at the provider (declined, cancelled, error). Key: payment id."""

    ce_type: ClassVar[str] = topics.PAYMENT_FAILED

    payment_id: Code
    purpose: PaymentPurpose = "dossier_fee"
    dossier_code: str | None = None
    decision_no: str | None = None
    amount_vnd: Vnd
    provider: str | None = None
    reason: Code = Field(description="machine-readable, e.g. declined, cancelled, provider_error")
    message: str | None = None
    failed_at: AwareDatetime
    citizen_phone: str | None = None


class PaymentExpiredV1(EventPayload):
    """A payment was not completed before its expiry. Key: payment id."""

    ce_type: ClassVar[str] = topics.PAYMENT_EXPIRED

    payment_id: Code
    purpose: PaymentPurpose = "dossier_fee"
    dossier_code: str | None = None
    decision_no: str | None = None
    amount_vnd: Vnd
    expired_at: AwareDatetime
    citizen_phone: str | None = None


class RefundRequestedV1(EventPayload):
    """Ask the payment service to refund (all or part of) a succeeded payment. ``refund_id`` is chosen by the
    requester and is the idempotency key. Key: payment id."""

    ce_type: ClassVar[str] = topics.REFUND_REQUESTED

    refund_id: Code
    payment_id: Code
    dossier_code: str | None = None
    amount_vnd: Vnd
    reason: str
    requested_at: AwareDatetime
    citizen_phone: str | None = None


class FeeRefundedV1(EventPayload):
    """A refund was completed by the provider. Key: payment id."""

    ce_type: ClassVar[str] = topics.FEE_REFUNDED

    refund_id: Code
    payment_id: Code
    dossier_code: str | None = None
    amount_vnd: Vnd
    provider: Code
    provider_refund_id: str | None = None
    reason: str | None = None
    refunded_at: AwareDatetime
    citizen_phone: str | None = None
    automatic: bool = Field(
        default=False,
        description="refunded by the payment service on its own (a late or second payment nobody needed), "
        "not on a refund-requested; refund_id is then the payment service's",
    )


class RefundFailedV1(EventPayload):
    """A refund could not be made. Key: payment id. ``refund_id`` is the one of the refund-requested (or the
    payment service's, for an automatic refund)."""

    ce_type: ClassVar[str] = topics.REFUND_FAILED

    refund_id: Code
    payment_id: Code
    dossier_code: str | None = None
    amount_vnd: Vnd
    provider: str | None = None
    reason: Code = Field(
        description="machine-readable: payment_not_found, payment_not_paid, already_refunded, "
        "amount_exceeds_paid, invalid_amount, provider_rejected, provider_unavailable"
    )
    message: str | None = None
    failed_at: AwareDatetime
    automatic: bool = False
    citizen_phone: str | None = None


# ---------------------------------------------------------------------------------------------------------------
# Traffic fines (keyed by decision number)
# ---------------------------------------------------------------------------------------------------------------


class FineIssuedV1(EventPayload):
    """A traffic police fine decision (pinned: other government systems depend on it). Key: decision_no."""

    ce_type: ClassVar[str] = topics.FINE_ISSUED

    decision_no: Code
    record_no: Code = Field(description="biên bản number")
    violation_date: date
    offender_name: str
    offender_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="the offender's personal identification number (số định danh cá nhân), when known; "
        "the portal matches a citizen's unpaid fines on it, never on the name",
    )
    plate: str
    amount: Vnd
    issuing_unit: str
    province_code: Code
    decided_at: AwareDatetime


class FineSettledV1(EventPayload):
    """A fine was paid in full (after any early-payment discount). Key: decision_no."""

    ce_type: ClassVar[str] = topics.FINE_SETTLED

    decision_no: Code
    record_no: Code
    payment_id: Code
    amount_due: Vnd = Field(description="the amount of the decision")
    discount_vnd: Vnd = 0
    amount_paid: Vnd
    provider: str | None = None
    provider_txn_id: str | None = None
    issuing_unit: str | None = None
    province_code: Code
    channel: Channel = "online"
    settled_at: AwareDatetime
    plate: str | None = Field(default=None, description="the vehicle's plate, for the citizen's SMS")
    citizen_phone: str | None = None


# ---------------------------------------------------------------------------------------------------------------
# Feedback (phản ánh, kiến nghị) — keyed by feedback id. No free text: the content stays in the feedback service.
# ---------------------------------------------------------------------------------------------------------------


class FeedbackReceivedV1(EventPayload):
    """Feedback or a petition was received and routed to the responsible agency."""

    ce_type: ClassVar[str] = topics.FEEDBACK_RECEIVED

    feedback_id: Code
    kind: Literal["feedback", "petition"]
    category: str
    province_code: Code
    agency_code: str | None = Field(default=None, description="the agency it is routed to, if known")
    procedure_code: str | None = None
    dossier_code: str | None = None
    received_at: AwareDatetime
    due_date: date | None = Field(default=None, description="response deadline")
    possible_duplicate_of: str | None = None
    citizen_phone: str | None = None


class FeedbackAnsweredV1(EventPayload):
    """The responsible agency answered a feedback."""

    ce_type: ClassVar[str] = topics.FEEDBACK_ANSWERED

    feedback_id: Code
    agency_code: Code
    province_code: Code
    dossier_code: str | None = None
    answered_at: AwareDatetime
    due_date: date | None = None
    published: bool = False
    citizen_phone: str | None = None
    kind: Literal["feedback", "petition"] | None = None
    category: str | None = None
    on_time: bool | None = Field(default=None, description="answered on or before the response deadline")


FeedbackStatus = Literal[
    "received", "routed", "in_progress", "answered", "closed", "duplicate", "not_responsible", "withdrawn"
]


class FeedbackStatusChangedV1(EventPayload):
    """A feedback moved in its lifecycle other than being received (feedback-received) or answered
    (feedback-answered): routed again, in progress, not the agency's responsibility, duplicate, withdrawn,
    reopened (answered → in_progress), closed (rated by the citizen, or after the reopen window)."""

    ce_type: ClassVar[str] = topics.FEEDBACK_STATUS_CHANGED

    feedback_id: Code
    kind: Literal["feedback", "petition"]
    category: str
    province_code: Code
    agency_code: str | None = Field(default=None, description="the agency responsible after the change")
    previous_agency_code: str | None = None
    old_status: FeedbackStatus
    new_status: FeedbackStatus
    action: Code = Field(
        description="route, start, not_responsible, mark_duplicate, withdraw, rate, reopen, close"
    )
    actor_role: Literal["citizen", "agency", "operator", "system"]
    occurred_at: AwareDatetime
    due_date: date | None = None
    duplicate_of: str | None = None
    rating: int | None = Field(default=None, ge=1, le=5)
    dossier_code: str | None = None
    citizen_phone: str | None = None


class FeedbackOverdueV1(EventPayload):
    """A feedback passed its response deadline without an answer (emitted once per deadline by the feedback
    service's scheduler)."""

    ce_type: ClassVar[str] = topics.FEEDBACK_OVERDUE

    feedback_id: Code
    kind: Literal["feedback", "petition"]
    category: str
    province_code: Code
    agency_code: str | None = None
    status: FeedbackStatus
    received_at: AwareDatetime
    due_date: date
    detected_at: AwareDatetime
    dossier_code: str | None = None


# ---------------------------------------------------------------------------------------------------------------
# SMS (notify). Full phone numbers only where the SMS must go (sms-requested); everywhere else masked.
# ---------------------------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------------------------
# Accounts (sign-ins at the portal and the dashboard) — keyed by the pseudonymous account id. No personal data:
# the id is an HMAC of the provider's subject with a per-deployment key (dvckit.accounts), never a personal id,
# a name or a phone; it cannot be turned back into the person without that key and the provider's records.
# ---------------------------------------------------------------------------------------------------------------

AccountId = Annotated[
    str,
    Field(
        pattern=r"^[0-9a-f]{32}$",
        description="pseudonymous account id: 128 bits of HMAC-SHA-256(per-deployment key, issuer + subject), hex",
    ),
]
AccountRole = Literal["citizen", "operator", "agency"]
SignInChannel = Literal["portal", "dashboard"]
AssuranceLevel = Annotated[
    int, Field(ge=1, le=3, description="level of assurance of the account (1 basic, 2 high)")
]


class AccountRegisteredV1(EventPayload):
    """An account signed in for the first time: the first sign-in of its pseudonymous id that the channel's
    service has seen. Emitted once per id and channel service (consumers count an id once whatever the
    channel)."""

    ce_type: ClassVar[str] = topics.ACCOUNT_REGISTERED

    account_id: AccountId
    role: AccountRole
    channel: SignInChannel
    assurance_level: AssuranceLevel | None = None
    registered_at: AwareDatetime


class AccountSignedInV1(EventPayload):
    """An account signed in (every sign-in), on the citizens' portal or the operators' dashboard."""

    ce_type: ClassVar[str] = topics.ACCOUNT_SIGNED_IN

    account_id: AccountId
    role: AccountRole
    channel: SignInChannel
    assurance_level: AssuranceLevel | None = None
    method: Literal["oidc", "dev"] = Field(
        default="oidc",
        description="oidc: at the OpenID Provider; dev: a development sign-in (never in production)",
    )
    signed_in_at: AwareDatetime


# ---------------------------------------------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------------------------------------------

_MODELS: tuple[type[EventPayload], ...] = (
    ProcedurePublishedV1,
    ProcedureRetiredV1,
    DossierSubmittedV1,
    DossierStatusChangedV1,
    DossierForwardedV1,
    AgencyStatusReportedV1,
    AgencyStatusRejectedV1,
    PaymentRequestedV1,
    FeePaidV1,
    PaymentFailedV1,
    PaymentExpiredV1,
    RefundRequestedV1,
    FeeRefundedV1,
    RefundFailedV1,
    FineIssuedV1,
    FineSettledV1,
    FeedbackReceivedV1,
    FeedbackAnsweredV1,
    FeedbackStatusChangedV1,
    FeedbackOverdueV1,
    SmsRequestedV1,
    SmsSentV1,
    SmsDeliveredV1,
    SmsFailedV1,
    SmsOutboundV1,
    SmsReceiptsV1,
    AccountRegisteredV1,
    AccountSignedInV1,
)

# CloudEvent type (== topic name) -> payload model.
EVENT_MODELS: Final[dict[str, type[EventPayload]]] = {m.ce_type: m for m in _MODELS}


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "data"
    return f"{where}: {err['msg']}"


def parse_as(event: CloudEvent, model: type[P]) -> P:
    """The event's ``data`` as ``model``. Raises PayloadError: ``unknown_type`` when the CloudEvent type is not
    the model's, ``invalid_payload`` (naming the first bad field) when the data does not validate."""
    if event.type != model.ce_type:
        raise PayloadError("unknown_type", f"type: {event.type!r} is not {model.ce_type!r}")
    if not isinstance(event.data, dict):
        raise PayloadError("invalid_payload", f"data: must be a JSON object, got {type(event.data).__name__}")
    try:
        return model.model_validate(event.data)
    except ValidationError as exc:
        raise PayloadError("invalid_payload", _first_error(exc)) from exc


def parse_data(event: CloudEvent) -> BaseModel:
    """The event's ``data`` as its payload model. Raises PayloadError (``unknown_type`` / ``invalid_payload``)."""
    model = EVENT_MODELS.get(event.type)
    if model is None:
        raise PayloadError("unknown_type", f"type: no payload model for event type {event.type!r}")
    return parse_as(event, model)
