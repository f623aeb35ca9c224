"""The relay retries while the broker is down and loses no outbox row (durable Tansu on moto S3)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from dvckit.db import make_engine, make_sessionmaker, messaging_tables, new_metadata
from dvckit.devbroker import DevBroker, ensure_topics
from dvckit.messaging.relay import OutboxRelay
from dvckit.settings import KafkaSettings
from dvckit.testing import PostgresServer, eventually, read_topic
from dvckit.uow import UnitOfWork

pytestmark = pytest.mark.integration
TOPIC = "kit-relay-test"


async def test_relay_retries_through_a_broker_kill(pg: PostgresServer, tmp_path: Path) -> None:
    broker = DevBroker(kind="tansu-s3", log_path=tmp_path / "broker.log")
    broker.start()
    try:
        await ensure_topics(broker.bootstrap, [(TOPIC, 4)])
        metadata = new_metadata()
        tables = messaging_tables(metadata)
        engine = make_engine(pg.sqlalchemy_url(await pg.create_database("dvct_kit_relay")))
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        sessionmaker = make_sessionmaker(engine)
        kafka = KafkaSettings(bootstrap=broker.bootstrap, request_timeout_ms=3000)
        relay = OutboxRelay(sessionmaker, tables, kafka, service="kit-test", batch_size=20, idle_seconds=0.05)
        ids: list[str] = []

        async def write(count: int) -> None:
            for i in range(count):
                async with UnitOfWork(
                    sessionmaker, tables, service="kit-test", on_published=relay.wake
                ) as uow:
                    ev = await uow.publish("kit-relay-tested", {"i": len(ids)}, key=f"k{i % 7}", topic=TOPIC)
                    await uow.commit()
                ids.append(ev.id)

        async def unsent() -> int:
            async with sessionmaker() as s:
                q = select(func.count()).select_from(tables.outbox).where(tables.outbox.c.sent_at.is_(None))
                return int(await s.scalar(q) or 0)

        async def all_sent() -> bool:
            return await unsent() == 0

        relay.start()
        await write(50)
        await eventually(all_sent, timeout=30)

        broker.kill()
        await write(50)

        async def tried() -> bool:  # the relay tries and fails meanwhile
            async with sessionmaker() as s:
                q = select(func.max(tables.outbox.c.attempts)).where(tables.outbox.c.sent_at.is_(None))
                return bool(await s.scalar(q))

        await eventually(tried, timeout=30)  # failed publish attempts are recorded on the rows
        assert await unsent() == 50, "rows written while the broker was down must stay in the outbox"

        broker.restart()
        await eventually(all_sent, timeout=60)
        await relay.stop()
        await engine.dispose()

        def have_all(records: list) -> bool:  # type: ignore[type-arg]
            seen = {dict(r.headers).get("ce_id", b"").decode() for r in records}
            return set(ids) <= seen

        records = await read_topic(broker.bootstrap, TOPIC, have_all, timeout=30)
        seen = {dict(r.headers)["ce_id"].decode() for r in records}
        assert set(ids) <= seen, f"{len(set(ids) - seen)} of {len(ids)} events never reached the broker"
    finally:
        broker.stop()
