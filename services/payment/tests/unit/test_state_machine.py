"""The intent's state machine and what a provider's outcome does to it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dvc_payment.domain.model import (
    TRANSITIONS,
    InvalidTransition,
    PaymentError,
    PaymentStatus,
    RefundStatus,
    check_payable,
    decide_failure,
    decide_success,
    ensure_refund_transition,
    ensure_transition,
    format_vnd,
    is_due_for_expiry,
    refundable,
)

P = PaymentStatus
NOW = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)

ALLOWED = {
    (P.CREATED, P.PENDING),
    (P.CREATED, P.EXPIRED),
    (P.PENDING, P.PENDING),
    (P.PENDING, P.SUCCEEDED),
    (P.PENDING, P.FAILED),
    (P.PENDING, P.EXPIRED),
    (P.FAILED, P.PENDING),
    (P.FAILED, P.SUCCEEDED),
    (P.FAILED, P.EXPIRED),
    (P.EXPIRED, P.SUCCEEDED),
    (P.SUCCEEDED, P.REFUNDED),
}


@pytest.mark.parametrize("current", list(P))
@pytest.mark.parametrize("target", list(P))
def test_only_the_documented_transitions_are_allowed(current: P, target: P) -> None:
    if (current, target) in ALLOWED:
        assert ensure_transition(current, target) is target
    else:
        with pytest.raises(InvalidTransition):
            ensure_transition(current, target)


def test_every_status_has_an_entry_and_refunded_is_final() -> None:
    assert set(TRANSITIONS) == set(P)
    assert TRANSITIONS[P.REFUNDED] == frozenset()


def test_refund_states() -> None:
    assert ensure_refund_transition("requested", "refunded") is RefundStatus.REFUNDED
    assert ensure_refund_transition("requested", "refund_failed") is RefundStatus.REFUND_FAILED
    for final in ("refunded", "refund_failed"):
        with pytest.raises(InvalidTransition):
            ensure_refund_transition(final, "refunded")


def test_success_on_a_pending_intent_is_a_plain_fee_paid() -> None:
    d = decide_success("pending", "dossier_fee", None)
    assert (d.new_status, d.late, d.publish_fee_paid, d.settle_fine, d.refund_reason) == (
        P.SUCCEEDED,
        False,
        True,
        False,
        None,
    )


def test_late_success_after_failure_is_kept_the_dossier_still_waits() -> None:
    d = decide_success("failed", "dossier_fee", None)
    assert d.new_status is P.SUCCEEDED and d.late and d.publish_fee_paid and d.refund_reason is None


def test_late_success_after_expiry_is_published_then_refunded() -> None:
    d = decide_success("expired", "dossier_fee", None)
    assert d.new_status is P.SUCCEEDED and d.late and d.publish_fee_paid
    assert d.refund_reason == "payment_expired"


def test_late_fine_payment_still_settles_an_unpaid_fine() -> None:
    d = decide_success("expired", "fine", True)
    assert d.late and d.settle_fine and d.refund_reason is None


def test_a_fine_paid_elsewhere_is_refunded() -> None:
    d = decide_success("pending", "fine", False)
    assert d.publish_fee_paid and not d.settle_fine and d.refund_reason == "fine_already_settled"


@pytest.mark.parametrize("status", ["succeeded", "refunded"])
def test_a_second_charge_is_refunded_without_a_second_fee_paid(status: str) -> None:
    d = decide_success(status, "dossier_fee", None)
    assert d.new_status is None and not d.publish_fee_paid and d.refund_reason == "duplicate_payment"


def test_success_without_a_checkout_is_impossible() -> None:
    with pytest.raises(InvalidTransition):
        decide_success("created", "dossier_fee", None)


def test_failure_fails_a_pending_intent_unless_another_attempt_is_open() -> None:
    assert decide_failure("pending", other_open_attempts=False) is P.FAILED
    assert decide_failure("pending", other_open_attempts=True) is None
    for status in ("succeeded", "expired", "failed", "refunded"):
        assert decide_failure(status, other_open_attempts=False) is None


def test_payable_until_expiry_and_not_once_paid() -> None:
    later = NOW + timedelta(minutes=90)
    for status in ("created", "pending", "failed"):
        check_payable(status, later, NOW)
        assert not is_due_for_expiry(status, later, NOW)
        assert is_due_for_expiry(status, later, later)
    with pytest.raises(PaymentError) as paid:
        check_payable("succeeded", later, NOW)
    assert paid.value.code == "already_paid"
    with pytest.raises(PaymentError) as gone:
        check_payable("pending", NOW, NOW)
    assert gone.value.code == "expired"
    assert not is_due_for_expiry("succeeded", NOW, later)


def test_refundable_amounts() -> None:
    assert refundable(135_000, 0, 135_000) is None
    assert refundable(135_000, 35_000, 100_000) is None
    assert refundable(135_000, 35_000, 100_001) == "amount_exceeds_paid"
    assert refundable(135_000, 135_000, 1) == "already_refunded"
    assert refundable(135_000, 0, 0) == "invalid_amount"


def test_vnd_is_shown_the_vietnamese_way() -> None:
    assert format_vnd(135_000) == "135.000 ₫"
    assert format_vnd(4_000_000) == "4.000.000 ₫"
