"""A unit of work that asks for a snapshot sees one moment across all its reads, even when another
transaction commits between them (PostgreSQL's default gives each statement its own snapshot)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from dvckit.bulk import insert_rows
from dvckit.testing import MessagingStore, PostgresServer, messaging_store
from dvckit.uow import UnitOfWork

Store = MessagingStore


@pytest.fixture
async def store(pg: PostgresServer) -> AsyncIterator[Store]:
    async with messaging_store(pg, "dvct_kit_snapshot") as store:
        yield store


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
