"""Bulk writes of a batch in one statement: the hot path of every consumer (inbox, outbox, read models).

On PostgreSQL the batch travels as one JSON document (``INSERT … SELECT … FROM json_to_recordset($1)``),
encoded by pydantic-core (Rust) and parsed by PostgreSQL, through the session's own asyncpg connection inside
its transaction: one round trip, no per-value Python bind processing (per-column arrays were tried first:
asyncpg's array encoder inspects every element and cost more than the rest of the write). On SQLite (the
zero-setup default of ``make run``) the same call is an ordinary SQLAlchemy executemany. Callers pass plain Python values: timezone-aware
datetimes, dicts/lists for JSON columns, bytes for binary ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

import pydantic_core
from sqlalchemy import LargeBinary, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from dvckit.db import UtcDateTime, dialect_name

_PG = postgresql.dialect()


@cache
def _pg_type(table: Table, column: str) -> str:
    col = table.c[column]
    type_ = col.type.impl if isinstance(col.type, UtcDateTime) else col.type
    return str(type_.compile(dialect=_PG))


def _default(table: Table, column: str) -> Any:
    default = table.c[column].default
    if default is None:
        return None
    if not default.is_scalar:
        raise TypeError(
            f"{table.name}.{column}: bulk writes take scalar Python defaults only; pass the value"
        )
    return default.arg  # type: ignore[attr-defined]


def _columns(table: Table, rows: Sequence[dict[str, Any]]) -> list[str]:
    """Columns given in any row, and those with a Python-side default (server defaults apply to the rest)."""
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    return [c.name for c in table.columns if c.name in names or _default(table, c.name) is not None]


def _check_aware(table: Table, rows: Sequence[dict[str, Any]], columns: list[str]) -> None:
    for c in columns:
        if isinstance(table.c[c].type, UtcDateTime):
            for row in rows:
                v = row.get(c)
                if isinstance(v, datetime) and v.tzinfo is None:
                    raise ValueError(f"{table.name}.{c}: naive datetime; store timezone-aware UTC times")


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    raise TypeError(f"bulk writes take integer or boolean Python defaults, not {value!r}")


@cache
def _select_list(table: Table, columns: tuple[str, ...]) -> tuple[str, str]:
    """The record definition for json_to_recordset and the select list over it (binary arrives as hex)."""
    definition, select = [], []
    for c in columns:
        col = table.c[c]
        binary = isinstance(col.type, LargeBinary)
        definition.append(f'"{c}" {"TEXT" if binary else _pg_type(table, c)}')
        value = f"decode(x.\"{c}\", 'hex')" if binary else f'x."{c}"'
        default = _default(table, c)
        select.append(value if default is None else f"COALESCE({value}, {_literal(default)})")
    return ", ".join(definition), ", ".join(select)


async def insert_rows(
    session: AsyncSession,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    conflict: Sequence[str] | None = None,
    update: Sequence[str] = (),
    increment: Sequence[str] = (),
    returning: str | None = None,
) -> list[Any]:
    """Insert ``rows`` in one statement. With ``conflict`` (the unique columns): ``update`` columns are
    overwritten from the new row and ``increment`` columns add the new row's value to the stored one (counters);
    with neither, the row is skipped. Returns the ``returning`` column of the rows actually inserted or updated
    (empty list without ``returning``)."""
    if not rows:
        return []
    if dialect_name(session) != "postgresql":
        return await _insert_sqlalchemy(session, table, rows, conflict, update, increment, returning)
    columns = _columns(table, rows)
    _check_aware(table, rows, columns)
    definition, select = _select_list(table, tuple(columns))
    names = ", ".join(f'"{c}"' for c in columns)
    sql = f'INSERT INTO "{table.name}" ({names}) SELECT {select} FROM json_to_recordset($1::json) AS x({definition})'
    if conflict:
        target = ", ".join(f'"{c}"' for c in conflict)
        sets = [f'"{c}" = EXCLUDED."{c}"' for c in update]
        sets += [f'"{c}" = "{table.name}"."{c}" + EXCLUDED."{c}"' for c in increment]
        if sets:
            sql += f" ON CONFLICT ({target}) DO UPDATE SET {', '.join(sets)}"
        else:
            sql += f" ON CONFLICT ({target}) DO NOTHING"
    if returning:
        sql += f' RETURNING "{returning}"'
    # The whole batch as one JSON document, encoded by pydantic-core (Rust), parsed by PostgreSQL (C).
    document = pydantic_core.to_json(rows, bytes_mode="hex").decode()
    adapter = await _in_transaction(session)
    async with adapter._execute_mutex:
        rows_out = await adapter._connection.fetch(sql, document)
    return [r[0] for r in rows_out] if returning else []


async def _in_transaction(session: AsyncSession) -> Any:
    """SQLAlchemy's asyncpg adapter under the session, with the session's transaction begun on it
    (the adapter begins lazily, on its first statement; a bulk write may be that first statement)."""
    conn = await session.connection()
    adapter: Any = (await conn.get_raw_connection()).dbapi_connection
    async with adapter._execute_mutex:
        if adapter._transaction is None:
            await adapter._start_transaction()
    return adapter


async def _insert_sqlalchemy(
    session: AsyncSession,
    table: Table,
    rows: Sequence[dict[str, Any]],
    conflict: Sequence[str] | None,
    update: Sequence[str],
    increment: Sequence[str],
    returning: str | None,
) -> list[Any]:
    columns = _columns(table, rows)
    defaults = {c: _default(table, c) for c in columns}
    full = [{c: row.get(c, defaults[c]) for c in columns} for row in rows]
    stmt: Any = sqlite.insert(table) if conflict else table.insert()
    if conflict:
        sets = {c: stmt.excluded[c] for c in update} | {c: table.c[c] + stmt.excluded[c] for c in increment}
        stmt = (
            stmt.on_conflict_do_update(index_elements=list(conflict), set_=sets)
            if sets
            else stmt.on_conflict_do_nothing()
        )
    if returning:
        stmt = stmt.returning(table.c[returning])
        return list((await session.execute(stmt, full)).scalars().all())
    await session.execute(stmt, full)
    return []
