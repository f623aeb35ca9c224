"""The registry of event types (``EVENT_MODELS``: CloudEvent type -> payload model, in a fixed order) and the
parsing of a CloudEvent's ``data`` into its model (``parse_as``, ``parse_data``)."""

from __future__ import annotations

from typing import Final, TypeVar

from pydantic import BaseModel, ValidationError

from dvc_contracts.envelope import CloudEvent
from dvc_contracts.events.accounts import AccountRegisteredV1, AccountSignedInV1
from dvc_contracts.events.base import EventPayload, PayloadError
from dvc_contracts.events.catalog import ProcedurePublishedV1, ProcedureRetiredV1
from dvc_contracts.events.dossier import (
    AgencyStatusRejectedV1,
    AgencyStatusReportedV1,
    DossierForwardedV1,
    DossierStatusChangedV1,
    DossierSubmittedV1,
)
from dvc_contracts.events.feedback import (
    FeedbackAnsweredV1,
    FeedbackOverdueV1,
    FeedbackReceivedV1,
    FeedbackStatusChangedV1,
)
from dvc_contracts.events.fines import FineIssuedV1, FineSettledV1
from dvc_contracts.events.payment import (
    FeePaidV1,
    FeeRefundedV1,
    PaymentExpiredV1,
    PaymentFailedV1,
    PaymentRequestedV1,
    RefundFailedV1,
    RefundRequestedV1,
)
from dvc_contracts.events.sms import (
    SmsDeliveredV1,
    SmsFailedV1,
    SmsOutboundV1,
    SmsReceiptsV1,
    SmsRequestedV1,
    SmsSentV1,
)

__all__ = ["EVENT_MODELS", "parse_as", "parse_data"]

P = TypeVar("P", bound=EventPayload)

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
