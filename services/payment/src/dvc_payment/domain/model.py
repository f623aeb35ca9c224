"""Payment intents, provider attempts and refunds: states, allowed transitions and the rules applied when a
provider reports an outcome (by callback or by reconciliation). Pure Python, no I/O.

An intent is ``created`` (from payment-requested, POST /payments or a fine), ``pending`` once the citizen
starts paying with a provider (an *attempt*, one per provider order reference), then ``succeeded``,
``failed`` (the bank declined or the citizen cancelled: they may try again until the intent expires) or
``expired``. A success reported after ``failed`` or ``expired`` is a *late* success, published as its own
correction event (fee-paid with ``late``), and refunded automatically when nothing needs the money any more.
A refund is ``requested`` → ``refunded`` | ``refund_failed``; a fully refunded intent is ``refunded``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from dvc_contracts.clock import VN_TZ


class PaymentStatus(StrEnum):
    CREATED = "created"
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    EXPIRED = "expired"
    REFUNDED = "refunded"


class AttemptStatus(StrEnum):
    OPEN = "open"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class RefundStatus(StrEnum):
    REQUESTED = "requested"
    REFUNDED = "refunded"
    REFUND_FAILED = "refund_failed"


P = PaymentStatus
TRANSITIONS: dict[PaymentStatus, frozenset[PaymentStatus]] = {
    P.CREATED: frozenset({P.PENDING, P.EXPIRED}),
    P.PENDING: frozenset({P.PENDING, P.SUCCEEDED, P.FAILED, P.EXPIRED}),
    P.FAILED: frozenset({P.PENDING, P.SUCCEEDED, P.EXPIRED}),
    P.EXPIRED: frozenset({P.SUCCEEDED}),
    P.SUCCEEDED: frozenset({P.REFUNDED}),
    P.REFUNDED: frozenset(),
}
REFUND_TRANSITIONS: dict[RefundStatus, frozenset[RefundStatus]] = {
    RefundStatus.REQUESTED: frozenset({RefundStatus.REFUNDED, RefundStatus.REFUND_FAILED}),
    RefundStatus.REFUNDED: frozenset(),
    RefundStatus.REFUND_FAILED: frozenset(),
}
# Statuses in which the citizen can still pay (before expires_at), and which the scheduler expires.
PAYABLE = frozenset({P.CREATED, P.PENDING, P.FAILED})


class InvalidTransition(Exception):
    def __init__(self, current: str, target: str) -> None:
        super().__init__(f"payment cannot go from {current} to {target}")
        self.current = current
        self.target = target


def ensure_transition(current: PaymentStatus | str, target: PaymentStatus | str) -> PaymentStatus:
    cur, tgt = PaymentStatus(current), PaymentStatus(target)
    if tgt not in TRANSITIONS[cur]:
        raise InvalidTransition(cur, tgt)
    return tgt


def ensure_refund_transition(current: RefundStatus | str, target: RefundStatus | str) -> RefundStatus:
    cur, tgt = RefundStatus(current), RefundStatus(target)
    if tgt not in REFUND_TRANSITIONS[cur]:
        raise InvalidTransition(cur, tgt)
    return tgt


class PaymentError(Exception):
    """A request the intent's state does not allow; ``code`` is machine-readable, ``message`` Vietnamese."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def check_payable(status: str, expires_at: datetime, now: datetime) -> None:
    """Raise PaymentError unless the citizen may (still) start paying this intent."""
    st = PaymentStatus(status)
    if st in (P.SUCCEEDED, P.REFUNDED):
        raise PaymentError("already_paid", "Khoản thanh toán này đã được thanh toán.")
    if st is P.EXPIRED or now >= expires_at:
        raise PaymentError("expired", "Khoản thanh toán đã hết hạn, vui lòng tạo yêu cầu thanh toán mới.")


def is_due_for_expiry(status: str, expires_at: datetime, now: datetime) -> bool:
    return PaymentStatus(status) in PAYABLE and now >= expires_at


def default_expiry(now: datetime, ttl_minutes: int) -> datetime:
    return now + timedelta(minutes=ttl_minutes)


# --- what a provider's outcome does to an intent -----------------------------------------------------------


@dataclass(frozen=True)
class SuccessOutcome:
    """What to do when a provider reports that an attempt was paid."""

    new_status: PaymentStatus | None  # None: the intent was already paid (this is a second charge)
    late: bool  # succeeded after the intent had failed or expired: a correction event
    publish_fee_paid: bool
    settle_fine: bool
    refund_reason: str | None  # an automatic refund of this attempt, and why


def decide_success(
    status: str, purpose: str, fine_open: bool | None, *, fine_amount_ok: bool = True
) -> SuccessOutcome:
    """``fine_open``: for a fine payment, whether the decision is still unpaid (None if unknown here);
    ``fine_amount_ok``: whether the intent pays that decision in full (its amount was not corrected since).

    - pending → succeeded: fee-paid (and the fine settled).
    - failed → succeeded: fee-paid(late); the dossier still waits for its fee (it has not expired).
    - expired → succeeded: fee-paid(late), then refunded — the dossier gave up on it when it expired —
      unless it is a fine still unpaid, which this money settles.
    - already succeeded or refunded (a second charge, e.g. two attempts both paid): refunded, no fee-paid.
    - a fine already settled by another payment: fee-paid, then refunded.
    - a fine whose decision asks for another amount than this intent paid: not settled; fee-paid, refunded.
    """
    st = PaymentStatus(status)
    if st in (P.SUCCEEDED, P.REFUNDED):
        return SuccessOutcome(None, False, False, False, "duplicate_payment")
    if st is P.CREATED:
        raise InvalidTransition(st, P.SUCCEEDED)
    late = st in (P.FAILED, P.EXPIRED)
    is_fine = purpose == "fine"
    if is_fine and fine_open is False:
        return SuccessOutcome(P.SUCCEEDED, late, True, False, "fine_already_settled")
    if is_fine and fine_open and not fine_amount_ok:
        return SuccessOutcome(P.SUCCEEDED, late, True, False, "fine_amount_mismatch")
    if is_fine and fine_open:
        return SuccessOutcome(P.SUCCEEDED, late, True, True, None)
    if st is P.EXPIRED:
        return SuccessOutcome(P.SUCCEEDED, True, True, False, "payment_expired")
    return SuccessOutcome(P.SUCCEEDED, late, True, False, None)


def decide_failure(status: str, other_open_attempts: bool) -> PaymentStatus | None:
    """A declined or cancelled attempt fails a pending intent, unless another attempt is still open."""
    if PaymentStatus(status) is P.PENDING and not other_open_attempts:
        return P.FAILED
    return None


def refundable(amount_vnd: int, refunded_vnd: int, requested_vnd: int) -> str | None:
    """None if ``requested_vnd`` can be refunded; else a reason code."""
    if requested_vnd <= 0:
        return "invalid_amount"
    if refunded_vnd >= amount_vnd:
        return "already_refunded"
    if requested_vnd > amount_vnd - refunded_vnd:
        return "amount_exceeds_paid"
    return None


# --- presentation helpers (pure) ---------------------------------------------------------------------------

STATUS_TEXT = {
    "created": "Chờ thanh toán",
    "pending": "Đang thanh toán",
    "succeeded": "Đã thanh toán",
    "failed": "Thanh toán không thành công",
    "expired": "Đã hết hạn",
    "refunded": "Đã hoàn tiền",
}


def format_vnd(amount: int) -> str:
    """135000 → '135.000 ₫' (Vietnamese thousands separator)."""
    return f"{amount:,}".replace(",", ".") + " ₫"


def format_vn_time(at: datetime) -> str:
    return at.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y")
