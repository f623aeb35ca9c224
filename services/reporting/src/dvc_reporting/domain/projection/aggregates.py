"""The aggregate tables (name -> key and value columns) and the arithmetic of contributions: a row's
contributions are what it adds to each aggregate row; the store adds ``delta(old, new)``."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any, Final

# Aggregates: name -> (key columns, value columns). The adapters build one table per entry.

# Every key with ``province_code`` (today's unit, one of the 34) ends with ``former_province``: the unit of the 63
# (before 1 July 2025) the row falls in, "" when it cannot be told (a current code used since that day). The
# default view groups by province_code, the "2024" view by former_province (``units.place``).
AGGREGATES: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    # dossiers now, by where they are and their current status (no day: the headline and per-province figures)
    "agg_dossiers": (
        ("province_code", "sector", "agency_code", "channel", "status", "former_province"),
        ("n", "on_time", "late"),
    ),
    # dossiers received per day (by submission day) and finished per day (by finishing day)
    "agg_dossiers_daily": (
        ("day", "province_code", "sector", "channel", "former_province"),
        ("received", "finished", "finished_on_time"),
    ),
    # the same without the province, by sector and agency: the trend of the nation, of a sector or of an agency
    # reads 30 days × a few dozen keys, not 30 × 63 provinces × sectors
    "agg_dossiers_daily_national": (
        ("day", "sector", "agency_code", "channel"),
        ("received", "finished", "finished_on_time"),
    ),
    # online dossiers per procedure: the social-cost saving is n × the procedure's social_saving_vnd
    "agg_online_procedures": (
        ("province_code", "sector", "agency_code", "procedure_code", "former_province"),
        ("n",),
    ),
    # unfinished dossiers by due date: overdue(today) = sum(n) where due_date < today
    "agg_open_due": (("province_code", "due_date", "former_province"), ("n",)),
    # the same by sector, agency and procedure, each dossier counted in three buckets of its due date (its year,
    # its month, its day: ``due_buckets``); overdue(today) sums the buckets of ``overdue_buckets(today)``, which
    # cover every day before today once and read at most (years + 11 + 30) rows per key, not one per due date
    # (the key starts with the buckets, so that its primary key serves the range scans of a province's view)
    "agg_open_due_buckets": (
        ("province_code", "grain", "period", "sector", "agency_code", "procedure_code", "former_province"),
        ("n",),
    ),
    # the same without the province (the views of the nation, a sector, an agency: 63 times fewer rows)
    "agg_open_due_buckets_national": (("grain", "period", "sector", "agency_code", "procedure_code"), ("n",)),
    "agg_payments": (
        ("day", "province_code", "provider", "purpose", "former_province"),
        ("count", "amount_vnd"),
    ),
    "agg_payments_total": (
        ("province_code", "provider", "purpose", "former_province"),
        ("count", "amount_vnd"),
    ),
    "agg_fines": (
        ("day", "province_code", "former_province"),
        ("issued", "issued_vnd", "settled", "settled_online", "paid_vnd"),
    ),
    "agg_fines_total": (
        ("province_code", "former_province"),
        ("issued", "issued_vnd", "settled", "settled_online", "paid_vnd"),
    ),
    "agg_feedback": (("day", "province_code", "former_province"), ("received", "answered", "answered_late")),
    "agg_feedback_total": (("province_code", "former_province"), ("received", "answered", "answered_late")),
    # unanswered feedback by its response deadline: overdue(today) = sum(n) where due_date < today
    "agg_feedback_open_due": (("province_code", "due_date", "former_province"), ("n",)),
    "agg_sms": (
        ("day", "province_code", "provider", "former_province"),
        ("sent", "segments", "delivered", "failed"),
    ),
    "agg_sms_total": (
        ("province_code", "provider", "former_province"),
        ("sent", "segments", "delivered", "failed"),
    ),
}


def due_buckets(due: date) -> tuple[tuple[str, date], ...]:
    """The (grain, period) buckets an unfinished dossier due on ``due`` is counted in."""
    return (("Y", due.replace(month=1, day=1)), ("M", due.replace(day=1)), ("D", due))


def overdue_buckets(today: date) -> tuple[tuple[str, date | None, date], ...]:
    """(grain, from, before): the buckets whose sum is the dossiers due before ``today``, each counted once —
    whole years before this one, whole months of this year before this one, the days of this month before
    today."""
    year, month = today.replace(month=1, day=1), today.replace(day=1)
    return (("Y", None, year), ("M", year, month), ("D", month, today))


AggKey = tuple[str, tuple[Any, ...]]
Contributions = dict[AggKey, dict[str, int]]


def add(c: Contributions, table: str, key: tuple[Any, ...], **values: int) -> None:
    """Add ``values`` to the aggregate row ``key`` of ``table`` in ``c``."""
    slot = c.setdefault((table, key), {})
    for col, v in values.items():
        slot[col] = slot.get(col, 0) + v


def delta(old: Contributions, new: Contributions) -> Contributions:
    """``new - old``, without all-zero entries."""
    out: Contributions = defaultdict(dict)
    for sign, side in ((-1, old), (1, new)):
        for k, vals in side.items():
            slot = out[k]
            for col, v in vals.items():
                slot[col] = slot.get(col, 0) + sign * v
    return {k: v for k, v in out.items() if any(v.values())}


def merge_into(total: Contributions, more: Contributions) -> None:
    for k, vals in more.items():
        slot = total.setdefault(k, {})
        for col, v in vals.items():
            slot[col] = slot.get(col, 0) + v
