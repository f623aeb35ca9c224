"""SMS daily limits and the dates written in SMS texts, pinned around midnight in Hà Nội."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from dvc_contracts import clock
from dvc_notify.domain.limits import next_vn_midnight
from dvc_notify.domain.templates import format_date, format_local_datetime
from dvc_notify.service.sender_types import SystemClock
from dvckit.testing import VN_CLOCK_PINS, Pin


@pytest.mark.parametrize("pin", VN_CLOCK_PINS, ids=str)
def test_daily_quota_day_and_sms_dates_are_vietnamese(pin: Pin) -> None:
    with clock.pinned(pin.at):
        now = SystemClock().now()
        assert now == pin.at
        assert clock.vn_date(now) == pin.vn_day, "the daily quota counts this Vietnamese day"
        midnight = next_vn_midnight(now)
        assert midnight == datetime.combine(pin.vn_day + timedelta(days=1), time(0), clock.VN_TZ)
        assert timedelta(0) < midnight - now <= timedelta(days=1)
        assert format_date(now) == f"{pin.vn_day:%d/%m/%Y}"
        assert format_local_datetime(now).startswith(f"{pin.vn_day:%d/%m/%Y} ")
