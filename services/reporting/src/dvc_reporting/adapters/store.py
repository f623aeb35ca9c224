"""Bulk reads and writes of the read model, for one batch of events in one transaction.

Lock order (no deadlocks between the topic consumers, which run concurrently): every batch touches the
tables in the same order (procedures, dossiers, dossier_events, payments, fines, feedback, sms, rejections,
accounts, aggregates by name) and the rows of a table in key order. A row that does not exist yet is first inserted
empty (``ON CONFLICT DO NOTHING``), then every row is read ``FOR UPDATE``: two consumers that see the same
new dossier at once serialise on its row instead of overwriting each other's fold.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Table, and_, delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from dvc_reporting.adapters.orm import AGG_TABLES
from dvc_reporting.domain.projection.aggregates import AGGREGATES, Contributions
from dvckit.bulk import insert_rows
from dvckit.db import dialect_name

CHUNK = 1000


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class ReadModelStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.dialect = dialect_name(session)

    async def lock_rows(self, table: Table, key: str, keys: Iterable[str]) -> dict[str, Any]:
        """Make sure a row exists for every key, lock them (PostgreSQL) in key order, return them by key."""
        ordered = sorted(set(keys))
        if not ordered:
            return {}
        col = table.c[key]
        found: dict[str, Any] = {}
        for part in _chunks(ordered):
            await insert_rows(self.session, table, [{key: k} for k in part], conflict=[key])
            q = select(table).where(col.in_(part)).order_by(col)
            if self.dialect == "postgresql":
                q = q.with_for_update()
            for row in (await self.session.execute(q)).mappings():
                found[row[key]] = row
        return found

    async def find_keys(self, table: Table, key: str, where: Any) -> list[str]:
        return list((await self.session.execute(select(table.c[key]).where(where))).scalars())

    async def update_rows(self, table: Table, key: str, rows: list[dict[str, Any]]) -> None:
        """Write whole rows of keys that exist (locked by ``lock_rows``), as one multi-row upsert per chunk
        (much faster than one UPDATE per row)."""
        if not rows:
            return
        cols = [c for c in rows[0] if c != key]
        latest = {r[key]: r for r in rows}  # one statement may not update a row twice
        for part in _chunks(sorted(latest.values(), key=lambda r: r[key])):
            await insert_rows(self.session, table, part, conflict=[key], update=cols)

    async def insert_ignore(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """Insert rows whose natural key may already be there (a repeat): the first one stays."""
        if not rows:
            return
        pk = [c.name for c in table.primary_key.columns]
        for part in _chunks(sorted(rows, key=lambda r: tuple(r[k] for k in pk))):
            await insert_rows(self.session, table, part, conflict=pk)

    async def add_to_aggregates(self, deltas: Contributions) -> None:
        """``agg.value += delta`` per key, creating rows as needed; tables by name, keys sorted. A row that a
        negative delta brings to all zeros is deleted: an aggregate table holds exactly the rows a recount of
        the entity rows gives, whatever the batches were (a dossier that goes ``received`` → ``processing``
        within one batch never makes a ``received`` row; across two batches it makes one and takes it back)."""
        by_table: dict[str, list[tuple[tuple[Any, ...], dict[str, int]]]] = {}
        for (name, key), vals in deltas.items():
            if any(vals.values()):
                by_table.setdefault(name, []).append((key, vals))
        for name in sorted(by_table):
            table = AGG_TABLES[name]
            key_cols, value_cols = AGGREGATES[name]
            entries = sorted(by_table[name], key=lambda kv: kv[0])
            rows = [
                {**dict(zip(key_cols, key, strict=True)), **{v: vals.get(v, 0) for v in value_cols}}
                for key, vals in entries
            ]
            for part in _chunks(rows):
                await insert_rows(
                    self.session, table, part, conflict=list(key_cols), increment=list(value_cols)
                )
            lowered = [key for key, vals in entries if any(v < 0 for v in vals.values())]
            if lowered:
                key_expr = tuple_(*(table.c[k] for k in key_cols))
                all_zero = and_(*(table.c[v] == 0 for v in value_cols))
                for keys in _chunks(lowered):
                    await self.session.execute(delete(table).where(key_expr.in_(list(keys)), all_zero))
