from __future__ import annotations

import dataclasses
import functools
import operator
from typing import Any

from sqlalchemy import Text, and_, case, cast, func, insert, literal_column, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from dvc_catalog.adapters.orm import procedures as t
from dvc_catalog.domain.model import Procedure
from dvc_catalog.domain.search import query_parts, ranking_query
from dvckit.db import dialect_name

_FIELDS = [f.name for f in dataclasses.fields(Procedure)]
# no stemming, no stop words: the text is folded already
_SIMPLE: ColumnElement[Any] = literal_column("'simple'::regconfig")


def _to_domain(row: Any) -> Procedure:
    return Procedure(**{f: getattr(row, f) for f in _FIELDS})


class ProcedureRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, p: Procedure) -> None:
        values = dataclasses.asdict(p) | {"search_text": p.search_text, "search_title": p.search_title}
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
        """Published procedures matching every filter: how many, and one page of them, best match first.

        The text matches by its folded parts (dvc_catalog.domain.search), the same on every database. Order: a
        title (code and name) containing the whole query first; then titles holding more of the query's parts;
        then, on PostgreSQL, full-text rank (``ts_rank_cd`` over the title weighted above the description,
        phrases as adjacent words); then the code, which keeps pages stable. SQLite (``make run``'s default)
        skips the full-text rank."""
        conds: list[ColumnElement[bool]] = [t.c.status == "published"]
        parts = query_parts(folded_text) if folded_text else []
        conds += [_holds(t.c.search_text, alternatives) for alternatives in parts]
        if sector:
            conds.append(t.c.sector == sector)
        if agency:
            conds.append(t.c.agency_code == agency)
        if level:
            conds.append(t.c.level == level)
        if province:  # nationwide (an empty list) or listed; codes are two digits (checked by the route)
            listed = cast(t.c.provinces, Text)
            conds.append(or_(func.replace(listed, " ", "") == "[]", listed.contains(f'"{province}"')))
        where = and_(*conds)
        total = await self.session.scalar(select(func.count()).select_from(t).where(where)) or 0
        order: list[Any] = []
        if folded_text and parts:
            order.append(case((t.c.search_title.contains(folded_text, autoescape=True), 0), else_=1))
            in_title = [case((_holds(t.c.search_title, alternatives), 1), else_=0) for alternatives in parts]
            order.append(functools.reduce(operator.add, in_title).desc())  # parts of the query in the title
            ranking = ranking_query(folded_text)
            if ranking and dialect_name(self.session) == "postgresql":
                order.append(_rank(ranking).desc())
        q = select(t).where(where).order_by(*order, t.c.code).limit(limit).offset(offset)
        rows = (await self.session.execute(q)).all()
        return total, [_to_domain(r) for r in rows]


def _holds(column: ColumnElement[str], alternatives: tuple[tuple[str, ...], ...]) -> ColumnElement[bool]:
    """``column`` satisfies one part of a query: it contains every piece of one of the part's alternatives."""
    return or_(*(and_(*(column.contains(piece, autoescape=True) for piece in alt)) for alt in alternatives))


def _weight(letter: str) -> ColumnElement[Any]:
    return literal_column(f"'{letter}'::\"char\"")


def _rank(ranking: str) -> ColumnElement[float]:
    """PostgreSQL's cover-density rank of a procedure for the query: matches in the title weigh more (A) than
    in the code, name and description together (D)."""
    document = func.setweight(func.to_tsvector(_SIMPLE, t.c.search_title), _weight("A")).op("||")(
        func.setweight(func.to_tsvector(_SIMPLE, t.c.search_text), _weight("D"))
    )
    rank: ColumnElement[float] = func.ts_rank_cd(document, func.to_tsquery(_SIMPLE, ranking))
    return rank
