"""Vietnamese working days and statutory due dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dvc_contracts.calendar import (
    ESTIMATED_YEARS,
    HOLIDAYS,
    MAKEUP_WORKING_DAYS,
    OFFICIAL_YEARS,
    TET_DATES,
    add_working_days,
    estimated_tet_days,
    fallback_holidays,
    holidays_for_year,
    is_working_day,
    next_working_day,
    working_days_between,
)


def test_national_day_2025() -> None:
    assert not is_working_day(date(2025, 9, 2))
    assert not is_working_day(date(2025, 9, 1))
    assert is_working_day(date(2025, 9, 3))
    assert add_working_days(date(2025, 8, 29), 1) == date(2025, 9, 3)


def test_weekends() -> None:
    assert is_working_day(date(2025, 3, 14))  # Friday
    assert not is_working_day(date(2025, 3, 15))
    assert not is_working_day(date(2025, 3, 16))


def test_friday_plus_one_working_day_is_monday() -> None:
    assert add_working_days(date(2025, 3, 14), 1) == date(2025, 3, 17)
    assert add_working_days(date(2025, 3, 14), 5) == date(2025, 3, 21)


def test_tet_2026_is_skipped() -> None:
    for day in range(14, 23):
        assert not is_working_day(date(2026, 2, day)), day
    assert add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 23)
    assert add_working_days(date(2026, 2, 12), 3) == date(2026, 2, 24)


def test_30_april_and_1_may_are_skipped() -> None:
    # 2025: 30/4 Wed, 1/5 Thu, 2/5 Fri swapped (worked on Saturday 26/4).
    assert add_working_days(date(2025, 4, 29), 1) == date(2025, 5, 5)
    assert is_working_day(date(2025, 4, 26))
    assert add_working_days(date(2025, 4, 25), 1) == date(2025, 4, 26)
    # 2024: Monday 29/4 swapped, worked on Saturday 4/5.
    assert add_working_days(date(2024, 4, 26), 1) == date(2024, 5, 2)
    assert add_working_days(date(2024, 5, 3), 1) == date(2024, 5, 4)
    # 2026: Thursday and Friday.
    assert add_working_days(date(2026, 4, 29), 1) == date(2026, 5, 4)


def test_compensatory_days() -> None:
    assert not is_working_day(date(2026, 4, 27))  # Giỗ Tổ on Sunday 26/4/2026
    assert not is_working_day(date(2022, 1, 3))  # 1/1/2022 was a Saturday
    assert not is_working_day(date(2023, 9, 4))  # 2/9/2023 was a Saturday
    assert not is_working_day(date(2026, 1, 2))  # swapped, worked Saturday 10/1/2026
    assert is_working_day(date(2026, 1, 10))


def test_every_year_gives_the_statutory_number_of_days_off() -> None:
    # 10 public-holiday days a year under the 2012 Labour Code, 11 since 2021; swaps move days, not add them.
    for year in [*OFFICIAL_YEARS, *ESTIMATED_YEARS]:
        weekdays_off = sum(1 for d in HOLIDAYS[year] if d.weekday() < 5)
        expected = 10 if year == 2020 else 11
        assert weekdays_off - len(MAKEUP_WORKING_DAYS.get(year, ())) == expected, year


def test_estimated_tet_rule_reproduces_the_official_schedules() -> None:
    for year in OFFICIAL_YEARS:
        official = sorted(
            d for d in HOLIDAYS[year] if d.weekday() < 5 and abs((d - TET_DATES[year]).days) <= 7
        )
        assert official == estimated_tet_days(year), year
    assert estimated_tet_days(2027) == [date(2027, 2, d) for d in (4, 5, 8, 9, 10)]
    assert not is_working_day(date(2027, 2, 8))


def test_years_outside_the_table_fall_back_to_solar_holidays() -> None:
    assert 2034 not in HOLIDAYS
    days = holidays_for_year(2034)
    assert days == fallback_holidays(2034)
    # 1/1 Sunday → Monday 2/1; 30/4 Sunday and 1/5 Monday → Tuesday 2/5; 2/9 Saturday → Monday 4/9.
    assert {date(2034, 1, 2), date(2034, 5, 2), date(2034, 9, 4)} <= days
    assert not is_working_day(date(2034, 5, 2))
    assert is_working_day(date(2034, 2, 20))  # no Tết data for 2034


def test_datetimes_are_taken_in_vietnam_time() -> None:
    # 20:00 UTC on Friday 14/3 is 03:00 Saturday in Hà Nội; still due on Monday.
    assert add_working_days(datetime(2025, 3, 14, 20, 0, tzinfo=UTC), 1) == date(2025, 3, 17)
    # 18:00 UTC on Thursday 13/3 is already Friday 14/3 in Hà Nội.
    assert add_working_days(datetime(2025, 3, 13, 18, 0, tzinfo=UTC), 1) == date(2025, 3, 17)
    assert add_working_days(datetime(2025, 3, 13, 16, 0, tzinfo=UTC), 1) == date(2025, 3, 14)
    with pytest.raises(ValueError, match="naive"):
        add_working_days(datetime(2025, 3, 13, 23, 0), 1)  # naive: which day is it?
    plus7 = timezone(timedelta(hours=7))
    assert add_working_days(datetime(2025, 3, 14, 23, 59, tzinfo=plus7), 1) == date(2025, 3, 17)


def test_zero_and_negative_days() -> None:
    assert add_working_days(date(2025, 3, 14), 0) == date(2025, 3, 14)
    assert add_working_days(date(2025, 3, 15), 0) == date(2025, 3, 17)
    with pytest.raises(ValueError):
        add_working_days(date(2025, 3, 14), -1)


def test_working_days_between() -> None:
    assert working_days_between(date(2025, 3, 14), date(2025, 3, 17)) == 1
    assert working_days_between(date(2025, 3, 17), date(2025, 3, 14)) == -1
    assert working_days_between(date(2025, 3, 14), date(2025, 3, 14)) == 0
    assert working_days_between(date(2026, 2, 13), date(2026, 2, 23)) == 1
    assert working_days_between(date(2025, 1, 1), date(2025, 12, 31)) == 250
    assert next_working_day(date(2025, 8, 29)) == date(2025, 9, 3)


@given(
    start=st.dates(min_value=date(2019, 1, 1), max_value=date(2032, 12, 31)),
    days=st.integers(min_value=1, max_value=60),
)
def test_add_and_between_are_inverse(start: date, days: int) -> None:
    due = add_working_days(start, days)
    assert is_working_day(due)
    assert due > start
    assert working_days_between(start, due) == days
    assert working_days_between(start, due - timedelta(days=1)) == days - 1
