"""Saga handlers: each event the sagas consume, and the hooks called at submission and on agency reports."""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any

from dvc_contracts import clock, topics
from dvc_contracts.envelope import CloudEvent
from dvc_contracts.events import (
    AgencyStatusReportedV1,
    DossierStatusChangedV1,
    FeePaidV1,
    FeeRefundedV1,
    FineIssuedV1,
    FineSettledV1,
    PaymentExpiredV1,
    RefundFailedV1,
)
from dvc_dossier.domain import sagas as flows
from dvc_dossier.domain.sagas import LICENCE, VEHICLE, Saga
from dvc_dossier.sagas.runner import run_actions
from dvc_dossier.service.uow import DossierUnitOfWork
from dvckit.messaging.typed import Event

HEALTH_CHECK_PROCEDURE = "YT-KSK-LAI-XE"


async def _advance(
    uow: DossierUnitOfWork, before: Saga, after: Saga, actions: list[Any], cause: str | None
) -> None:
    if after != before:
        await uow.sagas.save(after)
    await run_actions(uow, after, actions, cause)


# --- start ---------------------------------------------------------------------------------------------


async def start(uow: DossierUnitOfWork, dossier: dict[str, Any], snapshot: dict[str, Any]) -> None:
    """Called in the submission's transaction for a procedure that is part of a chained flow."""
    flow = snapshot.get("chained_flow")
    code = dossier["code"]
    if flow == VEHICLE:
        amount = flows.assess_fee(snapshot["fee"], dossier["fields"], dossier["province_code"])
        saga, actions = flows.start_vehicle_registration(code, amount, str(uuid.uuid4()))
        await uow.sagas.add(saga)
        # The dossier row is being written in this very transaction: no need to read it back.
        await run_actions(uow, saga, actions, None, dossier=SimpleNamespace(**dossier))
    elif flow == LICENCE:
        await uow.sagas.lock_licence_checks()
        fee = snapshot.get("fee") or {}
        saga = Saga(
            code,
            LICENCE,
            "checking",
            amount_vnd=int(fee.get("amount_vnd") or 0),
            context={
                "health_check_code": dossier["fields"].get("health_check_code"),
                "holder_id": dossier["owner_sub"],  # the token's subject, never the name typed in the form
                "agency": snapshot["agency_code"],  # the licensing agency the last step waits for
            },
        )
        await uow.sagas.add(saga)
        await _recheck_licence(uow, saga, None)


async def _recheck_licence(uow: DossierUnitOfWork, saga: Saga, cause: str | None) -> None:
    holder = saga.context.get("holder_id")
    health = await uow.sagas.health_record(saga.context.get("health_check_code"), holder)
    unpaid = await uow.sagas.unpaid_fines(holder)
    after, actions = flows.check_licence_prerequisites(saga, health, unpaid, str(uuid.uuid4()))
    if after.state == "blocked" and saga.state == "blocked" and after.blocked_reason == saga.blocked_reason:
        return  # nothing new to tell the citizen
    await uow.sagas.save(after)
    await run_actions(uow, after, actions, cause)


async def recheck_blocked_licences(uow: DossierUnitOfWork, cause: str | None) -> None:
    for saga in await uow.sagas.blocked(LICENCE):
        await _recheck_licence(uow, saga, cause)


# --- payment events ------------------------------------------------------------------------------------


async def on_fee_paid(event: Event[FeePaidV1], uow: DossierUnitOfWork) -> None:
    """A saga's fee was paid: move to the next step (a repeat, a late duplicate or money the payment service
    refunds on its own changes nothing)."""
    paid = event.data
    if paid.purpose != "dossier_fee" or (saga := await uow.sagas.for_payment(paid.payment_id)) is None:
        return
    after, actions = flows.on_fee_paid(saga, paid.payment_id, paid.refund_reason)
    await _advance(uow, saga, after, actions, event.id)


async def on_payment_expired(event: Event[PaymentExpiredV1], uow: DossierUnitOfWork) -> None:
    """Payment expired: the saga is cancelled."""
    expired = event.data
    if (saga := await uow.sagas.for_payment(expired.payment_id)) is None:
        return
    after, actions = flows.on_payment_expired(saga, expired.payment_id)
    await _advance_or_cancel(uow, saga, after, actions, event.id)


async def _advance_or_cancel(
    uow: DossierUnitOfWork, saga: Saga, after: Saga, actions: list[Any], cause: str
) -> None:
    """Advance, and cancel the dossier with a saga this step cancelled."""
    await _advance(uow, saga, after, actions, cause)
    if after.state == "cancelled" and saga.state != "cancelled":
        await _cancel_dossier(uow, saga.dossier_code, cause)


async def _cancel_dossier(uow: DossierUnitOfWork, code: str, cause: str) -> None:
    """The dossier follows its cancelled saga, and says so like any other status change (reporting, feedback
    and the citizen's SMS read dossier-status-changed). Its sequence stays the agency's: the portal's own
    step is ordered after the agency's last report by its time."""
    row = await uow.dossiers.get(code)
    if row is None or row.status == "cancelled":
        return
    await uow.dossiers.set_status(code, "cancelled")
    changed = DossierStatusChangedV1(
        dossier_code=code,
        procedure_code=row.procedure_code,
        procedure_name=row.procedure_name,
        agency_code=row.agency_code,
        province_code=row.province_code,
        sector=row.sector,
        channel=row.channel,
        sequence=max(row.sequence, 0),
        old_status=row.status,
        new_status="cancelled",
        occurred_at=clock.now(),
        due_date=row.due_date,
        note="Quá hạn thanh toán: hồ sơ đã bị hủy.",
        citizen_phone=row.citizen_phone,
    )
    event = uow.new_event(topics.DOSSIER_STATUS_CHANGED, changed, key=code, causationid=cause)
    await uow.publish_events([(topics.DOSSIER_STATUS_CHANGED, event)])


async def on_fee_refunded(event: Event[FeeRefundedV1], uow: DossierUnitOfWork) -> None:
    """The compensation finished (or a late payment after expiry was refunded: read before payment-expired, it
    cancels the saga and its dossier as payment-expired would)."""
    refunded = event.data
    if (saga := await uow.sagas.for_payment(refunded.payment_id)) is None:
        return
    after, actions = flows.on_fee_refunded(saga, refunded.amount_vnd, refunded.reason)
    await _advance_or_cancel(uow, saga, after, actions, event.id)


async def on_refund_failed(event: Event[RefundFailedV1], uow: DossierUnitOfWork) -> None:
    """The compensation could not complete: operators must act."""
    failed = event.data
    if (saga := await uow.sagas.for_payment(failed.payment_id)) is None:
        return
    after, actions = flows.on_refund_failed(saga, failed.reason)
    await _advance(uow, saga, after, actions, event.id)


# --- shared data from other agencies -------------------------------------------------------------------


async def on_fine_issued(event: Event[FineIssuedV1], uow: DossierUnitOfWork) -> None:
    """Traffic police fine decisions: one issued to the applicant's personal identification number
    (``offender_id``) blocks their licence renewal until paid; a decision with a name only blocks nobody."""
    fine = event.data
    await uow.sagas.lock_licence_checks()
    await uow.sagas.record_fine(fine)


async def on_fine_settled(event: Event[FineSettledV1], uow: DossierUnitOfWork) -> None:
    """A fine was paid: blocked licence renewals are checked again."""
    settled = event.data
    await uow.sagas.lock_licence_checks()
    await uow.sagas.settle_fine(settled.decision_no)
    await recheck_blocked_licences(uow, event.id)


async def on_reports_applied(
    uow: DossierUnitOfWork, applied: list[tuple[CloudEvent, AgencyStatusReportedV1]]
) -> None:
    """Hook of the status sync: health-check results feed licence renewals; agencies' results move sagas."""
    health_changed = False
    if any(r.procedure_code == HEALTH_CHECK_PROCEDURE for _, r in applied):
        await uow.sagas.lock_licence_checks()
    for event, report in applied:
        if report.procedure_code == HEALTH_CHECK_PROCEDURE and report.status == "completed" and report.result:
            # the record is the person's who filed the health check on the portal (a counter dossier: nobody's)
            holder = await uow.dossiers.owner(report.dossier_code)
            await uow.sagas.record_health(
                report.result, report.dossier_code, report.agency_code, report.occurred_at, holder
            )
            health_changed = True
        saga = await uow.sagas.for_dossier(report.dossier_code)
        if saga is not None and not saga.finished:
            after, actions = flows.on_agency_report(saga, report.agency_code, report.status, report.result)
            await _advance(uow, saga, after, actions, event.id)
    if health_changed:
        await recheck_blocked_licences(uow, None)
