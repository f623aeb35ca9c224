"""Overdue dossiers (per province, agency or procedure; the paged list) and one dossier with its history."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from dvc_reporting.adapters.orm import agg_open_due, dossier_events, dossiers, procedures
from dvc_reporting.adapters.queries.base import as_int
from dvc_reporting.adapters.queries.filters import Filters
from dvc_reporting.adapters.queries.headline import HeadlineQueries
from dvc_reporting.domain.reference import province_name, sector_name


def _places(row: Any) -> dict[str, Any]:
    """A dossier's province today, and the one of the 63 it was in (when it opened before 1 July 2025)."""
    former = row["former_province"]
    return {
        "province_code": row["province_code"],
        "province_name": province_name(row["province_code"]),
        "former_province_code": former,
        "former_province_name": province_name(former, "2024") if former else None,
    }


class OverdueQueries(HeadlineQueries):
    """Reads ``overdue_count`` of the headline (the list's total)."""

    async def overdue_by(self, f: Filters, today: date, dim: str) -> list[dict[str, Any]]:
        """Overdue dossiers per province, agency or procedure, most first."""
        if dim == "province" and not (f.dated or f.by_dossier_dims):
            t = agg_open_due
            q = (
                select(t.c[f.place_column], func.sum(t.c.n))
                .where(t.c.due_date < today, *self._dims(t, f))
                .group_by(t.c[f.place_column])
            )
            rows = [(k, as_int(n)) for k, n in (await self.conn.execute(q)).all()]
        elif not f.dated:
            t, where = self._overdue_buckets(f, today, by_province=dim == "province")
            col = t.c.agency_code if dim == "agency" else t.c.procedure_code
            col = t.c[f.place_column] if dim == "province" else col
            q = select(col, func.sum(t.c.n)).where(where).group_by(col)
            # the aggregate keys an unknown agency or procedure as "" (the dossiers table: NULL)
            rows = [(k or None, as_int(n)) for k, n in (await self.conn.execute(q)).all()]
        else:
            col = {"province": dossiers.c[f.place_column], "agency": dossiers.c.agency_code}.get(
                dim, dossiers.c.procedure_code
            )
            q = select(col, func.count()).where(self._overdue_where(f, today)).group_by(col)
            rows = [(k, as_int(n)) for k, n in (await self.conn.execute(q)).all()]
        if dim == "province":  # the 2024 view: what cannot be placed in the 63 is one key, whatever its NULL
            merged: dict[Any, int] = {}
            for k, n in rows:
                merged[k or None] = merged.get(k or None, 0) + n
            rows = list(merged.items())
        names = await self._names(dim, [k for k, _ in rows], f)
        out = [{"key": k, "name": names.get(k, k), "overdue": n} for k, n in rows if n]
        out.sort(key=lambda r: (-r["overdue"], r["key"] or ""))
        return out

    async def _names(self, dim: str, keys: list[str], f: Filters) -> dict[str, str]:
        if dim == "province":
            return {k: self._place_name(k, f) for k in keys}
        if dim == "agency":
            return await self.agency_names()
        q = select(procedures.c.code, procedures.c.name).where(procedures.c.code.in_(keys))
        return {c: n for c, n in (await self.conn.execute(q)).all() if n}

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
