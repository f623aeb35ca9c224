"""The inbox consumer on the real broker and PostgreSQL: once only, dead-letters, no blocked partition."""

from __future__ import annotations

import json
import uuid

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select

from dvc_contracts import topics
from dvc_contracts.envelope import CloudEvent, new_event, to_binary, to_structured
from dvckit.db import make_engine, make_sessionmaker, messaging_tables, new_metadata
from dvckit.devbroker import ensure_topics
from dvckit.messaging.consumer import ConsumerSpec, Rejected, _is_infra, per_event, subscribe
from dvckit.messaging.kafka import make_broker
from dvckit.messaging.relay import OutboxRelay
from dvckit.settings import KafkaSettings
from dvckit.testing import PostgresServer, eventually, read_topic
from dvckit.uow import UnitOfWork

pytestmark = pytest.mark.integration


def _tables(metadata: MetaData) -> Table:
    # No unique key on event_id: applying an event twice would show as two rows.
    return Table(
        "applied",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("event_id", String(100)),
        Column("note", String(200)),
    )


async def test_consumer_applies_once_and_dead_letters_bad_records(
    pg: PostgresServer, kafka_bootstrap: str
) -> None:
    topic = f"kit-consumer-{uuid.uuid4().hex[:6]}"
    await ensure_topics(kafka_bootstrap, [(topic, 1)])  # one partition: a poison record would block it
    metadata = new_metadata()
    tables = messaging_tables(metadata)
    applied = _tables(metadata)
    engine = make_engine(pg.sqlalchemy_url(await pg.create_database("dvct_kit_consumer")))
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    sessionmaker = make_sessionmaker(engine)
    kafka = KafkaSettings(bootstrap=kafka_bootstrap, session_timeout_ms=1000)
    relay = OutboxRelay(sessionmaker, tables, kafka, service="kit-consumer", idle_seconds=0.05)
    spec = ConsumerSpec(
        service="kit-consumer",
        group_id=f"kit-{uuid.uuid4().hex[:6]}",
        uow_factory=lambda: UnitOfWork(sessionmaker, tables, service="kit-consumer", on_published=relay.wake),
        retry_base_seconds=0.01,
    )
    calls: list[str] = []

    async def apply_note(event: CloudEvent, uow: UnitOfWork) -> None:
        calls.append(event.id)
        note = event.data.get("note")
        if note == "bug":
            raise ZeroDivisionError("a handler bug")
        if note == "not-allowed":
            raise Rejected("agency_not_allowed", "agency X may not report procedure Y")
        await uow.session.execute(insert(applied).values(event_id=event.id, note=note))

    broker = make_broker(kafka, client_id="kit-consumer-test")
    subscribe(broker, topic, per_event(apply_note), spec, session_timeout_ms=1000, heartbeat_interval_ms=250)

    first = new_event("kit-noted", "/test", {"note": "Hồ sơ đầu tiên"}, subject="K1")
    structured = new_event("kit-noted", "/test", {"note": "structured"}, subject="K1")
    bug = new_event("kit-noted", "/test", {"note": "bug"}, subject="K1")
    rejected = new_event("kit-noted", "/test", {"note": "not-allowed"}, subject="K1")
    last = new_event("kit-noted", "/test", {"note": "after the poison"}, subject="K1")
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        for record in (
            to_binary(first),
            to_binary(first),  # duplicate delivery
            ([("content-type", b"application/json"), ("ce_specversion", b"1.0")], b"{not json"),
            to_structured(structured),
            to_binary(bug),
            to_binary(rejected),
            to_binary(last),
        ):
            headers, value = record
            await producer.send_and_wait(topic, value=value, key=b"K1", headers=headers)
    finally:
        await producer.stop()

    await broker.start()
    relay.start()
    try:

        async def done() -> bool:
            async with sessionmaker() as s:
                return len((await s.execute(select(applied))).all()) >= 3

        await eventually(done, timeout=30)
        async with sessionmaker() as s:
            rows = [
                (r.event_id, r.note) for r in (await s.execute(select(applied).order_by(applied.c.id))).all()
            ]
        assert rows == [
            (first.id, "Hồ sơ đầu tiên"),
            (structured.id, "structured"),
            (last.id, "after the poison"),
        ], "each event applied exactly once, in order, the duplicate and the bad records not at all"
        # The batch is tried whole once, then record by record: the bug gets max_attempts more tries.
        assert calls.count(bug.id) == 1 + spec.max_attempts

        def three_dead(records: list) -> bool:  # type: ignore[type-arg]
            mine = [r for r in records if dict(r.headers).get("dvc_original_topic") == topic.encode()]
            return len(mine) >= 3

        dead = await read_topic(kafka_bootstrap, topics.DEAD_LETTER, three_dead)
        mine = [r for r in dead if dict(r.headers).get("dvc_original_topic") == topic.encode()]
        by_reason = {dict(r.headers)["dvc_reason"].decode(): r for r in mine}
        assert set(by_reason) == {"malformed_json", "handler_failed", "agency_not_allowed"}
        assert by_reason["malformed_json"].value == b"{not json", "original bytes are kept"
        assert json.loads(by_reason["handler_failed"].value) == {"note": "bug"}
        assert b"ZeroDivisionError" in dict(by_reason["handler_failed"].headers)["dvc_message"]
    finally:
        await broker.stop()
        await relay.stop()
        await engine.dispose()


def test_raw_asyncpg_outages_and_deadlocks_mean_redeliver_not_dead_letter() -> None:
    """The bulk writes use asyncpg without SQLAlchemy's wrapping: its errors are classified the same way."""
    assert _is_infra(asyncpg.ConnectionDoesNotExistError("connection was closed"))
    assert _is_infra(asyncpg.DeadlockDetectedError("deadlock detected"))
    assert _is_infra(asyncpg.exceptions.TooManyConnectionsError("too many clients"))
    assert not _is_infra(asyncpg.UniqueViolationError("duplicate key"))
    assert not _is_infra(ValueError("bad data"))
