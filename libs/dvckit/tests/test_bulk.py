"""Bulk writes: same rows, same conflict handling on PostgreSQL (unnest arrays) and SQLite (executemany),
and on PostgreSQL the write belongs to the session's transaction even when it is its first statement."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import JSON, Column, Date, Integer, LargeBinary, String, Table, select
from sqlalchemy.ext.asyncio import AsyncEngine

from dvckit.bulk import insert_rows
from dvckit.db import BigId, UtcDateTime, make_engine, make_sessionmaker, new_metadata
from dvckit.testing import PostgresServer

metadata = new_metadata()
things = Table(
    "bulk_things",
    metadata,
    Column("code", String(40), primary_key=True),
    Column("n", BigId, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("at", UtcDateTime, nullable=True),
    Column("day", Date, nullable=True),
    Column("doc", JSON, nullable=True),
    Column("raw", LargeBinary, nullable=True),
    Column("note", String(200), nullable=True),
)
T0 = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


@pytest.fixture(params=["postgresql", "sqlite"])
async def engine(
    request: pytest.FixtureRequest, pg: PostgresServer, tmp_path: Path
) -> AsyncIterator[AsyncEngine]:
    if request.param == "postgresql":
        url = pg.sqlalchemy_url(await pg.create_database("dvct_kit_bulk"))
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'bulk.db'}"
    eng = make_engine(url)
    async with eng.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield eng
    await eng.dispose()


def _row(i: int, **extra: object) -> dict[str, object]:
    return {
        "code": f"c{i}",
        "n": 10_000_000_000 + i,
        "at": T0 + timedelta(minutes=i),
        "day": date(2026, 11, 21),
        "doc": {"tên": "Hà Nội", "i": i, "list": [1, None]},
        "raw": bytes([i, 0, 255]),
        **extra,
    }


async def test_inserts_values_defaults_and_types(engine: AsyncEngine) -> None:
    sm = make_sessionmaker(engine)
    async with sm() as s:
        await insert_rows(s, things, [_row(1), _row(2, note="ghi chú")])
        await s.commit()
    async with sm() as s:
        got = {r.code: r for r in (await s.execute(select(things))).all()}
    assert got["c1"].attempts == 0, "python-side scalar default applied"
    assert got["c1"].n == 10_000_000_001 and got["c1"].raw == bytes([1, 0, 255])
    assert got["c1"].at == T0 + timedelta(minutes=1) and got["c1"].at.tzinfo is not None
    assert got["c1"].day == date(2026, 11, 21)
    assert got["c1"].doc == {"tên": "Hà Nội", "i": 1, "list": [1, None]}
    assert got["c1"].note is None and got["c2"].note == "ghi chú"


async def test_conflict_skips_or_updates_and_returns_what_was_written(engine: AsyncEngine) -> None:
    sm = make_sessionmaker(engine)
    async with sm() as s:
        await insert_rows(s, things, [_row(1), _row(2)])
        fresh = await insert_rows(s, things, [_row(2), _row(3)], conflict=["code"], returning="code")
        assert sorted(fresh) == ["c3"], "the existing row is skipped and not returned"
        updated = await insert_rows(
            s, things, [_row(1, note="mới")], conflict=["code"], update=["note"], returning="code"
        )
        assert updated == ["c1"]
        await s.commit()
    async with sm() as s:
        notes = {r.code: r.note for r in (await s.execute(select(things.c.code, things.c.note))).all()}
    assert notes == {"c1": "mới", "c2": None, "c3": None}


async def test_conflict_increments_counters(engine: AsyncEngine) -> None:
    sm = make_sessionmaker(engine)
    async with sm() as s:
        await insert_rows(s, things, [_row(1, attempts=2)])
        await insert_rows(
            s, things, [_row(1, attempts=3), _row(2, attempts=-1)], conflict=["code"], increment=["attempts"]
        )
        await s.commit()
    async with sm() as s:
        got = dict((await s.execute(select(things.c.code, things.c.attempts))).all())
    assert got == {"c1": 5, "c2": -1}


async def test_naive_datetime_is_refused(engine: AsyncEngine) -> None:
    async with make_sessionmaker(engine)() as s:
        with pytest.raises(Exception, match="naive"):
            await insert_rows(s, things, [_row(1, at=datetime(2026, 1, 1))])


async def test_first_statement_rolls_back_with_the_transaction(engine: AsyncEngine) -> None:
    sm = make_sessionmaker(engine)
    async with sm() as s:
        await insert_rows(s, things, [_row(7)])  # the very first statement of the session
        await s.rollback()
    async with sm() as s:
        await insert_rows(s, things, [_row(8)])
        await s.execute(select(things))
        await insert_rows(s, things, [_row(9)])
        await s.commit()
    async with sm() as s:
        codes = sorted((await s.execute(select(things.c.code))).scalars().all())
    assert codes == ["c8", "c9"]


async def test_empty_batch_writes_nothing(engine: AsyncEngine) -> None:
    async with make_sessionmaker(engine)() as s:
        assert await insert_rows(s, things, [], returning="code") == []
