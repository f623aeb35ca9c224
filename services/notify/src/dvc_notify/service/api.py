"""The send API for integrators, in the manner of GOV.UK Notify: API keys per sending service, and SMS sent with
one of them.

* A **live** key's SMS takes the path an ``sms-requested`` takes (:func:`handlers.request_sms`): the trigger is
  ``<service>:<reference>`` — the same one as an ``sms-requested`` whose ``request_id`` is that reference, so a
  service that uses both never gets two SMS for one reference — then the opt-out list, the per-service rate and
  daily limits (beyond the day's quota it is refused, ``daily_limit_exceeded``), the providers and receipts.
* A **test** key's SMS is rendered, checked and stored as ``delivered``, and goes no further: no message row,
  no provider, no event, no quota.
* The caller's ``reference`` is the idempotency key (per service and key type): the same request again gives
  the first notification back; another request under a used reference is refused (:class:`ReferenceReused`).
  Two identical requests at the same moment meet on the unique index: one inserts, the other waits for it and
  answers with its notification.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from dvc_contracts import clock
from dvc_contracts.phone import mask, normalise
from dvc_notify.domain.api_keys import KeyType, new_key, parse_key, secret_matches
from dvc_notify.domain.catalogue import preview
from dvc_notify.service.intake import SmsRequest, request_sms
from dvc_notify.service.uow import NotifyUnitOfWork
from dvckit.logging import get_logger

log = get_logger("dvc_notify.api")


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: str
    name: str
    service: str
    key_type: KeyType


class InvalidApiKey(Exception):
    def __init__(self, code: str) -> None:
        self.code = code  # invalid_api_key | api_key_revoked
        super().__init__(code)


class ReferenceReused(Exception):
    """The reference already names another request of this service."""


@dataclass(frozen=True)
class SendRequest:
    template_id: str
    phone: str  # any accepted format; normalised here (raises InvalidPhone)
    reference: str
    personalisation: dict[str, Any] = field(default_factory=dict)
    strip_diacritics: bool = False
    dossier_code: str | None = None
    province_code: str | None = None


# --- keys -------------------------------------------------------------------------------------------------


async def create_key(
    uow: NotifyUnitOfWork, *, name: str, service: str, key_type: KeyType, by: str | None
) -> tuple[str, str]:
    """A new key: (its id, the whole key — shown this once, only its secret's hash is kept)."""
    made = new_key(name, service)
    await uow.api_keys.add(
        {
            "id": made.id,
            "name": name,
            "service": service,
            "key_type": key_type,
            "secret_hash": made.secret_hash,
            "created_at": clock.now(),
            "created_by": by,
        }
    )
    log.info("api.key_created", key_id=made.id, service=service, key_type=key_type, by=by)
    return made.id, made.key


async def revoke_key(uow: NotifyUnitOfWork, key_id: str, by: str | None) -> Any:
    """Revoke (idempotent); returns the key's row, or None when there is no such key."""
    await uow.api_keys.revoke(key_id, by, clock.now())
    row = await uow.api_keys.get(key_id)
    if row is not None:
        log.info("api.key_revoked", key_id=key_id, service=row.service, by=by)
    return row


async def authenticate(uow: NotifyUnitOfWork, presented: str) -> ApiKey:
    parsed = parse_key(presented)
    row = await uow.api_keys.get(parsed[0]) if parsed else None
    if parsed is None or row is None or not secret_matches(parsed[1], row.secret_hash):
        raise InvalidApiKey("invalid_api_key")
    if row.revoked_at is not None:
        raise InvalidApiKey("api_key_revoked")
    return ApiKey(row.id, row.name, row.service, row.key_type)


# --- sending ------------------------------------------------------------------------------------------------


def _fingerprint(req: SendRequest, e164: str) -> str:
    what = {
        "template": req.template_id,
        "phone": e164,
        "personalisation": req.personalisation,
        "strip_diacritics": req.strip_diacritics,
        "dossier_code": req.dossier_code,
        "province_code": req.province_code,
    }
    return hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()


async def send_sms(
    uow: NotifyUnitOfWork, key: ApiKey, req: SendRequest, *, price_per_segment_vnd: int
) -> tuple[Any, bool]:
    """(the notification's view, created). Raises UnknownTemplate, PersonalisationProblems, InvalidPhone,
    ReferenceReused. The caller commits."""
    rendered = preview(req.template_id, req.personalisation, strip_diacritics=req.strip_diacritics)
    e164 = normalise(req.phone)
    fingerprint = _fingerprint(req, e164)
    notification_id = str(uuid.uuid4())
    test = key.key_type == "test"
    inserted = await uow.api_notifications.add_once(
        {
            "id": notification_id,
            "service": key.service,
            "key_type": key.key_type,
            "api_key_id": key.id,
            "reference": req.reference,
            "request_hash": fingerprint,
            "template": req.template_id,
            "phone": e164 if test else None,
            "phone_masked": mask(e164),
            "text": rendered.text,
            "encoding": rendered.estimate.encoding,
            "segments": rendered.estimate.segments,
            "price_per_segment_vnd": price_per_segment_vnd,
            "status": "delivered" if test else None,
            "created_at": clock.now(),
        }
    )
    if not inserted:
        first = await uow.api_notifications.by_reference(key.service, key.key_type, req.reference)
        if first.request_hash != fingerprint:
            raise ReferenceReused(req.reference)
        return await uow.api_notifications.view(first.id, key.service), False
    if not test:
        trigger = f"{key.service}:{req.reference}"
        await request_sms(
            uow,
            SmsRequest(
                trigger_event_id=trigger,
                template=req.template_id,
                phone=e164,
                personalisation=req.personalisation,
                dossier_code=req.dossier_code,
                sending_service=key.service,
                origin="request",
                strip_diacritics=True if req.strip_diacritics else None,
                province_code=req.province_code,
            ),
        )
        message_id = await uow.api_notifications.message_id(trigger, req.template_id)
        await uow.api_notifications.set_message(notification_id, message_id)
    log.info(
        "api.sms_accepted",
        notification_id=notification_id,
        service=key.service,
        key_type=key.key_type,
        template=req.template_id,
        phone=mask(e164),
    )
    return await uow.api_notifications.view(notification_id, key.service), True
