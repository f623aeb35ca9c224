"""``ReportQueries``: every read query of the dashboard and the API on one connection, and the two that
read several parts: the per-province table (``ranking``) and the snapshot /metrics exports."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from dvc_reporting.adapters.orm import agency_rejections, agg_dossiers, agg_payments_total
from dvc_reporting.adapters.queries.base import as_int
from dvc_reporting.adapters.queries.filters import Filters
from dvc_reporting.adapters.queries.health import HealthQueries
from dvc_reporting.adapters.queries.overdue import OverdueQueries
from dvc_reporting.adapters.queries.tables import TableQueries
from dvc_reporting.adapters.ranking import province_rows


class ReportQueries(OverdueQueries, TableQueries, HealthQueries):
    async def provinces(self, f: Filters, today: date) -> list[dict[str, Any]]:
        """One row per province of the view's edition (or the filtered one), busiest first."""
        return await province_rows(self, f, today)

    async def metric_snapshot(self, today: date) -> dict[str, Any]:
        """What reporting exports on /metrics (refreshed in the background)."""
        a = agg_dossiers
        q = select(a.c.province_code, a.c.sector, a.c.status, func.sum(a.c.n)).group_by(
            a.c.province_code, a.c.sector, a.c.status
        )
        dossier_counts = [
            (p, s, st, as_int(n)) for p, s, st, n in (await self.conn.execute(q)).all() if as_int(n)
        ]
        overdue = await self.overdue_by(Filters(), today, "province")
        f = Filters()
        pay = agg_payments_total
        pq = select(
            pay.c.provider, pay.c.purpose, func.sum(pay.c.count), func.sum(pay.c.amount_vnd)
        ).group_by(pay.c.provider, pay.c.purpose)
        payments = [(p, pu, as_int(c), as_int(v)) for p, pu, c, v in (await self.conn.execute(pq)).all()]
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
            "rejections": [(ag, re, as_int(n)) for ag, re, n in (await self.conn.execute(rq)).all()],
            "dead_letters": [
                (d["original_topic"], d["reason"], d["rejected_by"], d["count"])
                for d in await self.dead_letter_counts()
            ],
        }
