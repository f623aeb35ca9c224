"""Notify handlers: turn citizen-facing events (and ``sms-requested``) into SMS message rows, one per triggering
event and template; apply delivery receipts from the Kafka channel. Sending is the sender's job
(``service/sender.py``): nothing here calls a provider, so nothing here is slow or leaves the consumer's
transaction.

Each event type has a *mapping* (event → the SMS it asks for, no I/O) and all of them share one bulk step,
``create_messages``: render, validate the number, check the opt-out list (one query per batch), insert every
row in one statement (``ON CONFLICT DO NOTHING`` on (trigger event, template): a repeat is a no-op), and
publish ``sms-failed`` for the ones refused.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from dvc_contracts import clock, topics, units
from dvc_contracts.events import (
    DossierForwardedV1,
    DossierStatusChangedV1,
    DossierSubmittedV1,
    EventPayload,
    FeedbackAnsweredV1,
    FeePaidV1,
    FeeRefundedV1,
    FineSettledV1,
    SmsReceiptsV1,
    SmsRequestedV1,
)
from dvc_contracts.phone import InvalidPhone, mask, normalise
from dvc_notify.domain.limits import Origin
from dvc_notify.domain.status import Receipt
from dvc_notify.domain.templates import TemplateError, render
from dvc_notify.service import events
from dvc_notify.service.receipts import apply_receipt
from dvc_notify.service.uow import NotifyUnitOfWork
from dvckit.logging import get_logger
from dvckit.messaging.consumer import Rejected
from dvckit.messaging.typed import Event, EventsHandler, Rejection

log = get_logger("dvc_notify.handlers")
P = TypeVar("P", bound=EventPayload)

# Who "sends" the portal's own notifications, for the per-service limits: the service that owns the event.
DOSSIER, PAYMENT, FEEDBACK = "dossier", "payment", "feedback"
AGENCY_FALLBACK = "cơ quan có thẩm quyền"


@dataclass(frozen=True, slots=True)
class SmsRequest:
    trigger_event_id: str  # with the template: the idempotency key (one SMS per trigger and template)
    template: str
    phone: str  # as received; normalised here
    personalisation: Mapping[str, object]
    dossier_code: str | None
    sending_service: str
    origin: Origin
    strip_diacritics: bool | None = None  # None: the template's policy
    event_id: str | None = None  # the CloudEvent that asked for it
    province_code: str | None = None  # whose operators may read it (None: national operators only)


def _portal(
    event: Event[Any],
    template: str,
    phone: str | None,
    personalisation: Mapping[str, object],
    *,
    dossier_code: str | None,
    sending_service: str,
    province_code: str | None = None,
) -> list[SmsRequest]:
    if not phone:
        return []  # nobody to tell (e.g. a counter dossier without a mobile number)
    return [
        SmsRequest(
            trigger_event_id=event.id,
            template=template,
            phone=phone,
            personalisation=personalisation,
            dossier_code=dossier_code,
            sending_service=sending_service,
            origin="event",
            event_id=event.id,
            province_code=province_code,
        )
    ]


# --- mappings: event → the SMS it asks for (no I/O) ---------------------------------------------------


def map_dossier_submitted(event: Event[DossierSubmittedV1]) -> list[SmsRequest]:
    """The dossier was received: its code, procedure and due date."""
    d = event.data
    personalisation = {
        "dossier_code": d.dossier_code,
        "procedure_name": d.procedure_name,
        "submitted_at": d.submitted_at,
        "due_date": d.due_date,
    }
    template = "dossier-submitted" if d.due_date else "dossier-submitted-undated"
    return _portal(
        event,
        template,
        d.citizen_phone,
        personalisation,
        dossier_code=d.dossier_code,
        sending_service=DOSSIER,
        province_code=d.province_code,
    )


def map_dossier_status_changed(event: Event[DossierStatusChangedV1]) -> list[SmsRequest]:
    """The new status (không dấu); a completed dossier with a result gets the result. No SMS for
    ``submitted`` (dossier-submitted said it) nor ``forwarded`` (dossier-forwarded says where to), nor when
    the status did not change."""
    d = event.data
    if d.new_status in ("submitted", "forwarded") or d.new_status == d.old_status:
        return []
    if d.new_status == "completed" and d.result:
        template, personalisation = "dossier-completed", {"dossier_code": d.dossier_code, "result": d.result}
    else:
        template, personalisation = (
            "dossier-status-changed",
            {"dossier_code": d.dossier_code, "status": d.new_status},
        )
    return _portal(
        event,
        template,
        d.citizen_phone,
        personalisation,
        dossier_code=d.dossier_code,
        sending_service=DOSSIER,
        province_code=d.province_code,
    )


def map_dossier_forwarded(event: Event[DossierForwardedV1]) -> list[SmsRequest]:
    """The dossier moved to another agency (e.g. tax → traffic police)."""
    d = event.data
    personalisation = {"dossier_code": d.dossier_code, "to_agency": d.to_agency_name or d.to_agency_code}
    return _portal(
        event,
        "dossier-forwarded-to-agency",
        d.citizen_phone,
        personalisation,
        dossier_code=d.dossier_code,
        sending_service=DOSSIER,
        province_code=d.province_code,
    )


def map_fee_paid(event: Event[FeePaidV1]) -> list[SmsRequest]:
    """A dossier fee was paid. A fine's payment is told by fine-settled (one SMS, not two)."""
    d = event.data
    if d.purpose == "fine" or not d.dossier_code:
        return []
    personalisation = {"dossier_code": d.dossier_code, "amount": d.amount_vnd, "paid_at": d.paid_at}
    return _portal(
        event,
        "fee-paid",
        d.citizen_phone,
        personalisation,
        dossier_code=d.dossier_code,
        sending_service=PAYMENT,
        province_code=d.province_code,
    )


def map_fee_refunded(event: Event[FeeRefundedV1]) -> list[SmsRequest]:
    """A fee was refunded (e.g. the compensation of a failed saga)."""
    d = event.data
    if d.dossier_code:
        template = "fee-refunded"
        personalisation: dict[str, object] = {"dossier_code": d.dossier_code, "amount": d.amount_vnd}
    else:
        template = "fee-refunded-payment"
        personalisation = {"payment_id": d.payment_id, "amount": d.amount_vnd}
    return _portal(
        event,
        template,
        d.citizen_phone,
        personalisation,
        dossier_code=d.dossier_code,
        sending_service=PAYMENT,
    )


def map_fine_settled(event: Event[FineSettledV1]) -> list[SmsRequest]:
    """A traffic fine was paid (with the plate when known)."""
    d = event.data
    personalisation: dict[str, object] = {"decision_no": d.decision_no, "amount": d.amount_paid}
    template = "fine-settled-decision"
    if d.plate:
        template, personalisation["plate"] = "fine-settled", d.plate
    return _portal(
        event,
        template,
        d.citizen_phone,
        personalisation,
        dossier_code=None,
        sending_service=PAYMENT,
        province_code=d.province_code,
    )


def map_feedback_answered(event: Event[FeedbackAnsweredV1]) -> list[SmsRequest]:
    """The citizen's feedback or petition was answered."""
    d = event.data
    agency_name = getattr(d, "agency_name", None) or AGENCY_FALLBACK  # used once the contract carries it
    return _portal(
        event,
        "feedback-answered",
        d.citizen_phone,
        {"feedback_code": d.feedback_id, "agency_name": agency_name},
        dossier_code=d.dossier_code,
        sending_service=FEEDBACK,
        province_code=d.province_code,
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


# --- the bulk step ------------------------------------------------------------------------------------

_COLUMNS = (
    "id", "trigger_event_id", "template", "dossier_code", "province_code", "origin", "sending_service", "created_at", "updated_at",
    "attempts", "text", "encoding", "segments", "phone", "phone_masked", "status", "failure_reason", "failed_at",
    "next_attempt_at",
)  # fmt: skip


@dataclass
class _Draft:
    req: SmsRequest
    values: dict[str, Any]
    reason: str | None = None


def _draft(req: SmsRequest, now: datetime) -> _Draft:
    values: dict[str, Any] = dict.fromkeys(_COLUMNS)
    values |= {
        "id": str(uuid.uuid4()),
        "trigger_event_id": req.trigger_event_id,
        "template": req.template,
        "dossier_code": req.dossier_code,
        # today's unit (a former province merged on 1 July 2025 counts as the one it belongs to now)
        "province_code": units.today(req.province_code),
        "origin": req.origin,
        "sending_service": req.sending_service,
        "created_at": now,
        "updated_at": now,
        "attempts": 0,
    }
    draft = _Draft(req, values)
    try:
        rendered = render(req.template, req.personalisation, strip_diacritics=req.strip_diacritics)
        if not rendered.text.strip():
            raise TemplateError("empty text")
        values |= {
            "text": rendered.text,
            "encoding": rendered.estimate.encoding,
            "segments": rendered.estimate.segments,
        }
    except TemplateError as exc:
        values |= {"text": "", "encoding": "GSM-7", "segments": 0}
        draft.reason = f"template_error:{exc}"[:500]
    try:
        e164 = normalise(req.phone)
        values |= {"phone": e164, "phone_masked": mask(e164)}
    except InvalidPhone as exc:
        values["phone_masked"] = mask("".join(ch for ch in req.phone if ch.isdigit()))  # all but 2 digits
        draft.reason = draft.reason or f"invalid_phone:{exc.reason}"
    return draft


async def create_messages(uow: NotifyUnitOfWork, requests: Sequence[SmsRequest]) -> list[Rejection]:
    """Create the messages of a batch of requests (see module docstring)."""
    rejections, _ = await _create(uow, requests)
    return rejections


async def _create(uow: NotifyUnitOfWork, requests: Sequence[SmsRequest]) -> tuple[list[Rejection], set[str]]:
    """Returns the rejections and the ids of the messages created to be sent.

    Refused requests (template error, invalid phone, opted out) become ``permanent-failure`` rows with the
    reason and an ``sms-failed``: a clear rejection, never a silent drop. For the portal's own events a
    template error is a bug in notify's mapping, so that event is rejected to the dead-letter topic instead
    (returned as a Rejection; nothing is written for it).
    """
    now = clock.now()
    drafts: dict[tuple[str, str], _Draft] = {}
    rejections: list[Rejection] = []
    for req in requests:
        key = (req.trigger_event_id, req.template)
        if key in drafts:
            continue  # the same trigger twice in one batch
        draft = _draft(req, now)
        if draft.reason and draft.reason.startswith("template_error") and req.origin == "event":
            rejections.append(Rejection(req.event_id or req.trigger_event_id, "template_error", draft.reason))
            continue
        drafts[key] = draft
    opted = await uow.opt_outs.which(
        d.values["phone"] for d in drafts.values() if d.values["phone"] and not d.reason
    )
    for d in drafts.values():
        if d.reason is None and d.values["phone"] in opted:
            d.reason = "opted_out"
        if d.reason is None:
            d.values |= {"status": "created", "next_attempt_at": now}
        else:
            d.values |= {"status": "permanent-failure", "failure_reason": d.reason, "failed_at": now}
    inserted = await uow.messages.add_many([d.values for d in drafts.values()])
    refused = [d for d in drafts.values() if d.reason and d.values["id"] in inserted]
    await uow.publish_many(
        topics.SMS_FAILED,
        [
            (
                d.values["id"],
                events.failed(
                    message_id=d.values["id"],
                    dossier_code=d.req.dossier_code,
                    phone_masked=d.values["phone_masked"] or "",
                    template=d.req.template,
                    provider=None,
                    status="permanent-failure",
                    reason=d.reason or "",
                    attempts=0,
                    at=now,
                    trigger_event_id=d.req.trigger_event_id,
                ),
            )
            for d in refused
        ],
    )
    for d in refused:
        log.warning(
            "sms.rejected",
            reason=(d.reason or "").split(":", 1)[0],
            detail=d.reason,
            template=d.req.template,
            dossier_code=d.req.dossier_code,
            phone=d.values["phone_masked"],
        )
    created = {d.values["id"] for d in drafts.values() if not d.reason and d.values["id"] in inserted}
    uow.metrics.sms("created", None, len(created))
    uow.metrics.sms("permanent-failure", None, len(refused))
    return rejections, created


async def request_sms(uow: NotifyUnitOfWork, req: SmsRequest) -> str | None:
    """One request: the message id when it will be sent; None when refused or when the trigger already has
    its message. Raises Rejected for a portal event that cannot be rendered."""
    rejections, created = await _create(uow, [req])
    if rejections:
        raise Rejected(rejections[0].reason, rejections[0].message)
    return next(iter(created), None)


def batch_handler(mapping: Callable[[Event[P]], list[SmsRequest]], name: str) -> EventsHandler[P]:
    """A typed batch handler (the kit rejected bad payloads already): map every event, then one bulk step."""

    async def handle(batch: list[Event[P]], uow: NotifyUnitOfWork) -> list[Rejection]:
        requests: list[SmsRequest] = []
        for event in batch:
            requests += mapping(event)
        return await create_messages(uow, requests)

    handle.__name__ = name  # the inbox consumer name: "notify:<name>"
    handle.__doc__ = mapping.__doc__
    return handle


on_dossier_submitted = batch_handler(map_dossier_submitted, "on_dossier_submitted")
on_dossier_status_changed = batch_handler(map_dossier_status_changed, "on_dossier_status_changed")
on_dossier_forwarded = batch_handler(map_dossier_forwarded, "on_dossier_forwarded")
on_fee_paid = batch_handler(map_fee_paid, "on_fee_paid")
on_fee_refunded = batch_handler(map_fee_refunded, "on_fee_refunded")
on_fine_settled = batch_handler(map_fine_settled, "on_fine_settled")
on_feedback_answered = batch_handler(map_feedback_answered, "on_feedback_answered")
on_sms_requested = batch_handler(map_sms_requested, "on_sms_requested")


async def on_sms_receipts(batch: list[Event[SmsReceiptsV1]], uow: NotifyUnitOfWork) -> list[Rejection]:
    """Telecom gateways' receipts on the Kafka-native channel."""
    now = clock.now()
    for event in batch:
        d = event.data
        receipt = Receipt(
            provider="kafka",
            status=d.status,
            provider_ref=d.gateway_message_id,
            message_id=d.message_id,
            error_code=d.error_code,
            reported_at=d.reported_at,
        )
        await apply_receipt(uow, receipt, now)
    return []
