"""The relay's housekeeping and exclusivity: sent rows are deleted after the retention (unsent never), and
only one relay per service database publishes at a time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from dvckit.bulk import insert_rows
from dvckit.devbroker import ensure_topics
from dvckit.messaging.relay import RELAY_LOCK, OutboxRelay
from dvckit.settings import KafkaSettings
from dvckit.testing import MessagingStore, PostgresServer, eventually, messaging_store

Store = MessagingStore


@pytest.fixture
async def store(pg: PostgresServer) -> AsyncIterator[Store]:
    async with messaging_store(pg, "dvct_kit_relay") as store:
        yield store


async def _outbox(store: Store, rows: list[dict[str, object]]) -> None:
    sessions, tables = store
    async with sessions() as s:
        await insert_rows(
            s, tables.outbox, [{"topic": "t", "value": b"{}", "headers": [], **r} for r in rows]
        )
        await s.commit()


async def test_prune_deletes_only_rows_sent_before_the_retention(store: Store) -> None:
    sessions, tables = store
    now = datetime.now(UTC)
    sent = {"old-sent": now - timedelta(days=8), "recent-sent": now - timedelta(days=6), "unsent": None}
    await _outbox(store, [{"key": k, "event_id": k, "sent_at": at} for k, at in sent.items()])
    relay = OutboxRelay(sessions, tables, KafkaSettings(), service="kit-test", retention_seconds=7 * 86400)
    assert await relay.prune() == 1
    assert await relay.prune() == 0
    async with sessions() as s:
        left = sorted((await s.execute(select(tables.outbox.c.key))).scalars().all())
    assert left == ["recent-sent", "unsent"]


async def test_prune_walks_the_old_end_in_batches_past_stuck_and_late_rows(store: Store) -> None:
    sessions, tables = store
    now = datetime.now(UTC)
    rows: list[dict[str, object]] = [{"key": "stuck", "event_id": "stuck", "sent_at": None}]
    old = [{"key": f"old-{i}", "event_id": f"o{i}", "sent_at": now - timedelta(days=9)} for i in range(23)]
    # sent late, after a retry: a recent row among old ones
    late = {"key": "late", "event_id": "late", "sent_at": now - timedelta(hours=2)}
    rows += [*old[:10], late, *old[10:]]
    rows += [{"key": f"new-{i}", "event_id": f"n{i}", "sent_at": now - timedelta(hours=1)} for i in range(4)]
    await _outbox(store, rows)
    relay = OutboxRelay(sessions, tables, KafkaSettings(), service="kit-test", retention_seconds=7 * 86400)
    assert await relay.prune(batch=5) == 23
    async with sessions() as s:
        left = sorted((await s.execute(select(tables.outbox.c.key))).scalars().all())
    assert left == sorted(["stuck", "late", *(f"new-{i}" for i in range(4))])


async def test_one_relay_at_a_time_per_database(store: Store) -> None:
    """Two instances' relays sending neighbouring batches side by side could reorder a key's events:
    while one holds the relay lock, the other publishes nothing (and never touches the broker)."""
    sessions, tables = store
    await _outbox(store, [{"key": "k", "event_id": "e1"}])
    standby = OutboxRelay(sessions, tables, KafkaSettings(bootstrap="127.0.0.1:1"), service="kit-test")
    async with sessions() as other, other.begin():
        await other.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": RELAY_LOCK})
        assert await standby.publish_batch() == 0, "the lock holder is the only relay publishing"
    async with sessions() as s:
        unsent = (await s.execute(select(tables.outbox.c.sent_at))).scalars().all()
    assert unsent == [None]


async def test_a_commit_between_an_empty_read_and_the_wait_wakes_the_relay(
    store: Store, kafka_bootstrap: str
) -> None:
    """The lost wake-up: a row committed (and ``wake()`` called) just after the relay found nothing must go
    out at once, not after the idle poll (30 s here)."""
    sessions, tables = store
    await ensure_topics(kafka_bootstrap, [("kit-relay-wake", 1)])

    class CommitRightAfterTheRead(OutboxRelay):
        raced = False

        async def publish_batch(self) -> int:
            sent = await super().publish_batch()
            if not self.raced:
                self.raced = True
                await _outbox(store, [{"topic": "kit-relay-wake", "key": "k", "event_id": "late-commit"}])
                self.wake()
            return sent

    relay = CommitRightAfterTheRead(
        sessions, tables, KafkaSettings(bootstrap=kafka_bootstrap), service="kit-test", idle_seconds=30
    )
    relay.start()
    try:

        async def sent() -> bool:
            async with sessions() as s:
                q = select(tables.outbox.c.sent_at).where(tables.outbox.c.event_id == "late-commit")
                return (await s.scalar(q)) is not None

        await eventually(sent, timeout=10)
    finally:
        await relay.stop()
