"""Outbox relay and inbox consumer throughput on the real broker and PostgreSQL, with the raw aiokafka
produce/consume rates on the same broker as the reference."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import func, select

from dvckit.db import make_engine, make_sessionmaker, messaging_tables, new_metadata
from dvckit.devbroker import DevBroker, ensure_topics
from dvckit.messaging.consumer import ConsumerSpec, per_event, subscribe
from dvckit.messaging.kafka import make_broker, topic_partitions
from dvckit.messaging.relay import OutboxRelay
from dvckit.settings import KafkaSettings
from dvckit.testing import provision_postgres
from dvckit.uow import UnitOfWork

N = int(__import__("os").environ.get("BENCH_OUTBOX_N", "20000"))


async def raw_produce(bootstrap: str, topic: str, n: int) -> float:
    """Raw aiokafka produce rate (msgs/s): n records of 200 bytes, acks=all, linger 5 ms, 97 keys."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    await producer.start()
    value = b"x" * 200
    t0 = time.perf_counter()
    futures = [await producer.send(topic, value, key=str(i % 97).encode()) for i in range(n)]
    await asyncio.gather(*futures)
    produce_rate = n / (time.perf_counter() - t0)
    await producer.stop()
    return produce_rate


async def raw_consume(bootstrap: str, topic: str, n: int) -> float:
    """Raw aiokafka consume rate (msgs/s): read n records of ``topic`` from the beginning, no group."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    parts = await topic_partitions(consumer, [topic])
    consumer.assign(parts)
    await consumer.seek_to_beginning(*parts)
    got, t0 = 0, time.perf_counter()
    while got < n:
        batch = await consumer.getmany(timeout_ms=1000, max_records=5000)
        got += sum(len(v) for v in batch.values())
    consume_rate = n / (time.perf_counter() - t0)
    await consumer.stop()
    return consume_rate


async def _raw_rates(bootstrap: str, topic: str, n: int) -> tuple[float, float]:
    """The raw produce then consume rates on the same broker: the reference for the scenarios. The topic
    is created first (12 partitions, as the status topic): the dev broker does not create topics on use."""
    await ensure_topics(bootstrap, [(topic, 12)])
    produce_rate = await raw_produce(bootstrap, topic, n)
    return produce_rate, await raw_consume(bootstrap, topic, n)


async def run() -> dict[str, Any]:
    console = Console()
    pg = provision_postgres()
    with DevBroker() as broker:
        topic, raw_topic = f"bench-relay-{uuid.uuid4().hex[:6]}", f"bench-raw-{uuid.uuid4().hex[:6]}"
        await ensure_topics(broker.bootstrap, [(topic, 12), (raw_topic, 12)])
        produce_rate, consume_rate = await _raw_rates(broker.bootstrap, raw_topic, N)

        metadata = new_metadata()
        tables = messaging_tables(metadata)
        db = await pg.create_database("dvcbench_relay")
        engine = make_engine(pg.sqlalchemy_url(db), pool_size=20)
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        sm = make_sessionmaker(engine)
        kafka = KafkaSettings(bootstrap=broker.bootstrap, session_timeout_ms=1000)

        # 1. Write N events to the outbox (100 per transaction), then time the relay draining them.
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("writing outbox rows", total=N)
            for start in range(0, N, 100):
                async with UnitOfWork(sm, tables, service="bench") as uow:
                    for i in range(start, min(start + 100, N)):
                        await uow.publish(
                            "bench-happened", {"i": i, "t": time.time()}, key=f"k{i % 997}", topic=topic
                        )
                    await uow.commit()
                progress.advance(task, 100)
        relay = OutboxRelay(sm, tables, kafka, service="bench", batch_size=1000, idle_seconds=0.05)
        t0 = time.perf_counter()
        relay.start()
        while True:
            async with sm() as s:
                left = await s.scalar(select(func.count()).where(tables.outbox.c.sent_at.is_(None)))
            if not left:
                break
            await asyncio.sleep(0.05)
        relay_rate = N / (time.perf_counter() - t0)
        await relay.stop()

        # 2. The inbox consumer (one transaction + one offset commit per event) on the same topic.
        latencies: list[float] = []
        done = asyncio.Event()

        async def handle(event: Any, uow: UnitOfWork) -> None:
            latencies.append(time.time() - event.data["t"])
            if len(latencies) >= N:
                done.set()

        fs = make_broker(kafka, client_id="bench")
        spec = ConsumerSpec(
            service="bench",
            group_id=f"bench-{uuid.uuid4().hex[:6]}",
            uow_factory=lambda: UnitOfWork(sm, tables, service="bench"),
        )
        subscribe(fs, topic, per_event(handle), spec, session_timeout_ms=1000, heartbeat_interval_ms=250)
        await fs.start()
        t0 = time.perf_counter()
        await asyncio.wait_for(done.wait(), timeout=1800)
        inbox_rate = N / (time.perf_counter() - t0)
        await fs.stop()
        await engine.dispose()
        await pg.drop_created()

    result = {
        "events": N,
        "broker": broker.kind,
        "raw_produce_msgs_per_s": round(produce_rate),
        "raw_consume_msgs_per_s": round(consume_rate),
        "relay_events_per_s": round(relay_rate),
        "inbox_consumer_events_per_s": round(inbox_rate),
    }
    table = Table(title=f"outbox relay + inbox consumer, {N} events, {broker.kind}")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for k, v in result.items():
        table.add_row(k, str(v))
    console.print(table)
    return result
