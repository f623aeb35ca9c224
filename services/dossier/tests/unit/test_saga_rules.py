"""A saga step that waits for an agency's report moves only on that agency's report: another agency allowed on
the procedure may move the dossier's status, never the saga."""

from __future__ import annotations

from dvc_dossier.domain.sagas import (
    LICENCE,
    POLICE_AGENCY,
    TAX_AGENCY,
    VEHICLE,
    Saga,
    Sms,
    on_agency_report,
    on_fee_paid,
    on_fee_refunded,
    on_payment_expired,
)

LICENSING, PROVINCE_DEPT = "BGTVT-TCDBVN", "SO-GTVT"


def licence(context: dict[str, str] | None = None) -> Saga:
    return Saga("01-261207-LIC001", LICENCE, "awaiting_agency", payment_id="p-1", amount_vnd=135_000,
                context={"agency": LICENSING} if context is None else context)  # fmt: skip


def test_the_licence_step_waits_for_the_licensing_agency_only() -> None:
    for status in ("completed", "rejected"):
        after, actions = on_agency_report(licence(), PROVINCE_DEPT, status, "GPLX-123")
        assert (after, actions) == (licence(), []), f"another allowed agency's {status!r} moved the saga"
    done, actions = on_agency_report(licence(), LICENSING, "completed", "GPLX-123")
    assert done.state == "completed" and done.context["result"] == "GPLX-123" and actions
    refunding, _ = on_agency_report(licence(), LICENSING, "rejected", None)
    assert refunding.state == "compensating"


def test_a_licence_saga_without_a_recorded_agency_waits_for_nobody() -> None:
    legacy = licence(context={})
    assert on_agency_report(legacy, LICENSING, "completed", "x") == (legacy, [])


def test_the_plate_step_waits_for_the_police_only() -> None:
    saga = Saga("01-261207-VEH001", VEHICLE, "awaiting_police", payment_id="p-2", amount_vnd=1)
    assert on_agency_report(saga, TAX_AGENCY, "completed", "30A-000.00") == (saga, [])
    assert on_agency_report(saga, POLICE_AGENCY, "completed", "30A-000.00")[0].state == "completed"


def awaiting_payment(flow: str) -> Saga:
    return Saga("01-261207-PAY001", flow, "awaiting_payment", payment_id="p-9", amount_vnd=135_000)


def test_money_the_payment_service_refunds_does_not_pay_the_saga_whichever_event_is_read_first() -> None:
    """Paid after the intent expired: fee-paid (refund_reason set) and payment-expired are published together
    on two topics. Read fee-paid first, the saga still waits; payment-expired then cancels it — the same end as
    when payment-expired is read first and the late fee-paid finds the saga cancelled."""
    for flow in (VEHICLE, LICENCE):
        saga = awaiting_payment(flow)
        unchanged, actions = on_fee_paid(saga, "p-9", "payment_expired")
        assert (unchanged, actions) == (saga, [])
        cancelled, _ = on_payment_expired(unchanged, "p-9")
        assert cancelled.state == "cancelled"
        expired_first, _ = on_payment_expired(saga, "p-9")
        assert on_fee_paid(expired_first, "p-9", "payment_expired")[0].state == "cancelled"


def test_a_late_success_that_counts_still_pays_the_saga() -> None:
    """A success after a failed attempt (late, not refunded) is the citizen's fee: the saga moves on."""
    vehicle, actions = on_fee_paid(awaiting_payment(VEHICLE), "p-9")
    assert vehicle.state == "awaiting_police" and actions
    assert on_fee_paid(awaiting_payment(LICENCE), "p-9", None)[0].state == "awaiting_agency"


def test_the_late_payments_refund_read_before_payment_expired_cancels_and_tells_the_citizen() -> None:
    """fee-refunded (reason payment_expired) is on a third topic: read before payment-expired, it cancels the
    saga and sends the refund SMS — the state and messages it ends with when the events come in order (the
    storm lost 15 refund SMS of 812 late payers this way)."""
    saga = awaiting_payment(VEHICLE)
    early, actions = on_fee_refunded(saga, 135_000, "payment_expired")
    in_order, _ = on_payment_expired(saga, "p-9")
    in_order, in_order_actions = on_fee_refunded(in_order, 135_000, "payment_expired")
    assert early == in_order and early.state == "cancelled" and early.context["late_refund"] is True
    assert [a for a in actions if isinstance(a, Sms)] == [a for a in in_order_actions if isinstance(a, Sms)]
    assert [a.template for a in actions if isinstance(a, Sms)] == ["fee-refunded"]
    assert on_payment_expired(early, "p-9") == (early, []), "payment-expired read later changes nothing"
    assert on_fee_refunded(early, 135_000, "payment_expired") == (early, []), "nor a redelivered refund"


def test_a_refund_for_another_reason_does_not_cancel_a_saga_waiting_for_payment() -> None:
    saga = awaiting_payment(LICENCE)
    assert on_fee_refunded(saga, 135_000, "duplicate_payment") == (saga, [])
    assert on_fee_refunded(saga, 135_000) == (saga, [])
