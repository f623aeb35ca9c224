"""The inbox is pruned on a retention (issue 13): handled event ids older than ``<PREFIX>INBOX_RETENTION_DAYS``
go, in small batches, from a background task of every service; recent ids stay, and so do the ids of the
every-instance topics, which each instance reads again from the beginning at every start."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from dvc_contracts import clock
from dvc_contracts.events import ProcedurePublishedV1
from dvckit import app as kit_app
from dvckit.app import create_service_app
from dvckit.bulk import insert_rows
from dvckit.db import make_engine, messaging_tables, new_metadata
from dvckit.messaging.inbox import prune_inbox, prune_periodically
from dvckit.runtime import build_runtime
from dvckit.settings import KafkaSettings, ServiceSettings
from dvckit.testing import MessagingStore, PostgresServer, eventually, messaging_store, running_app
from dvckit.uow import UnitOfWork

KEPT_TOPIC = ProcedurePublishedV1.ce_type


@pytest.fixture
async def store(pg: PostgresServer) -> AsyncIterator[MessagingStore]:
    async with messaging_store(pg, "dvct_kit_inbox") as store:
        yield store


def _rows(now: datetime) -> list[dict[str, Any]]:
    """Ids received at known times: five past a 30-day retention, two within it, one old of a kept topic."""
    old = [("fee-paid", f"old-{d}", now - timedelta(days=d)) for d in (31, 32, 33, 40, 400)]
    recent = [
        ("fee-paid", "recent-29d", now - timedelta(days=29)),
        ("fee-paid", "recent-1h", now - timedelta(hours=1)),
    ]
    kept = [(KEPT_TOPIC, "catalog-old", now - timedelta(days=90))]
    return [
        {"consumer": "kit:on_event", "event_id": eid, "topic": topic, "received_at": at}
        for topic, eid, at in (*old, *recent, *kept)
    ]


async def _fill(store: MessagingStore, rows: list[dict[str, Any]]) -> None:
    sessions, tables = store
    async with sessions() as s:
        await insert_rows(s, tables.inbox, rows)
        await s.commit()


async def _left(store: MessagingStore) -> list[str]:
    sessions, tables = store
    async with sessions() as s:
        return sorted((await s.execute(select(tables.inbox.c.event_id))).scalars().all())


REMAINING = ["catalog-old", "recent-1h", "recent-29d"]


async def test_old_ids_go_in_batches_recent_and_kept_topics_stay(store: MessagingStore) -> None:
    await _fill(store, _rows(datetime.now(UTC)))
    sessions, tables = store
    pruned = await prune_inbox(
        sessions, tables.inbox, older_than=timedelta(days=30), keep_topics={KEPT_TOPIC}, batch=2
    )
    assert pruned == 5
    assert await _left(store) == REMAINING
    assert await prune_inbox(sessions, tables.inbox, older_than=timedelta(days=30)) == 1  # no kept topics


async def test_a_clock_pinned_in_the_future_does_not_empty_the_inbox(store: MessagingStore) -> None:
    """Bookkeeping runs on the system clock: ``received_at`` is the database's time, and a test (or
    ``scripts/test-clock.sh``) pinning the product's clock a year ahead must not make every id look old."""
    sessions, tables = store
    async with UnitOfWork(sessions, tables, service="kit") as uow:  # received_at: the database's now()
        assert await uow.mark_seen("kit:on_event", "just-now", "fee-paid")
        await uow.commit()
    with clock.pinned(datetime.now(UTC) + timedelta(days=400)):
        assert await prune_inbox(sessions, tables.inbox, older_than=timedelta(days=30)) == 0
    assert await _left(store) == ["just-now"]


async def _service_database(pg: PostgresServer) -> str:
    metadata = new_metadata()
    messaging_tables(metadata)
    url = pg.sqlalchemy_url(await pg.create_database("dvct_kit_inbox_rt"))
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    await engine.dispose()
    return url


async def _noop(event: Any, uow: Any) -> None:
    return None


@pytest.mark.parametrize(("days", "left"), [(30.0, REMAINING), (0.0, None)])
async def test_the_runtime_prunes_per_its_setting_and_keeps_every_instance_topics(
    pg: PostgresServer, days: float, left: list[str] | None
) -> None:
    settings = ServiceSettings(
        service_name="kit", database_url=await _service_database(pg), inbox_retention_days=days
    )
    runtime = build_runtime(settings, messaging_tables(new_metadata()), UnitOfWork)
    runtime.subscribe(ProcedurePublishedV1, _noop, every_instance=True)
    store = (runtime.sessionmaker, runtime.tables)
    rows = _rows(datetime.now(UTC))
    try:
        await _fill(store, rows)
        await runtime.prune_inbox()
        assert await _left(store) == (left or sorted(r["event_id"] for r in rows)), "0 keeps every id"
    finally:
        await runtime.engine.dispose()


@pytest.fixture
def gc_restored() -> Iterator[None]:
    """The app's start-up tunes the garbage collector for a service process; not for the rest of the tests."""
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("gc_restored")
async def test_every_service_app_prunes_its_inbox_in_the_background(
    pg: PostgresServer, kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def soon(prune: Any) -> None:  # the app's job, without the minute's wait and the hour between runs
        await prune_periodically(prune, every=0.1, first_after=0)

    monkeypatch.setattr(kit_app, "prune_periodically", soon)
    settings = ServiceSettings(
        service_name="kit",
        database_url=await _service_database(pg),
        kafka=KafkaSettings(bootstrap=kafka_bootstrap),
    )
    runtime = build_runtime(settings, messaging_tables(new_metadata()), UnitOfWork)
    store = (runtime.sessionmaker, runtime.tables)
    await _fill(store, _rows(datetime.now(UTC)))
    app = create_service_app(runtime, title="kit", description="inbox pruning")
    async with running_app(app):

        async def pruned() -> bool:
            return await _left(store) == ["recent-1h", "recent-29d"]

        await eventually(pruned, timeout=20)


async def test_the_periodic_task_survives_a_failed_run() -> None:
    runs: list[int] = []

    async def prune() -> int:
        runs.append(1)
        if len(runs) == 1:
            raise ConnectionError("database restarting")
        return 0

    task = asyncio.create_task(prune_periodically(prune, every=0.01, first_after=0))
    try:
        await eventually(lambda: asyncio.sleep(0, len(runs) >= 3), timeout=5)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
