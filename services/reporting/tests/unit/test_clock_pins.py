"""Dashboard day buckets and "today" at the hours that matter: the Vietnamese day, year and month."""

from __future__ import annotations

import pytest

from dvc_contracts import clock
from dvc_reporting.domain.projection.aggregates import overdue_buckets
from dvckit.testing import VN_CLOCK_PINS, Pin


@pytest.mark.parametrize("pin", VN_CLOCK_PINS, ids=str)
def test_overdue_buckets_split_at_the_vietnamese_day(pin: Pin) -> None:
    with clock.pinned(pin.at):
        today = clock.vn_today()
        assert today == pin.vn_day
        (y, _, year_start), (m, m_from, month_start), (d, d_from, before) = overdue_buckets(today)
        assert (y, m, d) == ("Y", "M", "D")
        assert year_start == pin.vn_day.replace(month=1, day=1) == m_from
        assert month_start == pin.vn_day.replace(day=1) == d_from
        assert before == pin.vn_day
