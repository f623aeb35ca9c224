"""Pipeline health: the agency systems' rejections and the dead letters, as stored by the projector."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from dvc_reporting.adapters.orm import agency_rejections, dead_letters
from dvc_reporting.adapters.queries.base import QueryBase, as_int


class HealthQueries(QueryBase):
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
            a["rejected"] += as_int(n)
            a["by_reason"][reason] = as_int(n)
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
                "count": as_int(n),
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
