"""The per-province table of the dashboard: one row per province of the view's edition (today's 34, or the 63
of before 1 July 2025 plus one row for what happened since in units that cannot be split), busiest first.

The 2024 view groups the same aggregate rows by ``former_province`` instead of ``province_code``: every row
counts in exactly one province of either view, so both tables add up to the same totals."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, and_, case, func, select, true

from dvc_contracts import units
from dvc_reporting.adapters.orm import (
    agg_dossiers,
    agg_feedback,
    agg_feedback_total,
    agg_payments,
    agg_payments_total,
    dossiers,
)
from dvc_reporting.domain.reference import FINISHED, province_name

if TYPE_CHECKING:
    from dvc_reporting.adapters.queries.filters import Filters
    from dvc_reporting.adapters.queries.report import ReportQueries

SINCE_REFORM = ""  # the 2024 view's key for rows of a current unit used since 1 July 2025
SINCE_REFORM_NAME = "Phát sinh từ 01/07/2025 tại tỉnh, thành phố mới (không tách được theo tỉnh cũ)"


def _int(v: Any) -> int:
    return int(v or 0)


def _rate(on_time: int, late: int) -> float | None:
    return round(on_time / (on_time + late), 4) if on_time + late else None


def view_codes(f: Filters) -> list[str]:
    """The provinces the table lists: the view's edition, within the filter."""
    if f.units == "2025":
        return [u.code for u in units.CURRENT] if f.province is None else [f.province]
    codes = [u.code for u in units.FORMER if f.province in (None, u.now) and f.former in (None, u.code)]
    return codes if f.former is not None else [*codes, SINCE_REFORM]


def _place_key(place: str | None, province: str | None) -> str | None:
    """A row's key in the view: its province in the view's edition; in the 2024 view a row with no former
    province is the "since 1 July 2025" row when its current province is known (else it has no province)."""
    if place:
        return place
    return SINCE_REFORM if province in units.CURRENT_CODES else None


def _sum_by_place(result: Any) -> dict[str, tuple[int, ...]]:
    """(place, province, figures…) rows → figures per key (the dossiers table keeps NULL, aggregates "")."""
    out: dict[str, tuple[int, ...]] = {}
    for place, province, *values in result:
        key = _place_key(place, province)
        if key is not None:
            old = out.get(key, (0,) * len(values))
            out[key] = tuple(a + _int(b) for a, b in zip(old, values, strict=True))
    return out


async def _dossier_rows(q: ReportQueries, f: Filters) -> dict[str, tuple[int, ...]]:
    finished = tuple(sorted(FINISHED))
    if f.dated:
        d = dossiers
        cols = (d.c[f.place_column], d.c.province_code)
        query = select(
            *cols,
            func.count(),
            func.sum(case((d.c.channel == "online", 1), else_=0)),
            func.sum(case((d.c.status.in_(finished), 1), else_=0)),
            func.sum(case((d.c.on_time.is_(True), 1), else_=0)),
            func.sum(case((d.c.on_time.is_(False), 1), else_=0)),
        ).where(q._dossier_where(f))
    else:
        a = agg_dossiers
        cols = (a.c[f.place_column], a.c.province_code)
        query = select(
            *cols,
            func.sum(a.c.n),
            func.sum(case((a.c.channel == "online", a.c.n), else_=0)),
            func.sum(case((a.c.status.in_(finished), a.c.n), else_=0)),
            func.sum(a.c.on_time),
            func.sum(a.c.late),
        ).where(and_(true(), *q._dims(a, f)))
    return _sum_by_place((await q.conn.execute(query.group_by(*cols))).all())


async def _side_sums(
    q: ReportQueries, f: Filters, daily: Table, total: Table, *cols: str
) -> dict[str, tuple[int, ...]]:
    side = f.side()
    t = daily if f.dated else total
    keys = (t.c[f.place_column], t.c.province_code)
    query = (
        select(*keys, *(func.sum(t.c[c]) for c in cols))
        .where(and_(true(), *q._dims(t, side), *(q._days(t, side) if f.dated else [])))
        .group_by(*keys)
    )
    return _sum_by_place((await q.conn.execute(query)).all())


def _row(
    f: Filters, code: str, d: tuple[Any, ...], overdue: int, paid: int, fb: tuple[int, ...]
) -> dict[str, Any]:
    total, online, done, on_time, late = (_int(x) for x in d)
    row: dict[str, Any] = {
        "province_code": code,
        "province_name": SINCE_REFORM_NAME if code == SINCE_REFORM else province_name(code, f.units),
        "dossiers_total": total,
        "dossiers_online": online,
        "online_share": round(online / total, 4) if total else None,
        "dossiers_open": total - done,
        "dossiers_overdue": overdue,
        "overdue_share": round(overdue / (total - done), 4) if total - done else None,
        "finished_on_time": on_time,
        "finished_late": late,
        "on_time_rate": _rate(on_time, late),
        "payments_total_vnd": paid,
        "feedback_received": fb[0],
        "feedback_answered": fb[1],
    }
    if f.units == "2024":
        former = units.FORMER_BY_CODE.get(code)
        row["now_code"] = former.now if former else None
        row["now_name"] = province_name(former.now) if former else None
    else:
        population = units.CURRENT_BY_CODE[code].population if code in units.CURRENT_BY_CODE else None
        row["population"] = population
        row["dossiers_per_1000"] = round(1000 * total / population, 4) if population else None
    return row


async def province_rows(q: ReportQueries, f: Filters, today: date) -> list[dict[str, Any]]:
    """The table's rows, busiest first (the 2024 view's row of what happened since 1 July 2025 last)."""
    dossier_rows = await _dossier_rows(q, f)
    overdue = {r["key"] or SINCE_REFORM: r["overdue"] for r in await q.overdue_by(f, today, "province")}
    paid = await _side_sums(q, f, agg_payments, agg_payments_total, "amount_vnd")
    fbs = await _side_sums(q, f, agg_feedback, agg_feedback_total, "received", "answered")
    out = []
    for code in view_codes(f):
        if code == SINCE_REFORM and code not in dossier_rows and not overdue.get(code) and code not in paid:
            continue  # nothing happened since the reform in a current unit: no such row
        d = dossier_rows.get(code, (0, 0, 0, 0, 0))
        out.append(_row(f, code, d, overdue.get(code, 0), paid.get(code, (0,))[0], fbs.get(code, (0, 0))))
    out.sort(key=lambda r: (r["province_code"] == SINCE_REFORM, -r["dossiers_total"], r["province_code"]))
    for i, row in enumerate(out, 1):
        row["rank"] = i
    return out
