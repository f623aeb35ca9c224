"""Read queries of the dashboard and the JSON API.

Without a date range the headline and per-province figures come from the small aggregate tables (a few
thousand rows, whatever the number of dossiers); with a date range (by submission day) dossier figures come
from the dossiers table through its (province, day) and (day) indexes, and payments, fines, feedback and SMS
from their per-day aggregates. Overdue = not finished and due date before today (Viet Nam time).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Table, and_, case, func, not_, or_, select, true
from sqlalchemy.ext.asyncio import AsyncConnection

from dvc_contracts.clock import vn_midnight
from dvc_contracts.units import Edition
from dvc_reporting.adapters.orm import (
    agency_rejections,
    agg_dossiers,
    agg_dossiers_daily,
    agg_dossiers_daily_national,
    agg_feedback,
    agg_feedback_open_due,
    agg_feedback_total,
    agg_fines,
    agg_fines_total,
    agg_online_procedures,
    agg_open_due,
    agg_open_due_buckets,
    agg_open_due_buckets_national,
    agg_payments,
    agg_payments_total,
    agg_sms,
    agg_sms_total,
    dead_letters,
    dossier_events,
    dossiers,
    feedback,
    procedures,
)
from dvc_reporting.adapters.ranking import SINCE_REFORM, SINCE_REFORM_NAME, province_rows
from dvc_reporting.domain.projection import overdue_buckets
from dvc_reporting.domain.reference import FINISHED, STATUS_CODES, province_name, sector_name

SUMMARY_KEYS = (
    "dossiers_total",
    "dossiers_overdue",
    "dossiers_by_status",
    "payments_total_vnd",
    "fines_issued",
    "fines_settled_online",
    "feedback_received",
    "feedback_answered",
    "sms_sent",
    "sms_delivered",
    "estimated_savings_vnd",
)


@dataclass(frozen=True)
class Filters:
    """What a view shows. ``province`` is always one of today's 34 units; the "2024" view (``units``) ranks the
    63 of before 1 July 2025, and its ``former`` filter is one of them (``province`` is then its unit of today:
    the API sets both, so every index on province_code still serves)."""

    province: str | None = None
    sector: str | None = None
    agency: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    former: str | None = None
    units: Edition = "2025"

    @property
    def place_column(self) -> str:
        """The column a per-province figure groups by in this view."""
        return "former_province" if self.units == "2024" else "province_code"

    def side(self) -> Filters:
        """The filters that payments, fines, feedback and SMS have (no sector, no agency)."""
        return replace(self, sector=None, agency=None)

    @property
    def dated(self) -> bool:
        return self.date_from is not None or self.date_to is not None

    @property
    def by_dossier_dims(self) -> bool:
        """Sector or agency filters: only dossier figures have those dimensions."""
        return self.sector is not None or self.agency is not None


def _int(v: Any) -> int:
    return int(v or 0)


def _rate(on_time: int, late: int) -> float | None:
    return round(on_time / (on_time + late), 4) if on_time + late else None


def _places(row: Any) -> dict[str, Any]:
    """A dossier's province today, and the one of the 63 it was in (when it opened before 1 July 2025)."""
    former = row["former_province"]
    return {
        "province_code": row["province_code"],
        "province_name": province_name(row["province_code"]),
        "former_province_code": former,
        "former_province_name": province_name(former, "2024") if former else None,
    }


class ReportQueries:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    # -- where clauses --------------------------------------------------------------------------------------

    @staticmethod
    def _dims(t: Table, f: Filters) -> list[Any]:
        conds: list[Any] = []
        if f.province is not None and "province_code" in t.c:
            conds.append(t.c.province_code == f.province)
        if f.former is not None and "former_province" in t.c:
            conds.append(t.c.former_province == f.former)
        if f.sector is not None and "sector" in t.c:
            conds.append(t.c.sector == f.sector)
        if f.agency is not None and "agency_code" in t.c:
            conds.append(t.c.agency_code == f.agency)
        return conds

    @staticmethod
    def _days(t: Table, f: Filters, column: str = "day") -> list[Any]:
        conds: list[Any] = []
        if f.date_from is not None:
            conds.append(t.c[column] >= f.date_from)
        if f.date_to is not None:
            conds.append(t.c[column] <= f.date_to)
        return conds

    def _dossier_where(self, f: Filters) -> Any:
        return and_(dossiers.c.status.is_not(None), *self._dims(dossiers, f), *self._days(dossiers, f))

    def _overdue_where(self, f: Filters, today: date) -> Any:
        return and_(
            not_(dossiers.c.finished),
            dossiers.c.due_date < today,
            self._dossier_where(f),
        )

    def _overdue_buckets(self, f: Filters, today: date, by_province: bool = False) -> tuple[Table, Any]:
        """The open-due buckets to read (national ones unless a province is filtered or grouped on) and the
        where clause of overdue (due before ``today``) with the view's dimensions."""
        t = agg_open_due_buckets if f.province is not None or by_province else agg_open_due_buckets_national
        ranges = [
            and_(t.c.grain == grain, *([t.c.period >= lo] if lo else []), t.c.period < hi)
            for grain, lo, hi in overdue_buckets(today)
        ]
        return t, and_(or_(*ranges), *self._dims(t, f))

    async def _one(self, q: Any) -> Any:
        return (await self.conn.execute(q)).one()

    async def _scalar(self, q: Any) -> int:
        return _int((await self.conn.execute(q)).scalar())

    # -- headline -------------------------------------------------------------------------------------------

    async def _dossier_totals(self, f: Filters) -> tuple[dict[str, int], tuple[int, int, int, int]]:
        """Dossiers by current status, and (finished on time, late, online, at a counter): one query."""
        if f.dated:
            d = dossiers
            q = (
                select(
                    d.c.status,
                    func.count(),
                    func.sum(case((d.c.on_time.is_(True), 1), else_=0)),
                    func.sum(case((d.c.on_time.is_(False), 1), else_=0)),
                    func.sum(case((d.c.channel == "online", 1), else_=0)),
                    func.sum(case((d.c.channel == "counter", 1), else_=0)),
                )
                .where(self._dossier_where(f))
                .group_by(d.c.status)
            )
        else:
            a = agg_dossiers
            q = (
                select(
                    a.c.status,
                    func.sum(a.c.n),
                    func.sum(a.c.on_time),
                    func.sum(a.c.late),
                    func.sum(case((a.c.channel == "online", a.c.n), else_=0)),
                    func.sum(case((a.c.channel == "counter", a.c.n), else_=0)),
                )
                .where(and_(true(), *self._dims(a, f)))
                .group_by(a.c.status)
            )
        counts = dict.fromkeys(STATUS_CODES, 0)
        on_time = late = online = counter = 0
        for status, n, ok, lt, on, co in (await self.conn.execute(q)).all():
            counts[status] = counts.get(status, 0) + _int(n)
            on_time, late, online, counter = (
                on_time + _int(ok),
                late + _int(lt),
                online + _int(on),
                counter + _int(co),
            )
        return counts, (on_time, late, online, counter)

    async def by_status(self, f: Filters) -> dict[str, int]:
        return (await self._dossier_totals(f))[0]

    async def overdue_count(self, f: Filters, today: date) -> int:
        if f.dated:
            return await self._scalar(
                select(func.count()).select_from(dossiers).where(self._overdue_where(f, today))
            )
        if f.by_dossier_dims:
            t, where = self._overdue_buckets(f, today)
            return await self._scalar(select(func.sum(t.c.n)).where(where))
        q = select(func.sum(agg_open_due.c.n)).where(
            agg_open_due.c.due_date < today, *self._dims(agg_open_due, f)
        )
        return await self._scalar(q)

    async def savings(self, f: Filters) -> int:
        if f.dated:
            q = (
                select(func.sum(procedures.c.social_saving_vnd))
                .select_from(dossiers.join(procedures, procedures.c.code == dossiers.c.procedure_code))
                .where(dossiers.c.channel == "online", self._dossier_where(f))
            )
        else:
            a = agg_online_procedures
            q = (
                select(func.sum(a.c.n * procedures.c.social_saving_vnd))
                .select_from(a.join(procedures, procedures.c.code == a.c.procedure_code))
                .where(and_(true(), *self._dims(a, f)))
            )
        return await self._scalar(q)

    def _side(self, daily: Table, total: Table, f: Filters, *cols: str) -> Any:
        t = daily if f.dated else total
        q = select(*(func.sum(t.c[c]) for c in cols))
        conds = self._dims(t, f) + (self._days(t, f) if f.dated else [])
        return q.where(and_(true(), *conds))

    async def payments(self, f: Filters) -> tuple[int, int]:
        row = await self._one(self._side(agg_payments, agg_payments_total, f, "count", "amount_vnd"))
        return _int(row[0]), _int(row[1])

    async def fines(self, f: Filters) -> dict[str, int]:
        cols = ("issued", "issued_vnd", "settled", "settled_online", "paid_vnd")
        row = await self._one(self._side(agg_fines, agg_fines_total, f, *cols))
        return {c: _int(v) for c, v in zip(cols, row, strict=True)}

    async def feedback(self, f: Filters, today: date) -> dict[str, int]:
        cols = ("received", "answered", "answered_late")
        row = await self._one(self._side(agg_feedback, agg_feedback_total, f, *cols))
        out = {c: _int(v) for c, v in zip(cols, row, strict=True)}
        if f.dated:
            conds = [feedback.c.received.is_(True), not_(feedback.c.answered), feedback.c.due_date < today]
            conds += self._dims(feedback, f.side()) + self._days_at(feedback.c.received_at, f)
            q = select(func.count()).select_from(feedback).where(and_(*conds))
        else:
            t = agg_feedback_open_due
            q = select(func.sum(t.c.n)).where(t.c.due_date < today, *self._dims(t, f.side()))
        out["overdue"] = await self._scalar(q)
        return out

    @staticmethod
    def _days_at(column: Any, f: Filters) -> list[Any]:
        # feedback rows keep times, not days: a date range on them is compared in Viet Nam's day (+07:00)
        conds: list[Any] = []
        if f.date_from is not None:
            conds.append(column >= vn_midnight(f.date_from))
        if f.date_to is not None:
            conds.append(column < vn_midnight(f.date_to + timedelta(days=1)))
        return conds

    async def sms(self, f: Filters) -> dict[str, int]:
        cols = ("sent", "segments", "delivered", "failed")
        row = await self._one(self._side(agg_sms, agg_sms_total, f, *cols))
        return {c: _int(v) for c, v in zip(cols, row, strict=True)}

    async def summary(self, f: Filters, today: date) -> dict[str, Any]:
        """The pinned headline figures (GET /api/summary): exactly SUMMARY_KEYS."""
        return await self._headline(f, today, full=False)

    async def figures(self, f: Filters, today: date) -> dict[str, Any]:
        """Every headline figure of the dashboard (a superset of the summary)."""
        return await self._headline(f, today, full=True)

    async def _headline(self, f: Filters, today: date, full: bool) -> dict[str, Any]:
        by_status, (on_time, late, online, counter) = await self._dossier_totals(f)
        count, paid_vnd = await self.payments(f)
        side = f.side()
        fines = await self.fines(side)
        fb = await self.feedback(side, today) if full else await self._feedback_counts(side)
        sms = await self.sms(side)
        total = sum(by_status.values())
        summary: dict[str, Any] = {
            "dossiers_total": total,
            "dossiers_overdue": await self.overdue_count(f, today),
            "dossiers_by_status": by_status,
            "payments_total_vnd": paid_vnd,
            "fines_issued": fines["issued"],
            "fines_settled_online": fines["settled_online"],
            "feedback_received": fb["received"],
            "feedback_answered": fb["answered"],
            "sms_sent": sms["sent"],
            "sms_delivered": sms["delivered"],
            "estimated_savings_vnd": await self.savings(f),
        }
        if not full:
            return summary
        return summary | {
            "dossiers_open": total - sum(by_status.get(s, 0) for s in FINISHED),
            "dossiers_online": online,
            "dossiers_counter": counter,
            "online_share": round(online / total, 4) if total else None,
            "finished_on_time": on_time,
            "finished_late": late,
            "on_time_rate": _rate(on_time, late),
            "payments_count": count,
            "fines_issued_vnd": fines["issued_vnd"],
            "fines_settled": fines["settled"],
            "fines_paid_vnd": fines["paid_vnd"],
            "feedback_overdue": fb["overdue"],
            "feedback_answered_late": fb["answered_late"],
            "sms_failed": sms["failed"],
            "sms_segments": sms["segments"],
        }

    async def _feedback_counts(self, f: Filters) -> dict[str, int]:
        cols = ("received", "answered")
        row = await self._one(self._side(agg_feedback, agg_feedback_total, f, *cols))
        return {c: _int(v) for c, v in zip(cols, row, strict=True)}

    async def _timeliness(self, f: Filters) -> tuple[int, int, int, int]:
        return (await self._dossier_totals(f))[1]

    # -- per province -----------------------------------------------------------------------------------------

    async def provinces(self, f: Filters, today: date) -> list[dict[str, Any]]:
        """One row per province of the view's edition (or the filtered one), busiest first."""
        return await province_rows(self, f, today)

    # -- breakdowns ---------------------------------------------------------------------------------------------

    async def breakdown(self, f: Filters) -> list[dict[str, Any]]:
        """Dossiers by province × sector × status × channel (the API's cube; CSV-friendly)."""
        t = dossiers if f.dated else agg_dossiers
        keys = (t.c[f.place_column], t.c.sector, t.c.status, t.c.channel)
        if f.dated:
            q = select(*keys, func.count()).where(self._dossier_where(f)).group_by(*keys)
        else:
            q = select(*keys, func.sum(t.c.n)).where(and_(true(), *self._dims(t, f))).group_by(*keys)
        rows = [
            {
                "province_code": p or SINCE_REFORM,
                "province_name": self._place_name(p, f),
                "sector": s,
                "sector_name": sector_name(s),
                "status": st,
                "channel": ch,
                "dossiers": _int(n),
            }
            for p, s, st, ch, n in (await self.conn.execute(q)).all()
            if _int(n)
        ]
        rows.sort(key=lambda r: (r["province_code"], r["sector"], r["status"], r["channel"]))
        return rows

    async def trends(self, f: Filters, today: date, days: int = 30) -> list[dict[str, Any]]:
        """Per day (Viet Nam): dossiers received online / at counters, finished (on time), payments, SMS…"""
        end = f.date_to or today
        start = f.date_from or (end - timedelta(days=days - 1))
        span = replace(f, date_from=start, date_to=end)
        series: dict[date, dict[str, int]] = {}

        def slot(day: date) -> dict[str, int]:
            return series.setdefault(day, {})

        if f.province is None or f.agency is None:
            t = agg_dossiers_daily if f.province else agg_dossiers_daily_national
            q = (
                select(
                    t.c.day,
                    func.sum(case((t.c.channel == "online", t.c.received), else_=0)),
                    func.sum(case((t.c.channel == "counter", t.c.received), else_=0)),
                    func.sum(t.c.finished),
                    func.sum(t.c.finished_on_time),
                )
                .where(and_(true(), *self._dims(t, span), *self._days(t, span)))
                .group_by(t.c.day)
            )
            for day, on, co, fin, fin_ok in (await self.conn.execute(q)).all():
                slot(day).update(
                    received_online=_int(on),
                    received_counter=_int(co),
                    finished=_int(fin),
                    finished_on_time=_int(fin_ok),
                )
        else:
            d = dossiers
            q1 = (
                select(
                    d.c.day,
                    func.sum(case((d.c.channel == "online", 1), else_=0)),
                    func.sum(case((d.c.channel == "counter", 1), else_=0)),
                )
                .where(self._dossier_where(span))
                .group_by(d.c.day)
            )
            for day, on, co in (await self.conn.execute(q1)).all():
                slot(day).update(received_online=_int(on), received_counter=_int(co))
            fin_where = and_(
                d.c.status.is_not(None), *self._dims(d, span), *self._days(d, span, "finished_day")
            )
            q2 = (
                select(d.c.finished_day, func.count(), func.sum(case((d.c.on_time.is_(True), 1), else_=0)))
                .where(fin_where)
                .group_by(d.c.finished_day)
            )
            for day, fin, fin_ok in (await self.conn.execute(q2)).all():
                slot(day).update(finished=_int(fin), finished_on_time=_int(fin_ok))
        side = replace(f.side(), date_from=start, date_to=end)
        for t, cols in (
            (agg_payments, ("count", "amount_vnd")),
            (agg_sms, ("sent", "delivered", "failed")),
            (agg_fines, ("issued", "settled_online")),
            (agg_feedback, ("received", "answered")),
        ):
            prefix = {
                "agg_payments": "payments",
                "agg_sms": "sms",
                "agg_fines": "fines",
                "agg_feedback": "feedback",
            }[t.name]
            q = (
                select(t.c.day, *(func.sum(t.c[c]) for c in cols))
                .where(and_(true(), *self._dims(t, side), *self._days(t, side)))
                .group_by(t.c.day)
            )
            for row in (await self.conn.execute(q)).all():
                for c, v in zip(cols, row[1:], strict=True):
                    slot(row[0])[f"{prefix}_{c}"] = _int(v)
        keys = (
            "received_online", "received_counter", "finished", "finished_on_time", "payments_count",
            "payments_amount_vnd", "sms_sent", "sms_delivered", "sms_failed", "fines_issued",
            "fines_settled_online", "feedback_received", "feedback_answered",
        )  # fmt: skip
        out = []
        day = start
        while day <= end:
            values = series.get(day, {})
            out.append({"day": day.isoformat(), **{k: values.get(k, 0) for k in keys}})
            day += timedelta(days=1)
        return out

    # -- overdue -----------------------------------------------------------------------------------------------

    async def overdue_by(self, f: Filters, today: date, dim: str) -> list[dict[str, Any]]:
        """Overdue dossiers per province, agency or procedure, most first."""
        if dim == "province" and not (f.dated or f.by_dossier_dims):
            t = agg_open_due
            q = (
                select(t.c[f.place_column], func.sum(t.c.n))
                .where(t.c.due_date < today, *self._dims(t, f))
                .group_by(t.c[f.place_column])
            )
            rows = [(k, _int(n)) for k, n in (await self.conn.execute(q)).all()]
        elif not f.dated:
            t, where = self._overdue_buckets(f, today, by_province=dim == "province")
            col = t.c.agency_code if dim == "agency" else t.c.procedure_code
            col = t.c[f.place_column] if dim == "province" else col
            q = select(col, func.sum(t.c.n)).where(where).group_by(col)
            # the aggregate keys an unknown agency or procedure as "" (the dossiers table: NULL)
            rows = [(k or None, _int(n)) for k, n in (await self.conn.execute(q)).all()]
        else:
            col = {"province": dossiers.c[f.place_column], "agency": dossiers.c.agency_code}.get(
                dim, dossiers.c.procedure_code
            )
            q = select(col, func.count()).where(self._overdue_where(f, today)).group_by(col)
            rows = [(k, _int(n)) for k, n in (await self.conn.execute(q)).all()]
        if dim == "province":  # the 2024 view: what cannot be placed in the 63 is one key, whatever its NULL
            merged: dict[Any, int] = {}
            for k, n in rows:
                merged[k or None] = merged.get(k or None, 0) + n
            rows = list(merged.items())
        names = await self._names(dim, [k for k, _ in rows], f)
        out = [{"key": k, "name": names.get(k, k), "overdue": n} for k, n in rows if n]
        out.sort(key=lambda r: (-r["overdue"], r["key"] or ""))
        return out

    @staticmethod
    def _place_name(code: str | None, f: Filters) -> str:
        return SINCE_REFORM_NAME if f.units == "2024" and not code else province_name(code, f.units)

    async def _names(self, dim: str, keys: list[str], f: Filters) -> dict[str, str]:
        if dim == "province":
            return {k: self._place_name(k, f) for k in keys}
        if dim == "agency":
            return await self.agency_names()
        q = select(procedures.c.code, procedures.c.name).where(procedures.c.code.in_(keys))
        return {c: n for c, n in (await self.conn.execute(q)).all() if n}

    async def agency_names(self) -> dict[str, str]:
        q = select(procedures.c.agency_code, func.max(procedures.c.agency_name)).group_by(
            procedures.c.agency_code
        )
        return {c: n for c, n in (await self.conn.execute(q)).all() if c and n}

    async def overdue_list(
        self, f: Filters, today: date, limit: int = 50, offset: int = 0
    ) -> tuple[int, list[dict[str, Any]]]:
        where = self._overdue_where(f, today)
        total = await self.overdue_count(f, today)
        d = dossiers
        q = (
            select(
                d.c.code,
                d.c.procedure_code,
                d.c.procedure_name,
                d.c.province_code,
                d.c.former_province,
                d.c.sector,
                d.c.agency_code,
                d.c.channel,
                d.c.status,
                d.c.due_date,
                d.c.day,
            )
            .where(where)
            .order_by(d.c.due_date, d.c.code)
            .limit(limit)
            .offset(offset)
        )
        agencies = await self.agency_names()
        rows = []
        for r in (await self.conn.execute(q)).mappings():
            rows.append(
                {
                    "code": r["code"],
                    "procedure_code": r["procedure_code"],
                    "procedure_name": r["procedure_name"],
                    **_places(r),
                    "sector": r["sector"],
                    "agency_code": r["agency_code"],
                    "agency_name": agencies.get(r["agency_code"] or "", r["agency_code"]),
                    "channel": r["channel"],
                    "status": r["status"],
                    "submitted_day": r["day"].isoformat() if r["day"] else None,
                    "due_date": r["due_date"].isoformat(),
                    "days_overdue": (today - r["due_date"]).days,
                }
            )
        return total, rows

    # -- one dossier -----------------------------------------------------------------------------------------

    async def dossier(self, code: str) -> dict[str, Any] | None:
        row = (
            (
                await self.conn.execute(
                    select(dossiers).where(dossiers.c.code == code, dossiers.c.status.is_not(None))
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        agencies = await self.agency_names()
        hist = (
            await self.conn.execute(
                select(dossier_events)
                .where(dossier_events.c.dossier_code == code)
                .order_by(dossier_events.c.occurred_at, dossier_events.c.sequence, dossier_events.c.event_id)
            )
        ).mappings()
        history = [
            {
                "kind": h["kind"],
                "status": h["status"],
                "sequence": h["sequence"],
                "agency_code": h["agency_code"],
                "agency_name": agencies.get(h["agency_code"] or "", h["agency_code"]),
                "from_agency_code": h["from_agency_code"],
                "occurred_at": h["occurred_at"].isoformat(),
                "note": h["note"],
                "late": bool(h["late"]),
                "amount_vnd": h["amount_vnd"],
                "detail": h["detail"],
                "event_id": h["event_id"],
            }
            for h in hist
        ]
        return {
            "code": row["code"],
            "procedure_code": row["procedure_code"],
            "procedure_name": row["procedure_name"],
            **_places(row),
            "sector": row["sector"],
            "sector_name": sector_name(row["sector"]),
            "channel": row["channel"],
            "status": row["status"],
            "sequence": row["sequence"],
            "agency_code": row["agency_code"],
            "agency_name": agencies.get(row["agency_code"] or "", row["agency_code"]),
            "forwarded_times": row["fwd_count"],
            "submitted_day": row["day"].isoformat() if row["day"] else None,
            "due_date": row["due_date"].isoformat() if row["due_date"] else None,
            "finished_at": row["finished_at"].isoformat() if row["finished_at"] else None,
            "on_time": row["on_time"],
            "history": history,
        }

    # -- payments ----------------------------------------------------------------------------------------------

    async def payments_by(self, f: Filters, by: str) -> list[dict[str, Any]]:
        side = f.side()
        if by == "day":
            t = agg_payments
            q = (
                select(t.c.day, t.c.provider, func.sum(t.c.count), func.sum(t.c.amount_vnd))
                .where(and_(true(), *self._dims(t, side), *self._days(t, side)))
                .group_by(t.c.day, t.c.provider)
                .order_by(t.c.day, t.c.provider)
            )
            return [
                {"day": d.isoformat(), "provider": p, "count": _int(c), "amount_vnd": _int(a)}
                for d, p, c, a in (await self.conn.execute(q)).all()
            ]
        t = agg_payments if f.dated else agg_payments_total
        q = (
            select(t.c.provider, t.c.purpose, func.sum(t.c.count), func.sum(t.c.amount_vnd))
            .where(and_(true(), *self._dims(t, side), *(self._days(t, side) if f.dated else [])))
            .group_by(t.c.provider, t.c.purpose)
        )
        rows = [
            {"provider": p, "purpose": pu, "count": _int(c), "amount_vnd": _int(a)}
            for p, pu, c, a in (await self.conn.execute(q)).all()
        ]
        rows.sort(key=lambda r: (-r["amount_vnd"], r["provider"], r["purpose"]))
        return rows

    # -- reference ---------------------------------------------------------------------------------------------

    async def sectors_seen(self) -> list[str]:
        q = select(agg_dossiers.c.sector).distinct().where(agg_dossiers.c.n > 0)
        return sorted(s for s in (await self.conn.execute(q)).scalars() if s)

    async def agencies_seen(self) -> list[str]:
        q = select(agg_dossiers.c.agency_code).distinct().where(agg_dossiers.c.n > 0)
        return sorted(s for s in (await self.conn.execute(q)).scalars() if s)

    # -- pipeline health -----------------------------------------------------------------------------------------

    async def rejections(self, latest: int = 3) -> list[dict[str, Any]]:
        r = agency_rejections
        q = select(r.c.agency_code, r.c.reason, func.count(), func.max(r.c.rejected_at)).group_by(
            r.c.agency_code, r.c.reason
        )
        agencies: dict[str, dict[str, Any]] = {}
        for agency, reason, n, at in (await self.conn.execute(q)).all():
            a = agencies.setdefault(
                agency, {"agency_code": agency, "rejected": 0, "by_reason": {}, "last_at": at}
            )
            a["rejected"] += _int(n)
            a["by_reason"][reason] = _int(n)
            a["last_at"] = max(a["last_at"], at)
        names = await self.agency_names()
        out = []
        for a in sorted(agencies.values(), key=lambda a: (-a["rejected"], a["agency_code"]))[:50]:
            q2 = (
                select(r.c.reason, r.c.message, r.c.dossier_code, r.c.rejected_at)
                .where(r.c.agency_code == a["agency_code"])
                .order_by(r.c.rejected_at.desc(), r.c.event_id)
                .limit(latest)
            )
            a["latest"] = [
                {"reason": re, "message": m, "dossier_code": dc, "rejected_at": at.isoformat()}
                for re, m, dc, at in (await self.conn.execute(q2)).all()
            ]
            a["agency_name"] = names.get(a["agency_code"], a["agency_code"] or "Không rõ cơ quan")
            a["last_at"] = a["last_at"].isoformat()
            out.append(a)
        return out

    async def dead_letter_counts(self) -> list[dict[str, Any]]:
        t = dead_letters
        q = (
            select(t.c.original_topic, t.c.rejected_by, t.c.reason, func.count(), func.max(t.c.rejected_at))
            .group_by(t.c.original_topic, t.c.rejected_by, t.c.reason)
            .order_by(func.count().desc())
        )
        return [
            {
                "original_topic": topic,
                "rejected_by": by,
                "reason": reason,
                "count": _int(n),
                "last_at": at.isoformat() if at else None,
            }
            for topic, by, reason, n, at in (await self.conn.execute(q)).all()
        ]

    async def latest_dead_letters(self, limit: int = 10) -> list[dict[str, Any]]:
        t = dead_letters
        q = (
            select(
                t.c.original_topic, t.c.reason, t.c.message, t.c.rejected_by, t.c.rejected_at, t.c.record_key
            )
            .order_by(t.c.rejected_at.desc(), t.c.dl_partition, t.c.dl_offset.desc())
            .limit(limit)
        )
        return [
            {
                "original_topic": topic,
                "reason": reason,
                "message": msg,
                "rejected_by": by,
                "rejected_at": at.isoformat() if at else None,
                "key": key,
            }
            for topic, reason, msg, by, at, key in (await self.conn.execute(q)).all()
        ]

    async def metric_snapshot(self, today: date) -> dict[str, Any]:
        """What reporting exports on /metrics (refreshed in the background)."""
        a = agg_dossiers
        q = select(a.c.province_code, a.c.sector, a.c.status, func.sum(a.c.n)).group_by(
            a.c.province_code, a.c.sector, a.c.status
        )
        dossier_counts = [
            (p, s, st, _int(n)) for p, s, st, n in (await self.conn.execute(q)).all() if _int(n)
        ]
        overdue = await self.overdue_by(Filters(), today, "province")
        f = Filters()
        pay = agg_payments_total
        pq = select(
            pay.c.provider, pay.c.purpose, func.sum(pay.c.count), func.sum(pay.c.amount_vnd)
        ).group_by(pay.c.provider, pay.c.purpose)
        payments = [(p, pu, _int(c), _int(v)) for p, pu, c, v in (await self.conn.execute(pq)).all()]
        on_time, late, _, _ = await self._timeliness(f)
        r = agency_rejections
        rq = select(r.c.agency_code, r.c.reason, func.count()).group_by(r.c.agency_code, r.c.reason)
        return {
            "dossiers": dossier_counts,
            "overdue": [(o["key"], o["overdue"]) for o in overdue],
            "payments": payments,
            "fines": await self.fines(f),
            "feedback": await self.feedback(f, today),
            "sms": await self.sms(f),
            "savings": await self.savings(f),
            "finished": {"true": on_time, "false": late},
            "rejections": [(ag, re, _int(n)) for ag, re, n in (await self.conn.execute(rq)).all()],
            "dead_letters": [
                (d["original_topic"], d["reason"], d["rejected_by"], d["count"])
                for d in await self.dead_letter_counts()
            ],
        }
