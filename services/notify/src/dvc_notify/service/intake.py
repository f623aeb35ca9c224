"""SMS requests → message rows, in bulk: render, validate the number, check the opt-out list (one query per
batch), insert every row in one statement (``ON CONFLICT DO NOTHING`` on (trigger event, template): a repeat is
a no-op), and publish ``sms-failed`` for the ones refused. Sending is the sender's job (``service/sender.py``)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dvc_contracts import clock, topics, units
from dvc_contracts.phone import InvalidPhone, mask, normalise
from dvc_notify.domain.limits import Origin
from dvc_notify.domain.templates import TemplateError, render
from dvc_notify.service import events
from dvc_notify.service.uow import NotifyUnitOfWork
from dvckit.logging import get_logger
from dvckit.messaging.consumer import Rejected
from dvckit.messaging.typed import Rejection

log = get_logger("dvc_notify.handlers")


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
