"""Runs saga actions inside the caller's unit of work: events through the outbox, steps on the dossier page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from dvc_contracts import clock, topics
from dvc_contracts.envelope import CloudEvent
from dvc_contracts.events import DossierForwardedV1, PaymentRequestedV1, RefundRequestedV1, SmsRequestedV1
from dvc_dossier.adapters.repository import history_row
from dvc_dossier.domain.sagas import Action, Forward, Note, RequestPayment, RequestRefund, Saga, Sms
from dvc_dossier.service.uow import DossierUnitOfWork
from dvckit.logging import get_logger

log = get_logger("dvc_dossier.sagas")


async def run_actions(
    uow: DossierUnitOfWork,
    saga: Saga,
    actions: list[Action],
    cause: str | None,
    dossier: Any = None,
) -> None:
    """Perform ``actions`` in order. Their history rows and events are written at the end, one statement
    each (a fee payment is two steps, two SMS and a forward: 2 statements instead of 5).
    ``dossier``: the dossier row when the caller has it (at submission), else it is read."""
    if not actions:
        return
    if dossier is None:
        dossier = await uow.dossiers.get(saga.dossier_code)
    now = clock.now()
    writes = _Writes()
    for action in actions:
        await _run(uow, saga, dossier, action, now, cause, writes)
    await uow.dossiers.add_history_rows(writes.history)
    if writes.events:
        await uow.publish_events(writes.events)
    log.info(
        "saga.advanced",
        dossier_code=saga.dossier_code,
        flow=saga.flow,
        state=saga.state,
        actions=len(actions),
    )


@dataclass
class _Writes:
    history: list[dict[str, Any]] = field(default_factory=list)
    events: list[tuple[str, CloudEvent]] = field(default_factory=list)

    def publish(self, uow: DossierUnitOfWork, topic: str, data: Any, key: str, cause: str | None) -> None:
        self.events.append((topic, uow.new_event(topic, data, key=key, causationid=cause)))


async def _run(
    uow: DossierUnitOfWork,
    saga: Saga,
    dossier: Any,
    action: Action,
    now: datetime,
    cause: str | None,
    writes: _Writes,
) -> None:
    code = saga.dossier_code
    match action:
        case Note(kind=kind, status=status, text=text):
            writes.history.append(
                history_row(
                    code,
                    kind=kind,
                    status=status,
                    occurred_at=now,
                    recorded_at=now,
                    actor="portal",
                    event_id=cause,
                    note=text,
                    applied=False,
                )
            )
        case RequestPayment(payment_id=pid, amount_vnd=amount, description=desc):
            # No phone on the payment: the saga tells the citizen itself (one SMS per step, not two).
            request = PaymentRequestedV1(
                payment_id=pid,
                purpose="dossier_fee",
                dossier_code=code,
                procedure_code=dossier.procedure_code,
                province_code=dossier.province_code,
                amount_vnd=amount,
                description=desc,
                payer_name=dossier.applicant_name,
                payer_sub=dossier.owner_sub,  # the citizen who filed it pays with their own login
                requested_at=now,
                expires_at=now + timedelta(seconds=uow.payment_expiry_seconds),
            )
            writes.publish(uow, topics.PAYMENT_REQUESTED, request, pid, cause)
        case RequestRefund(refund_id=rid, payment_id=pid, amount_vnd=amount, reason=reason):
            refund = RefundRequestedV1(
                refund_id=rid,
                payment_id=pid,
                dossier_code=code,
                amount_vnd=amount,
                reason=reason,
                requested_at=now,
            )
            writes.publish(uow, topics.REFUND_REQUESTED, refund, pid, cause)
        case Forward(from_agency=src, to_agency=dst, to_agency_name=name):
            await uow.dossiers.forward(code, dst, now)
            forwarded = DossierForwardedV1(
                dossier_code=code,
                procedure_code=dossier.procedure_code,
                procedure_name=dossier.procedure_name,
                province_code=dossier.province_code,
                from_agency_code=src,
                to_agency_code=dst,
                to_agency_name=name,
                forwarded_at=now,
                due_date=dossier.due_date,
            )
            writes.publish(uow, topics.DOSSIER_FORWARDED, forwarded, code, cause)
        case Sms(template=template, personalisation=values):
            if not dossier.citizen_phone:
                return
            sms = SmsRequestedV1(
                request_id=f"{code}:{template}:{saga.state}",
                phone=dossier.citizen_phone,
                template=template,
                personalisation=values,
                dossier_code=code,
                sending_service="dossier",
                province_code=dossier.province_code,
            )
            writes.publish(uow, topics.SMS_REQUESTED, sms, code, cause)
