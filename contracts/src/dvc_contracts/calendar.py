"""Vietnamese working days for statutory processing times (pure functions and data, no I/O).

Working days are those of state agencies (cán bộ, công chức, viên chức): Monday to Friday, minus public holidays
and the days off the Government announces around them, plus the Saturdays it declares working days in exchange
("làm bù"). Public holidays (Bộ luật Lao động 2019, Điều 112): Tết Dương lịch 1/1; Tết Âm lịch 5 days; Giỗ Tổ
Hùng Vương 10/3 âm lịch; Ngày Chiến thắng 30/4; Quốc tế Lao động 1/5; Quốc khánh 2/9 plus one adjacent day
(1/9 or 3/9, since 2021). A holiday falling on a weekly rest day gives a compensatory day (nghỉ bù) on the next
working day (Điều 111).

Data per year (``HOLIDAYS``, ``MAKEUP_WORKING_DAYS``):

- 2020–2026: the official schedules as announced (Tết and holiday periods, compensatory days, swaps).
- 2027–2030: estimated. The lunar dates (``TET_DATES``, ``HUNG_KINGS_DATES``) are computed astronomically for
  UTC+7 and match the official ones for 2020–2026; Tết is taken as the 5 working days starting two days before
  the lunar new year (this rule reproduces every official schedule 2020–2026); the Quốc khánh adjacent day and
  compensatory days follow the law; no swaps are assumed. Replace a year with the official schedule once
  the Government announces it (usually in the autumn of the year before).
- Any other year: fixed solar holidays only (1/1, 30/4, 1/5, 2/9, with compensatory days); no Tết, no Giỗ Tổ, no
  adjacent Quốc khánh day. Callers should treat such due dates as approximate.

Not included: Ngày Văn hóa Việt Nam 24/11 — the Politburo decided in January 2026 (Nghị quyết 80-NQ/TW) that it
will be a paid day off, but the Labour Code has not been amended yet; add it here when it is.

Counting convention (``add_working_days``): the statutory time counts from the working day after the day the
dossier is received, whatever the time of day; the due date is the N-th such working day. So a dossier received
on Friday with 1 working day is due on Monday; a dossier received on a Saturday with 1 working day is also due on
Monday. Datetimes are converted to Asia/Ho_Chi_Minh (UTC+7, no daylight saving) before taking the date
(``dvc_contracts.clock.vn_date``); a naive datetime is refused (ValueError), since its day cannot be known.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Final

from dvc_contracts.clock import vn_date

OFFICIAL_YEARS: Final = range(2020, 2027)
ESTIMATED_YEARS: Final = range(2027, 2031)

# Mùng 1 Tết (lunar new year) and 10/3 âm lịch (Giỗ Tổ Hùng Vương), Vietnamese lunar calendar (UTC+7).
TET_DATES: Final[dict[int, date]] = {
    2020: date(2020, 1, 25),
    2021: date(2021, 2, 12),
    2022: date(2022, 2, 1),
    2023: date(2023, 1, 22),
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 2),
}
HUNG_KINGS_DATES: Final[dict[int, date]] = {
    2020: date(2020, 4, 2),
    2021: date(2021, 4, 21),
    2022: date(2022, 4, 10),
    2023: date(2023, 4, 29),
    2024: date(2024, 4, 18),
    2025: date(2025, 4, 7),
    2026: date(2026, 4, 26),
    2027: date(2027, 4, 16),
    2028: date(2028, 4, 4),
    2029: date(2029, 4, 23),
    2030: date(2030, 4, 12),
}

# Official days-off periods (first day, last day), inclusive, as announced for civil servants; a period may
# include the weekend days inside it.
_OFFICIAL_PERIODS: Final[tuple[tuple[date, date, str], ...]] = (
    # 2020 (Labour Code 2012: Quốc khánh is one day).
    (date(2020, 1, 1), date(2020, 1, 1), "Tết Dương lịch"),
    (date(2020, 1, 23), date(2020, 1, 29), "Tết Canh Tý"),
    (date(2020, 4, 2), date(2020, 4, 2), "Giỗ Tổ Hùng Vương"),
    (date(2020, 4, 30), date(2020, 5, 1), "30/4 và 1/5"),
    (date(2020, 9, 2), date(2020, 9, 2), "Quốc khánh"),
    # 2021
    (date(2021, 1, 1), date(2021, 1, 1), "Tết Dương lịch"),
    (date(2021, 2, 10), date(2021, 2, 16), "Tết Tân Sửu"),
    (date(2021, 4, 21), date(2021, 4, 21), "Giỗ Tổ Hùng Vương"),
    (date(2021, 4, 30), date(2021, 5, 3), "30/4 và 1/5 (1/5 thứ Bảy, nghỉ bù thứ Hai 3/5)"),
    (date(2021, 9, 2), date(2021, 9, 3), "Quốc khánh"),
    # 2022
    (date(2022, 1, 1), date(2022, 1, 3), "Tết Dương lịch (thứ Bảy, nghỉ bù thứ Hai 3/1)"),
    (date(2022, 1, 29), date(2022, 2, 6), "Tết Nhâm Dần"),
    (date(2022, 4, 10), date(2022, 4, 11), "Giỗ Tổ Hùng Vương (Chủ nhật, nghỉ bù thứ Hai 11/4)"),
    (date(2022, 4, 30), date(2022, 5, 3), "30/4 và 1/5 (cuối tuần, nghỉ bù 2/5 và 3/5)"),
    (date(2022, 9, 1), date(2022, 9, 2), "Quốc khánh"),
    # 2023
    (date(2022, 12, 31), date(2023, 1, 2), "Tết Dương lịch (Chủ nhật, nghỉ bù thứ Hai 2/1)"),
    (date(2023, 1, 20), date(2023, 1, 26), "Tết Quý Mão"),
    (date(2023, 4, 29), date(2023, 5, 3), "Giỗ Tổ Hùng Vương, 30/4 và 1/5 (nghỉ bù 2/5 và 3/5)"),
    (date(2023, 9, 1), date(2023, 9, 4), "Quốc khánh (2/9 thứ Bảy, nghỉ bù thứ Hai 4/9)"),
    # 2024
    (date(2024, 1, 1), date(2024, 1, 1), "Tết Dương lịch"),
    (date(2024, 2, 8), date(2024, 2, 14), "Tết Giáp Thìn"),
    (date(2024, 4, 18), date(2024, 4, 18), "Giỗ Tổ Hùng Vương"),
    (date(2024, 4, 27), date(2024, 5, 1), "30/4 và 1/5 (hoán đổi thứ Hai 29/4, làm bù thứ Bảy 4/5)"),
    (date(2024, 8, 31), date(2024, 9, 3), "Quốc khánh"),
    # 2025
    (date(2025, 1, 1), date(2025, 1, 1), "Tết Dương lịch"),
    (date(2025, 1, 25), date(2025, 2, 2), "Tết Ất Tỵ"),
    (date(2025, 4, 7), date(2025, 4, 7), "Giỗ Tổ Hùng Vương"),
    (date(2025, 4, 30), date(2025, 5, 4), "30/4 và 1/5 (hoán đổi thứ Sáu 2/5, làm bù thứ Bảy 26/4)"),
    (date(2025, 8, 30), date(2025, 9, 2), "Quốc khánh"),
    # 2026
    (date(2026, 1, 1), date(2026, 1, 4), "Tết Dương lịch (hoán đổi thứ Sáu 2/1, làm bù thứ Bảy 10/1)"),
    (date(2026, 2, 14), date(2026, 2, 22), "Tết Bính Ngọ"),
    # Giỗ Tổ 2026 falls on Sunday 26/4: compensatory Monday 27/4 by law (no swap announced).
    (date(2026, 4, 26), date(2026, 4, 27), "Giỗ Tổ Hùng Vương (Chủ nhật, nghỉ bù thứ Hai 27/4)"),
    (date(2026, 4, 30), date(2026, 5, 1), "30/4 và 1/5"),
    (date(2026, 8, 29), date(2026, 9, 2), "Quốc khánh (hoán đổi thứ Hai 31/8, làm bù thứ Bảy 22/8)"),
)

# Saturdays declared working days in exchange for a weekday off (official).
_OFFICIAL_MAKEUP_DAYS: Final[tuple[date, ...]] = (
    date(2024, 5, 4),
    date(2025, 4, 26),
    date(2026, 1, 10),
    date(2026, 8, 22),
)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _is_weekend(d: date) -> bool:
    return d.weekday() >= 5


def _with_compensation(holidays: set[date]) -> set[date]:
    """Add a compensatory day (the next weekday not already off) for every holiday on a Saturday or Sunday."""
    result = set(holidays)
    for day in sorted(holidays):
        if _is_weekend(day):
            nxt = day + timedelta(days=1)
            while _is_weekend(nxt) or nxt in result:
                nxt += timedelta(days=1)
            result.add(nxt)
    return result


def _national_day(year: int) -> set[date]:
    """2/9 and, since 2021, the adjacent day the Government usually picks to join a weekend."""
    national = date(year, 9, 2)
    if year < 2021:
        return {national}
    # Mon → 3/9 (1/9 is a Sunday); Thu → 3/9 (joins Friday to the weekend); Sun → 3/9; otherwise 1/9.
    adjacent = (
        national + timedelta(days=1) if national.weekday() in (0, 3, 6) else national - timedelta(days=1)
    )
    return {national, adjacent}


def estimated_tet_days(year: int) -> list[date]:
    """The 5 Tết working days off by the rule that reproduces the official schedules 2020–2026: consecutive
    weekdays starting two days before mùng 1 Tết."""
    day = TET_DATES[year] - timedelta(days=2)
    days: list[date] = []
    while len(days) < 5:
        if not _is_weekend(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def estimated_holidays(year: int) -> frozenset[date]:
    """The estimated days off of a year whose lunar dates are known (``TET_DATES``), following the law and the
    Government's usual choices; used for ``ESTIMATED_YEARS``."""
    tet = estimated_tet_days(year)
    days = {
        date(year, 1, 1),
        HUNG_KINGS_DATES[year],
        date(year, 4, 30),
        date(year, 5, 1),
        *_national_day(year),
    }
    days = _with_compensation(days)
    days.update(_days(tet[0], tet[-1]))
    return frozenset(days)


def fallback_holidays(year: int) -> frozenset[date]:
    """Fixed solar holidays only, with compensatory days: for years without lunar data."""
    return frozenset(
        _with_compensation({date(year, 1, 1), date(year, 4, 30), date(year, 5, 1), date(year, 9, 2)})
    )


def _build_tables() -> tuple[dict[int, frozenset[date]], dict[int, frozenset[date]]]:
    by_year: dict[int, set[date]] = {year: set() for year in OFFICIAL_YEARS}
    for first, last, _label in _OFFICIAL_PERIODS:
        for day in _days(first, last):
            by_year.setdefault(day.year, set()).add(day)
    holidays = {year: frozenset(days) for year, days in sorted(by_year.items())}
    for year in ESTIMATED_YEARS:
        holidays[year] = estimated_holidays(year)
    makeup: dict[int, frozenset[date]] = {}
    for day in _OFFICIAL_MAKEUP_DAYS:
        makeup[day.year] = makeup.get(day.year, frozenset()) | {day}
    return holidays, makeup


_TABLES: Final = _build_tables()
# Days off per year (holidays, compensatory and swapped days; may include weekend dates).
HOLIDAYS: Final[dict[int, frozenset[date]]] = _TABLES[0]
# Saturdays that are working days per year (official swaps only).
MAKEUP_WORKING_DAYS: Final[dict[int, frozenset[date]]] = _TABLES[1]


@lru_cache(maxsize=256)
def holidays_for_year(year: int) -> frozenset[date]:
    """The days off of ``year``: the table when the year is in it, else the fixed solar holidays."""
    if year in HOLIDAYS:
        return HOLIDAYS[year]
    return fallback_holidays(year)


def is_working_day(d: date) -> bool:
    """True for a working day of state agencies: a weekday that is not a day off, or a declared make-up
    Saturday."""
    if d in MAKEUP_WORKING_DAYS.get(d.year, frozenset()):
        return True
    if _is_weekend(d):
        return False
    return d not in holidays_for_year(d.year)


def next_working_day(d: date) -> date:
    """The first working day strictly after ``d``."""
    day = d + timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_working_days(start: datetime | date, days: int) -> date:
    """The due date of a dossier received at ``start`` with a statutory time of ``days`` working days: the
    ``days``-th working day after the receipt date. ``days == 0`` gives the receipt date itself when it is a
    working day, else the next working day."""
    if days < 0:
        raise ValueError("days must be non-negative")
    return _add_working_days(vn_date(start), days)


@lru_cache(maxsize=65536)
def _add_working_days(day: date, days: int) -> date:
    if days == 0:
        return day if is_working_day(day) else next_working_day(day)
    for _ in range(days):
        day = next_working_day(day)
    return day


def working_days_between(a: date | datetime, b: date | datetime) -> int:
    """The number of working days ``d`` with ``a < d <= b`` (negative when ``b`` is before ``a``), so that
    ``working_days_between(a, add_working_days(a, n)) == n`` for every ``n >= 1``."""
    start, end = vn_date(a), vn_date(b)
    if end < start:
        return -working_days_between(end, start)
    return sum(1 for i in range(1, (end - start).days + 1) if is_working_day(start + timedelta(days=i)))
