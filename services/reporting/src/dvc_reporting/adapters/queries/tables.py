"""The API's tables: dossiers by province × sector × status × channel, the trends per day, payments per
provider or per day; and the sectors and agencies seen (the filters' choices)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select, true

from dvc_reporting.adapters.orm import (
    agg_dossiers,
    agg_dossiers_daily,
    agg_dossiers_daily_national,
    agg_feedback,
    agg_fines,
    agg_payments,
    agg_payments_total,
    agg_sms,
    dossiers,
)
from dvc_reporting.adapters.queries.base import QueryBase, as_int
from dvc_reporting.adapters.queries.filters import Filters
from dvc_reporting.adapters.ranking import SINCE_REFORM
from dvc_reporting.domain.reference import sector_name


class TableQueries(QueryBase):
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
                "dossiers": as_int(n),
            }
            for p, s, st, ch, n in (await self.conn.execute(q)).all()
            if as_int(n)
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
                    received_online=as_int(on),
                    received_counter=as_int(co),
                    finished=as_int(fin),
                    finished_on_time=as_int(fin_ok),
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
                slot(day).update(received_online=as_int(on), received_counter=as_int(co))
            fin_where = and_(
                d.c.status.is_not(None), *self._dims(d, span), *self._days(d, span, "finished_day")
            )
            q2 = (
                select(d.c.finished_day, func.count(), func.sum(case((d.c.on_time.is_(True), 1), else_=0)))
                .where(fin_where)
                .group_by(d.c.finished_day)
            )
            for day, fin, fin_ok in (await self.conn.execute(q2)).all():
                slot(day).update(finished=as_int(fin), finished_on_time=as_int(fin_ok))
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
                    slot(row[0])[f"{prefix}_{c}"] = as_int(v)
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
                {"day": d.isoformat(), "provider": p, "count": as_int(c), "amount_vnd": as_int(a)}
                for d, p, c, a in (await self.conn.execute(q)).all()
            ]
        t = agg_payments if f.dated else agg_payments_total
        q = (
            select(t.c.provider, t.c.purpose, func.sum(t.c.count), func.sum(t.c.amount_vnd))
            .where(and_(true(), *self._dims(t, side), *(self._days(t, side) if f.dated else [])))
            .group_by(t.c.provider, t.c.purpose)
        )
        rows = [
            {"provider": p, "purpose": pu, "count": as_int(c), "amount_vnd": as_int(a)}
            for p, pu, c, a in (await self.conn.execute(q)).all()
        ]
        rows.sort(key=lambda r: (-r["amount_vnd"], r["provider"], r["purpose"]))
        return rows

    async def sectors_seen(self) -> list[str]:
        q = select(agg_dossiers.c.sector).distinct().where(agg_dossiers.c.n > 0)
        return sorted(s for s in (await self.conn.execute(q)).scalars() if s)

    async def agencies_seen(self) -> list[str]:
        q = select(agg_dossiers.c.agency_code).distinct().where(agg_dossiers.c.n > 0)
        return sorted(s for s in (await self.conn.execute(q)).scalars() if s)
