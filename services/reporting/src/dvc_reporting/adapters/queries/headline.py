"""The headline figures of the dashboard and of GET /api/summary: dossiers by status, overdue, savings,
payments, fines, feedback and SMS. Without a date range they read the aggregate tables, with one the
dossiers table and the per-day aggregates."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Table, and_, case, func, not_, select, true

from dvc_reporting.adapters.orm import (
    agg_dossiers,
    agg_feedback,
    agg_feedback_open_due,
    agg_feedback_total,
    agg_fines,
    agg_fines_total,
    agg_online_procedures,
    agg_open_due,
    agg_payments,
    agg_payments_total,
    agg_sms,
    agg_sms_total,
    dossiers,
    feedback,
    procedures,
)
from dvc_reporting.adapters.queries.base import QueryBase, as_int
from dvc_reporting.adapters.queries.filters import Filters
from dvc_reporting.domain.reference import FINISHED, STATUS_CODES

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


def _rate(on_time: int, late: int) -> float | None:
    return round(on_time / (on_time + late), 4) if on_time + late else None


class HeadlineQueries(QueryBase):
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
            counts[status] = counts.get(status, 0) + as_int(n)
            on_time, late, online, counter = (
                on_time + as_int(ok),
                late + as_int(lt),
                online + as_int(on),
                counter + as_int(co),
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
        return as_int(row[0]), as_int(row[1])

    async def fines(self, f: Filters) -> dict[str, int]:
        cols = ("issued", "issued_vnd", "settled", "settled_online", "paid_vnd")
        row = await self._one(self._side(agg_fines, agg_fines_total, f, *cols))
        return {c: as_int(v) for c, v in zip(cols, row, strict=True)}

    async def feedback(self, f: Filters, today: date) -> dict[str, int]:
        cols = ("received", "answered", "answered_late")
        row = await self._one(self._side(agg_feedback, agg_feedback_total, f, *cols))
        out = {c: as_int(v) for c, v in zip(cols, row, strict=True)}
        if f.dated:
            conds = [feedback.c.received.is_(True), not_(feedback.c.answered), feedback.c.due_date < today]
            conds += self._dims(feedback, f.side()) + self._days_at(feedback.c.received_at, f)
            q = select(func.count()).select_from(feedback).where(and_(*conds))
        else:
            t = agg_feedback_open_due
            q = select(func.sum(t.c.n)).where(t.c.due_date < today, *self._dims(t, f.side()))
        out["overdue"] = await self._scalar(q)
        return out

    async def sms(self, f: Filters) -> dict[str, int]:
        cols = ("sent", "segments", "delivered", "failed")
        row = await self._one(self._side(agg_sms, agg_sms_total, f, *cols))
        return {c: as_int(v) for c, v in zip(cols, row, strict=True)}

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
        return {c: as_int(v) for c, v in zip(cols, row, strict=True)}

    async def _timeliness(self, f: Filters) -> tuple[int, int, int, int]:
        return (await self._dossier_totals(f))[1]
