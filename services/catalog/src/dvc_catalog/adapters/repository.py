from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dvc_catalog.adapters.orm import procedures as t
from dvc_catalog.domain.model import Procedure
from dvc_catalog.domain.search import query_parts

_FIELDS = [f.name for f in dataclasses.fields(Procedure)]


def _to_domain(row: Any) -> Procedure:
    return Procedure(**{f: getattr(row, f) for f in _FIELDS})


class ProcedureRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, p: Procedure) -> None:
        values = dataclasses.asdict(p) | {"search_text": p.search_text}
        await self.session.execute(insert(t).values(**values))

    async def save_status(self, p: Procedure) -> None:
        await self.session.execute(
            update(t)
            .where(t.c.code == p.code, t.c.version == p.version)
            .values(status=p.status, published_at=p.published_at, retired_at=p.retired_at)
        )

    async def get(self, code: str, version: int) -> Procedure | None:
        row = (await self.session.execute(select(t).where(t.c.code == code, t.c.version == version))).first()
        return _to_domain(row) if row else None

    async def latest(self, code: str, status: str | None = None) -> Procedure | None:
        q = select(t).where(t.c.code == code)
        if status:
            q = q.where(t.c.status == status)
        row = (await self.session.execute(q.order_by(t.c.version.desc()).limit(1))).first()
        return _to_domain(row) if row else None

    async def next_version(self, code: str) -> int:
        current = await self.session.scalar(select(func.max(t.c.version)).where(t.c.code == code))
        return (current or 0) + 1

    async def search(
        self,
        *,
        folded_text: str | None,
        sector: str | None,
        agency: str | None,
        level: str | None,
        province: str | None,
        limit: int,
        offset: int,
    ) -> tuple[int, list[Procedure]]:
        conds = [t.c.status == "published"]
        if folded_text:
            contains = t.c.search_text.contains
            conds += [
                or_(*(and_(*(contains(piece, autoescape=True) for piece in alt)) for alt in alternatives))
                for alternatives in query_parts(folded_text)
            ]
        if sector:
            conds.append(t.c.sector == sector)
        if agency:
            conds.append(t.c.agency_code == agency)
        if level:
            conds.append(t.c.level == level)
        rows = (await self.session.execute(select(t).where(and_(*conds)).order_by(t.c.code))).all()
        found = [_to_domain(r) for r in rows]
        if province:
            found = [p for p in found if not p.provinces or province in p.provinces]
        return len(found), found[offset : offset + limit]
