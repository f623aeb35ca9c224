"""The 90-minute payment expiry and the early-payment fine discount, pinned around midnight in Hà Nội."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dvc_contracts import clock
from dvc_payment.domain.fines import DiscountRule
from dvc_payment.domain.model import PaymentError, check_payable, default_expiry, format_vn_time
from dvckit.testing import VN_CLOCK_PINS, Pin


@pytest.mark.parametrize("pin", VN_CLOCK_PINS, ids=str)
def test_payment_expires_ninety_minutes_later_whatever_the_day(pin: Pin) -> None:
    with clock.pinned(pin.at) as c:
        expires = default_expiry(clock.now(), 90)
        check_payable("pending", expires, clock.now())
        c.advance(minutes=89, seconds=59)
        check_payable("pending", expires, clock.now())
        c.advance(seconds=1)
        with pytest.raises(PaymentError, match="hết hạn"):
            check_payable("pending", expires, clock.now())
        assert format_vn_time(expires) == (pin.at + timedelta(minutes=90)).astimezone(clock.VN_TZ).strftime(
            "%H:%M %d/%m/%Y"
        )


@pytest.mark.parametrize("pin", VN_CLOCK_PINS, ids=str)
def test_fine_discount_window_counts_vietnamese_days(pin: Pin) -> None:
    """Decided 15 days before the pinned instant (in Hà Nội's calendar): the discount still applies all of the
    15th day and ends when that day ends in Viet Nam, not in UTC."""
    rule = DiscountRule(percent=10, days=15)
    with clock.pinned(pin.at) as c:
        decided = pin.at - timedelta(days=15)
        assert rule.until(decided) == pin.vn_day
        assert rule.quote(1_000_000, decided, clock.now()).discount_vnd == 100_000
        end_of_day = (clock.vn_now() + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        c.set(end_of_day - timedelta(seconds=1))
        assert rule.quote(1_000_000, decided, clock.now()).discount_vnd == 100_000
        c.set(end_of_day)
        assert rule.quote(1_000_000, decided, clock.now()).discount_vnd == 0
