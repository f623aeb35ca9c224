"""Traffic fines: decisions from the police (fine-issued), the citizen's three-factor lookup, paying one
(an intent with the early-payment discount applied by rule), and fine-settled when the money arrives."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from dvc_contracts import clock
from dvc_contracts.events import FineIssuedV1
from dvc_payment.adapters.providers.base import Provider
from dvc_payment.domain.fines import (
    FineQuote,
    FineRejected,
    agency_from_source,
    check_fine,
    intent_settles,
    name_key,
    names_match,
    record_key,
)
from dvc_payment.domain.model import PaymentError, PaymentStatus, default_expiry
from dvc_payment.metrics import FINES
from dvc_payment.service.checkout import CheckoutResult, start_checkout
from dvc_payment.service.common import Policy, UowFactory, Urls, log, new_payment_id
from dvc_payment.service.intents import NewPayment, intent_values, record_created
from dvc_payment.service.uow import PaymentUnitOfWork
from dvckit.messaging.consumer import Rejected
from dvckit.messaging.typed import Event

_COMPARED = (
    "record_no",
    "violation_date",
    "offender_name",
    "plate",
    "amount",
    "issuing_unit",
    "province_code",
    "decided_at",
)


async def on_fine_issued(event: Event[FineIssuedV1], uow: PaymentUnitOfWork) -> None:
    """Store (or correct, while unpaid) a decision. Bad records are rejected to the dead-letter topic."""
    data = event.data
    now = clock.now()
    try:
        check_fine(
            record_no=data.record_no,
            offender_name=data.offender_name,
            amount=data.amount,
            violation_date=data.violation_date,
            decided_at=data.decided_at,
            now=now,
        )
    except FineRejected as exc:
        raise Rejected(exc.reason, exc.message) from exc
    values: dict[str, Any] = {
        "record_no": data.record_no.strip(),
        "record_key": record_key(data.record_no),
        "violation_date": data.violation_date,
        "offender_name": " ".join(data.offender_name.split()),
        "name_key": name_key(data.offender_name),
        "plate": data.plate,
        "amount": data.amount,
        "issuing_unit": data.issuing_unit,
        "agency_code": agency_from_source(event.source),
        "province_code": data.province_code,
        "decided_at": data.decided_at,
        "issued_event_id": event.id,
        "updated_at": now,
    }
    existing = await uow.fines.get(data.decision_no, for_update=True)
    if existing is None:
        await uow.fines.add(values | {"decision_no": data.decision_no, "status": "unpaid"})
        await uow.fines.add_history(data.decision_no, action="issued", at=now, event_id=event.id)
        uow.after_commit(lambda: FINES.labels("issued").inc())
        log.info("fine.issued", decision_no=data.decision_no, province=data.province_code, amount=data.amount)
        return
    changed = [f for f in _COMPARED if getattr(existing, f) != values[f]]
    if not changed:
        log.info("fine.issue_repeated", decision_no=data.decision_no)
        return
    if existing.status == "settled":
        raise Rejected(
            "fine_already_settled",
            f"decision_no {data.decision_no} is already paid; a correction ({', '.join(changed)}) cannot apply",
        )
    await uow.fines.update(data.decision_no, **values)
    await uow.fines.add_history(
        data.decision_no, action="corrected", at=now, event_id=event.id, note=f"changed: {', '.join(changed)}"
    )
    uow.after_commit(lambda: FINES.labels("corrected").inc())
    log.info("fine.corrected", decision_no=data.decision_no, changed=changed)


@dataclass(frozen=True)
class FineView:
    fine: Any
    quote: FineQuote
    state: str  # unpaid | payment_pending | settled
    payment: Any  # the open or settling intent, if any


async def _match(uow: PaymentUnitOfWork, record_no: str, violation_date: date, name: str) -> Any:
    """The decision matching all three factors, or None. Never returns one whose name does not match."""
    for row in await uow.fines.candidates(record_key(record_no), violation_date):
        if names_match(name, row.offender_name):
            return row
    return None


async def lookup_fine(
    uow: PaymentUnitOfWork, *, record_no: str, violation_date: date, name: str, policy: Policy, now: datetime
) -> FineView | None:
    fine = await _match(uow, record_no, violation_date, name)
    if fine is None:
        return None
    if fine.status == "settled":
        p = await uow.payments.get(fine.payment_id) if fine.payment_id else None
        discount = int(fine.discount_vnd or 0)
        quote = FineQuote(fine.amount, discount, 0, 0, policy.discount.until(fine.decided_at))
        return FineView(fine, quote, "settled", p)
    p = await _open_intent(uow, fine, policy, now)
    if p is not None:  # the amount quoted when the intent was made holds until it expires
        quote = FineQuote(
            fine.amount,
            p.discount_vnd,
            p.amount_vnd,
            round(100 * p.discount_vnd / fine.amount) if p.discount_vnd else 0,
            policy.discount.until(fine.decided_at),
        )
        return FineView(
            fine, quote, "payment_pending" if p.status == PaymentStatus.PENDING.value else "unpaid", p
        )
    return FineView(fine, policy.discount.quote(fine.amount, fine.decided_at, now), "unpaid", None)


async def pay_fine(
    uow_factory: UowFactory,
    providers: dict[str, Provider],
    *,
    decision_no: str,
    record_no: str,
    violation_date: date,
    name: str,
    provider: str,
    phone: str | None,
    urls: Urls,
    client_ip: str,
    policy: Policy,
) -> tuple[CheckoutResult, FineQuote]:
    """Three-factor check again, then the open intent for the fine (or a new one at today's amount due)."""
    if provider not in providers:
        raise PaymentError("unknown_provider", f"Không hỗ trợ kênh thanh toán '{provider}'.")
    now = clock.now()
    async with uow_factory() as uow:
        fine = await uow.fines.get(decision_no, for_update=True)
        if (
            fine is None
            or fine.record_key != record_key(record_no)
            or fine.violation_date != violation_date
            or not names_match(name, fine.offender_name)
        ):
            raise PaymentError("not_found", "Không tìm thấy quyết định xử phạt khớp với thông tin đã nhập.")
        if fine.status == "settled":
            raise PaymentError("already_paid", "Quyết định xử phạt này đã được nộp phạt, không cần nộp lại.")
        payment_id, quote = await _intent_for(
            uow, fine, provider=provider, phone=phone, policy=policy, now=now
        )
        await uow.commit()
    result = await start_checkout(
        uow_factory, providers, payment_id, provider, urls=urls, client_ip=client_ip, policy=policy
    )
    return result, quote


async def _open_intent(uow: PaymentUnitOfWork, fine: Any, policy: Policy, now: datetime) -> Any:
    """The fine's open intent, if it still pays the decision in full (not one made before the amount was
    corrected)."""
    p = await uow.payments.open_for_fine(fine.decision_no, now)
    if p is None or not intent_settles(
        policy.discount, fine.amount, fine.decided_at,
        amount_vnd=p.amount_vnd, discount_vnd=p.discount_vnd, quoted_at=p.created_at,
    ):  # fmt: skip
        return None
    return p


async def _intent_for(
    uow: PaymentUnitOfWork, fine: Any, *, provider: str, phone: str | None, policy: Policy, now: datetime
) -> tuple[str, FineQuote]:
    """The fine's open intent (see _open_intent), else a new intent for what is due today."""
    if (p := await _open_intent(uow, fine, policy, now)) is not None:
        return p.id, FineQuote(
            fine.amount, p.discount_vnd, p.amount_vnd, 0, policy.discount.until(fine.decided_at)
        )
    quote = policy.discount.quote(fine.amount, fine.decided_at, now)
    payment_id = new_payment_id()
    req = NewPayment(
        purpose="fine",
        amount_vnd=quote.amount_due,
        discount_vnd=quote.discount_vnd,
        description=f"Nộp phạt vi phạm hành chính giao thông, QĐ {fine.decision_no}",
        decision_no=fine.decision_no,
        province_code=fine.province_code,
        payer_name=fine.offender_name,
        citizen_phone=phone,
        provider=provider,
    )
    values = intent_values(
        payment_id, req, source="fine", now=now, expires_at=default_expiry(now, policy.ttl_minutes)
    )
    await uow.payments.add_once(values)
    await record_created(uow, payment_id, "citizen:fine", now, None)
    log.info(
        "fine.payment_created", decision_no=fine.decision_no, payment_id=payment_id, amount=quote.amount_due
    )
    return payment_id, quote
