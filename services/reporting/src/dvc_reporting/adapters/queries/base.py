"""What every query class shares: the connection, the where clauses of a view (its dimensions, its date
range, what is overdue) and the names of the agencies and of the view's places."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Table, and_, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from dvc_contracts.clock import vn_midnight
from dvc_reporting.adapters.orm import (
    agg_open_due_buckets,
    agg_open_due_buckets_national,
    dossiers,
    procedures,
)
from dvc_reporting.adapters.queries.filters import Filters
from dvc_reporting.adapters.ranking import SINCE_REFORM_NAME
from dvc_reporting.domain.projection.aggregates import overdue_buckets
from dvc_reporting.domain.reference import province_name


def as_int(v: Any) -> int:
    return int(v or 0)


class QueryBase:
    """The connection and the where clauses of a view; the names of agencies and places."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

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
        return as_int((await self.conn.execute(q)).scalar())

    @staticmethod
    def _days_at(column: Any, f: Filters) -> list[Any]:
        # feedback rows keep times, not days: a date range on them is compared in Viet Nam's day (+07:00)
        conds: list[Any] = []
        if f.date_from is not None:
            conds.append(column >= vn_midnight(f.date_from))
        if f.date_to is not None:
            conds.append(column < vn_midnight(f.date_to + timedelta(days=1)))
        return conds

    @staticmethod
    def _place_name(code: str | None, f: Filters) -> str:
        return SINCE_REFORM_NAME if f.units == "2024" and not code else province_name(code, f.units)

    async def agency_names(self) -> dict[str, str]:
        q = select(procedures.c.agency_code, func.max(procedures.c.agency_name)).group_by(
            procedures.c.agency_code
        )
        return {c: n for c, n in (await self.conn.execute(q)).all() if c and n}
