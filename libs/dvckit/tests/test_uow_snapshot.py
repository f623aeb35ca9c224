"""A unit of work that asks for a snapshot sees one moment across all its reads, even when another
transaction commits between them (PostgreSQL's default gives each statement its own snapshot)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dvckit.bulk import insert_rows
from dvckit.db import MessagingTables, make_engine, make_sessionmaker, messaging_tables, new_metadata
from dvckit.testing import PostgresServer
from dvckit.uow import UnitOfWork

Store = tuple[async_sessionmaker[AsyncSession], MessagingTables]


@pytest.fixture
async def store(pg: PostgresServer) -> AsyncIterator[Store]:
    metadata = new_metadata()
    tables = messaging_tables(metadata)
    engine = make_engine(pg.sqlalchemy_url(await pg.create_database("dvct_kit_snapshot")))
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield make_sessionmaker(engine), tables
    await engine.dispose()


async def _reads_around_a_commit(store: Store, snapshot: bool) -> tuple[int, int]:
    sessions, tables = store
    count = select(func.count()).select_from(tables.outbox)
    async with UnitOfWork(sessions, tables, service="kit-test") as uow:
        if snapshot:
            await uow.snapshot()
        before = (await uow.session.execute(count)).scalar_one()
        async with sessions() as other:
            await insert_rows(other, tables.outbox, [{"topic": "t", "value": b"{}", "headers": []}])
            await other.commit()
        after = (await uow.session.execute(count)).scalar_one()
    return before, after


async def test_snapshot_reads_ignore_a_commit_in_between(store: Store) -> None:
    before, after = await _reads_around_a_commit(store, snapshot=True)
    assert after == before


async def test_without_snapshot_the_second_read_sees_the_commit(store: Store) -> None:
    before, after = await _reads_around_a_commit(store, snapshot=False)
    assert after == before + 1
