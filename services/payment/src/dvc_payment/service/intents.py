"""Payment intents: created from payment-requested (the requester's ``payment_id`` is the idempotency key) or
over HTTP (``Idempotency-Key``), a fine's asking exactly what is due now; and expiring one."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from dvc_contracts import clock, phone
from dvc_contracts.events import PaymentRequestedV1
from dvc_payment.domain.fines import FineQuote, check_amount_due
from dvc_payment.domain.model import PaymentError, PaymentStatus, default_expiry
from dvc_payment.metrics import PAYMENTS
from dvc_payment.service.arrivals import IntentArrivals
from dvc_payment.service.common import Policy, log, new_payment_id, publish_payment_expired, transition
from dvc_payment.service.uow import PaymentUnitOfWork
from dvckit.messaging.consumer import Rejected
from dvckit.messaging.typed import Event

# --- creating intents --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewPayment:
    purpose: str
    amount_vnd: int
    description: str
    dossier_code: str | None = None
    decision_no: str | None = None
    procedure_code: str | None = None
    province_code: str | None = None
    payer_name: str | None = None
    citizen_phone: str | None = None
    provider: str | None = None
    discount_vnd: int = 0
    owner_sub: str | None = None  # the citizen who may pay it with their own login

    def canonical_hash(self) -> str:
        return hashlib.sha256(
            json.dumps(self.__dict__, sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()


def intent_values(
    payment_id: str, req: NewPayment, *, source: str, now: datetime, expires_at: datetime
) -> dict[str, Any]:
    return {
        "id": payment_id,
        "purpose": req.purpose,
        "dossier_code": req.dossier_code,
        "decision_no": req.decision_no,
        "procedure_code": req.procedure_code,
        "province_code": req.province_code,
        "amount_vnd": req.amount_vnd,
        "discount_vnd": req.discount_vnd,
        "description": req.description,
        "payer_name": req.payer_name,
        "owner_sub": req.owner_sub,
        "citizen_phone": req.citizen_phone,
        "preferred_provider": req.provider,
        "status": PaymentStatus.CREATED.value,
        "late": False,
        "refunded_vnd": 0,
        "source": source,
        "created_at": now,
        "updated_at": now,
        "expires_at": expires_at,
    }


async def record_created(
    uow: PaymentUnitOfWork, payment_id: str, actor: str, now: datetime, event_id: str | None
) -> None:
    await uow.payments.add_history(
        payment_id,
        action="created",
        to_status=PaymentStatus.CREATED.value,
        at=now,
        actor=actor,
        event_id=event_id,
    )
    uow.after_commit(lambda: PAYMENTS.labels("none", "created").inc())


async def on_payment_requested(
    event: Event[PaymentRequestedV1],
    uow: PaymentUnitOfWork,
    *,
    policy: Policy,
    arrivals: IntentArrivals | None = None,
) -> None:
    """Create the intent; ``payment_id`` is the requester's idempotency key (a repeat is a no-op).
    ``arrivals``: checkouts of this instance waiting for the intent are woken once it is committed."""
    data = event.data
    if data.amount_vnd <= 0:
        raise Rejected(
            "invalid_payload", "amount_vnd: must be greater than 0 (free procedures need no payment)"
        )
    if await uow.payments.get(data.payment_id) is not None:
        await _request_repeated(uow, data)
        return
    now = clock.now()
    req = NewPayment(
        purpose=data.purpose,
        amount_vnd=data.amount_vnd,
        description=data.description,
        dossier_code=data.dossier_code,
        decision_no=data.decision_no,
        procedure_code=data.procedure_code,
        province_code=data.province_code,
        payer_name=data.payer_name,
        citizen_phone=data.citizen_phone,
        provider=data.provider,
        owner_sub=data.payer_sub,
    )
    if req.purpose == "fine":
        try:
            quote = await fine_due(uow, req.decision_no, req.amount_vnd, policy=policy, now=now)
        except PaymentError as exc:
            raise Rejected(exc.code, exc.message) from exc
        req = replace(req, discount_vnd=quote.discount_vnd)
    expires_at = data.expires_at or default_expiry(now, policy.ttl_minutes)
    values = intent_values(data.payment_id, req, source="event", now=now, expires_at=expires_at)
    values["request_event_id"] = event.id
    if await uow.payments.add_once(values):
        await record_created(uow, data.payment_id, "event:payment-requested", now, event.id)
        if arrivals is not None:
            payment_id = data.payment_id
            uow.after_commit(lambda: arrivals.arrived(payment_id))
        log.info(
            "payment.created",
            payment_id=data.payment_id,
            dossier_code=data.dossier_code,
            amount_vnd=data.amount_vnd,
            phone=phone.mask(data.citizen_phone),
        )
        return
    await _request_repeated(uow, data)


async def _request_repeated(uow: PaymentUnitOfWork, data: PaymentRequestedV1) -> None:
    """A payment-requested whose payment_id exists: a no-op, or a conflict if it asks for something else."""
    existing = await uow.payments.get(data.payment_id)
    if existing is not None and (existing.amount_vnd, existing.purpose) != (data.amount_vnd, data.purpose):
        raise Rejected(
            "payment_id_conflict",
            f"payment_id {data.payment_id} already exists with another amount or purpose",
        )
    log.info("payment.request_repeated", payment_id=data.payment_id)


async def fine_due(
    uow: PaymentUnitOfWork, decision_no: str | None, amount_vnd: int, *, policy: Policy, now: datetime
) -> FineQuote:
    """A new intent for a fine asks exactly what is due now (the early-payment discount applied by rule), for
    a decision the police sent and nobody paid yet; PaymentError otherwise."""
    fine = await uow.fines.get(decision_no) if decision_no else None
    if fine is None:
        raise PaymentError(
            "unknown_decision", "Không tìm thấy quyết định xử phạt (decision_no) cần nộp phạt."
        )
    if fine.status == "settled":
        raise PaymentError("already_paid", "Quyết định xử phạt này đã được nộp phạt, không cần nộp lại.")
    quote = policy.discount.quote(fine.amount, fine.decided_at, now)
    check_amount_due(quote, amount_vnd, fine.decision_no)
    return quote


async def create_payment(
    uow: PaymentUnitOfWork,
    *,
    caller: str,
    idempotency_key: str,
    req: NewPayment,
    policy: Policy,
    now: datetime,
    agency_code: str | None = None,
) -> tuple[Any, bool]:
    """POST /payments: same key + same body → the same intent; same key + another body → PaymentError.
    A fine's intent must ask exactly what is due now (PaymentError amount_mismatch). ``agency_code``: the
    creating agency's (its webhooks hear about the intent)."""
    key = f"{caller}:{idempotency_key}"
    digest = req.canonical_hash()
    if (existing := await uow.payments.get_by_idempotency_key(key)) is not None:
        return _replayed(existing, digest), False
    if req.purpose == "fine":
        quote = await fine_due(uow, req.decision_no, req.amount_vnd, policy=policy, now=now)
        req = replace(req, discount_vnd=quote.discount_vnd)
    payment_id = new_payment_id()
    values = intent_values(
        payment_id, req, source="http", now=now, expires_at=default_expiry(now, policy.ttl_minutes)
    ) | {"idempotency_key": key, "request_hash": digest, "agency_code": agency_code}
    if await uow.payments.add_once(values):
        await record_created(uow, payment_id, f"http:{caller}", now, None)
        return await uow.payments.get(payment_id), True
    existing = await uow.payments.get_by_idempotency_key(key)  # the same key, created meanwhile
    if existing is None:  # pragma: no cover - a random id collision
        raise PaymentError("conflict", "Vui lòng thử lại.")
    return _replayed(existing, digest), False


def _replayed(existing: Any, digest: str) -> Any:
    if existing.request_hash != digest:
        raise PaymentError(
            "idempotency_conflict",
            "Idempotency-Key này đã được dùng cho một yêu cầu thanh toán khác.",
        )
    return existing


# --- expiring one ------------------------------------------------------------------------------------------


async def expire_intent(uow: PaymentUnitOfWork, p: Any, *, now: datetime, actor: str) -> Any:
    """Expire an intent (payment-expired published with it); returns the intent as it now is."""
    event_id = await publish_payment_expired(uow, p, at=now)
    await transition(uow, p, PaymentStatus.EXPIRED, action="expired", actor=actor, now=now, event_id=event_id)
    log.info("payment.expired", payment_id=p.id, dossier_code=p.dossier_code, actor=actor)
    return await uow.payments.get(p.id)
