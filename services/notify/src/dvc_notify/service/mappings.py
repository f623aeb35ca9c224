"""Mappings: each citizen-facing event → the SMS it asks for (no I/O). A portal event names the citizen's
number; without one there is nobody to tell and no SMS. ``sms-requested`` (another service asking) carries its
own template, number and idempotency key."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dvc_contracts.events import (
    DossierForwardedV1,
    DossierStatusChangedV1,
    DossierSubmittedV1,
    FeedbackAnsweredV1,
    FeePaidV1,
    FeeRefundedV1,
    FineSettledV1,
    SmsRequestedV1,
)
from dvc_notify.service.intake import SmsRequest
from dvckit.messaging.typed import Event

# Who "sends" the portal's own notifications, for the per-service limits: the service that owns the event.
DOSSIER, PAYMENT, FEEDBACK = "dossier", "payment", "feedback"
AGENCY_FALLBACK = "cơ quan có thẩm quyền"


def _portal(
    event: Event[Any], template: str, personalisation: Mapping[str, object], *, sending_service: str
) -> list[SmsRequest]:
    """The SMS a portal event asks for, ``template`` with ``personalisation``: to the payload's ``citizen_phone``
    (none: nobody to tell, e.g. a counter dossier without a mobile number), filed under its ``dossier_code`` and
    readable by the operators of its ``province_code`` — None for a payload without the field (fine-settled has
    no dossier code, fee-refunded no province)."""
    d = event.data
    if not d.citizen_phone:
        return []
    return [
        SmsRequest(
            trigger_event_id=event.id,
            template=template,
            phone=d.citizen_phone,
            personalisation=personalisation,
            dossier_code=getattr(d, "dossier_code", None),
            sending_service=sending_service,
            origin="event",
            event_id=event.id,
            province_code=getattr(d, "province_code", None),
        )
    ]


def map_dossier_submitted(event: Event[DossierSubmittedV1]) -> list[SmsRequest]:
    """The dossier was received: its code, procedure and due date."""
    d = event.data
    template = "dossier-submitted" if d.due_date else "dossier-submitted-undated"
    personalisation = {
        "dossier_code": d.dossier_code,
        "procedure_name": d.procedure_name,
        "submitted_at": d.submitted_at,
        "due_date": d.due_date,
    }
    return _portal(event, template, personalisation, sending_service=DOSSIER)


def map_dossier_status_changed(event: Event[DossierStatusChangedV1]) -> list[SmsRequest]:
    """The new status (không dấu); a completed dossier with a result gets the result. No SMS for
    ``submitted`` (dossier-submitted said it) nor ``forwarded`` (dossier-forwarded says where to), nor when
    the status did not change."""
    d = event.data
    if d.new_status in ("submitted", "forwarded") or d.new_status == d.old_status:
        return []
    if d.new_status == "completed" and d.result:
        return _portal(
            event,
            "dossier-completed",
            {"dossier_code": d.dossier_code, "result": d.result},
            sending_service=DOSSIER,
        )
    return _portal(
        event,
        "dossier-status-changed",
        {"dossier_code": d.dossier_code, "status": d.new_status},
        sending_service=DOSSIER,
    )


def map_dossier_forwarded(event: Event[DossierForwardedV1]) -> list[SmsRequest]:
    """The dossier moved to another agency (e.g. tax → traffic police)."""
    d = event.data
    return _portal(
        event,
        "dossier-forwarded-to-agency",
        {"dossier_code": d.dossier_code, "to_agency": d.to_agency_name or d.to_agency_code},
        sending_service=DOSSIER,
    )


def map_fee_paid(event: Event[FeePaidV1]) -> list[SmsRequest]:
    """A dossier fee was paid. A fine's payment is told by fine-settled (one SMS, not two); money the payment
    service refunds on its own (``refund_reason``: paid after the window, …) pays for nothing, and fee-refunded
    tells the citizen it is coming back (one SMS, not "paid" then "refunded")."""
    d = event.data
    if d.purpose == "fine" or not d.dossier_code or d.refund_reason:
        return []
    return _portal(
        event,
        "fee-paid",
        {"dossier_code": d.dossier_code, "amount": d.amount_vnd, "paid_at": d.paid_at},
        sending_service=PAYMENT,
    )


def map_fee_refunded(event: Event[FeeRefundedV1]) -> list[SmsRequest]:
    """A fee was refunded (e.g. the compensation of a failed saga)."""
    d = event.data
    if d.dossier_code:
        return _portal(
            event,
            "fee-refunded",
            {"dossier_code": d.dossier_code, "amount": d.amount_vnd},
            sending_service=PAYMENT,
        )
    return _portal(
        event,
        "fee-refunded-payment",
        {"payment_id": d.payment_id, "amount": d.amount_vnd},
        sending_service=PAYMENT,
    )


def map_fine_settled(event: Event[FineSettledV1]) -> list[SmsRequest]:
    """A traffic fine was paid (with the plate when known)."""
    d = event.data
    if d.plate:
        return _portal(
            event,
            "fine-settled",
            {"decision_no": d.decision_no, "amount": d.amount_paid, "plate": d.plate},
            sending_service=PAYMENT,
        )
    return _portal(
        event,
        "fine-settled-decision",
        {"decision_no": d.decision_no, "amount": d.amount_paid},
        sending_service=PAYMENT,
    )


def map_feedback_answered(event: Event[FeedbackAnsweredV1]) -> list[SmsRequest]:
    """The citizen's feedback or petition was answered."""
    d = event.data
    agency_name = getattr(d, "agency_name", None) or AGENCY_FALLBACK  # used once the contract carries it
    return _portal(
        event,
        "feedback-answered",
        {"feedback_code": d.feedback_id, "agency_name": agency_name},
        sending_service=FEEDBACK,
    )


def map_sms_requested(event: Event[SmsRequestedV1]) -> list[SmsRequest]:
    """Another service asks for an SMS. ``request_id`` (per sending service) is the idempotency key, so a
    request re-sent with a new event id still gives one SMS. ``strip_diacritics: true`` forces không dấu;
    false keeps the template's policy. Unknown template, missing personalisation, invalid or opted-out number,
    and (when sending) the daily limit: an ``sms-failed`` with the reason."""
    d = event.data
    return [
        SmsRequest(
            trigger_event_id=f"{d.sending_service}:{d.request_id}"[:100],
            template=d.template,
            phone=d.phone,
            personalisation=d.personalisation,
            dossier_code=d.dossier_code,
            sending_service=d.sending_service,
            origin="request",
            strip_diacritics=True if d.strip_diacritics else None,
            event_id=event.id,
            province_code=d.province_code,
        )
    ]
