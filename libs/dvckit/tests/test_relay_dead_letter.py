"""One bad record never stalls a service's outbox (issue 13): a record the broker refuses for good is set aside
and dead-lettered with its reason, the rows around it go out in order, and the relay keeps going; a broker
that cannot be reached is only retried."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiokafka import errors
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from prometheus_client import REGISTRY
from sqlalchemy import select

from dvckit.db import DEAD_LETTERED
from dvckit.devbroker import NON_IDEMPOTENT_KINDS, DevBroker
from dvckit.messaging.deadletter import DEAD_LETTER_VALUE_MAX, InvalidRecordError, permanent_reason
from dvckit.messaging.relay import OutboxRelay
from dvckit.settings import KafkaSettings
from dvckit.testing import MessagingStore, PostgresServer, eventually, messaging_store, read_topic
from dvckit.uow import UnitOfWork

pytestmark = pytest.mark.integration
LIMIT = 10_000  # the test topics' max.message.bytes
SERVICE = "kit-dead-letter"


@pytest.fixture
def real_kafka(kafka_broker: DevBroker) -> Iterator[str]:
    if kafka_broker.kind in NON_IDEMPOTENT_KINDS:
        pytest.skip(f"{kafka_broker.kind}: the test needs a broker that enforces a topic's max.message.bytes")
    yield kafka_broker.bootstrap


@pytest.fixture
async def store(pg: PostgresServer) -> AsyncIterator[MessagingStore]:
    async with messaging_store(pg, "dvct_kit_dead_letter") as store:
        yield store


async def _topics(bootstrap: str, *names: str, limited: bool = True) -> None:
    """Topics with a small record batch limit, or the broker's default (1 MiB); one partition per key
    used below (k0, k1, k2)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        config = {"max.message.bytes": str(LIMIT)} if limited else {}
        response = await admin.create_topics([NewTopic(n, 3, 1, topic_configs=config) for n in names])
        assert all(entry[1] == 0 for entry in response.topic_errors), response.topic_errors
    finally:
        await admin.close()


def _relay(store: MessagingStore, bootstrap: str, dead_letters: str, **kw: Any) -> OutboxRelay:
    sessions, tables = store
    kafka = KafkaSettings(bootstrap=bootstrap, **kw.pop("kafka", {}))
    return OutboxRelay(
        sessions, tables, kafka, service=SERVICE, idle_seconds=0.05, dead_letter_topic=dead_letters, **kw
    )


async def _publish(store: MessagingStore, topic: str, items: list[tuple[str, int, int]]) -> list[str]:
    """Outbox rows (key, i, padding bytes) in one transaction; returns their event ids."""
    sessions, tables = store
    async with UnitOfWork(sessions, tables, service=SERVICE) as uow:
        ids = [
            (await uow.publish("kit-noted", {"i": i, "pad": "x" * pad}, key=key, topic=topic)).id
            for key, i, pad in items
        ]
        await uow.commit()
    return ids


async def _unsent(store: MessagingStore) -> int:
    sessions, tables = store
    async with sessions() as s:
        rows = (await s.execute(select(tables.outbox.c.id).where(tables.outbox.c.sent_at.is_(None)))).all()
    return len(rows)


async def _all_done(store: MessagingStore) -> bool:
    return await _unsent(store) == 0


async def _outbox_row(store: MessagingStore, event_id: str) -> Any:
    sessions, tables = store
    async with sessions() as s:
        return (await s.execute(select(tables.outbox).where(tables.outbox.c.event_id == event_id))).one()


def _header(record: Any, name: str) -> str | None:
    value = dict(record.headers).get(name)
    return value.decode() if value is not None else None


def _dead_letters(count: int) -> Any:
    return lambda records: len(records) >= count


async def test_a_record_too_large_for_its_topic_is_dead_lettered_and_the_rest_flow_in_order(
    store: MessagingStore, real_kafka: str
) -> None:
    topic, dead_letters = f"kit-dl-{uuid.uuid4().hex[:6]}", f"kit-dl-dead-{uuid.uuid4().hex[:6]}"
    await _topics(real_kafka, topic)
    await _topics(real_kafka, dead_letters, limited=False)
    good = [(f"k{i % 3}", i, 10) for i in range(30)]
    before = await _publish(store, topic, good[:10])
    [huge] = await _publish(store, topic, [("k1", 100, DEAD_LETTER_VALUE_MAX + 1000)])  # too large to carry
    middle = await _publish(store, topic, good[10:20])
    [large] = await _publish(store, topic, [("k2", 101, 2 * LIMIT)])  # over the topic's limit, carried
    after = await _publish(store, topic, good[20:])
    relay = _relay(store, real_kafka, dead_letters)
    relay.start()
    try:
        await eventually(lambda: _all_done(store), timeout=60)
        later = await _publish(store, topic, [(f"k{i % 3}", 200 + i, 10) for i in range(6)])
        relay.wake()
        await eventually(lambda: _all_done(store), timeout=30)  # the relay keeps going
    finally:
        await relay.stop()

    good_ids = [*before, *middle, *after, *later]
    records = await read_topic(real_kafka, topic, lambda rs: len(rs) >= len(good_ids), timeout=30)
    seen = [_header(r, "ce_id") for r in records]
    assert set(good_ids) <= set(seen), "every good row arrives"
    assert huge not in seen and large not in seen
    for key in ("k0", "k1", "k2"):
        order = [json.loads(r.value)["i"] for r in records if r.key == key.encode()]
        firsts = list(dict.fromkeys(order))  # a re-sent record (same ce_id) is a repeat inboxes ignore
        assert firsts == sorted(firsts), f"{key}'s events keep their order: {firsts}"

    dead = {_header(r, "ce_id"): r for r in await read_topic(real_kafka, dead_letters, _dead_letters(2))}
    assert set(dead) == {huge, large}
    for event_id, carried in ((huge, False), (large, True)):
        record, row = dead[event_id], await _outbox_row(store, event_id)
        assert _header(record, "dvc_reason") == "record_too_large"
        assert "MessageSizeTooLarge" in (_header(record, "dvc_message") or "")
        assert _header(record, "dvc_original_topic") == topic
        assert _header(record, "dvc_rejected_by") == SERVICE
        assert _header(record, "ce_type") == "kit-noted" and record.key == row.key.encode()
        assert _header(record, "dvc_original_size") == str(len(row.value))
        assert _header(record, "dvc_original_sha256") == hashlib.sha256(row.value).hexdigest()
        assert record.value == (row.value if carried else b"")
        assert (_header(record, "dvc_value_omitted") is None) == carried
        assert row.sent_at is not None and row.last_error.startswith(f"{DEAD_LETTERED}record_too_large")
    counted = REGISTRY.get_sample_value(
        "dvc_dead_letters_total", {"service": SERVICE, "topic": dead_letters, "reason": "record_too_large"}
    )
    assert counted == 2


async def test_a_topic_still_missing_after_the_bound_is_dead_lettered(
    store: MessagingStore, real_kafka: str
) -> None:
    topic, dead_letters = f"kit-dl-{uuid.uuid4().hex[:6]}", f"kit-dl-dead-{uuid.uuid4().hex[:6]}"
    missing = f"kit-dl-missing-{uuid.uuid4().hex[:6]}"
    await _topics(real_kafka, topic)
    await _topics(real_kafka, dead_letters, limited=False)
    [first] = await _publish(store, topic, [("k0", 0, 10)])
    [lost] = await _publish(store, missing, [("k0", 1, 10)])
    [last] = await _publish(store, topic, [("k0", 2, 10)])
    relay = _relay(
        store, real_kafka, dead_letters, kafka={"request_timeout_ms": 1000}, unknown_topic_seconds=2
    )
    relay.start()
    try:
        await eventually(lambda: _all_done(store), timeout=60)
    finally:
        await relay.stop()
    row = await _outbox_row(store, lost)
    assert row.last_error.startswith(f"{DEAD_LETTERED}unknown_topic")
    assert row.attempts >= 2, "a missing topic is retried until the bound, not dead-lettered at once"
    [dead] = await read_topic(real_kafka, dead_letters, _dead_letters(1))
    assert _header(dead, "dvc_reason") == "unknown_topic" and _header(dead, "dvc_original_topic") == missing
    records = await read_topic(real_kafka, topic, lambda rs: len(rs) >= 2)
    assert [_header(r, "ce_id") for r in records] == [first, last]


async def test_a_refused_dead_letter_is_set_aside_without_another_dead_letter(
    store: MessagingStore, real_kafka: str
) -> None:
    dead_letters = f"kit-dl-dead-{uuid.uuid4().hex[:6]}"
    await _topics(
        real_kafka, dead_letters
    )  # limited: the dead letter about a too-large record is refused too
    [refused] = await _publish(store, dead_letters, [("k0", 0, 2 * LIMIT)])
    [fine] = await _publish(store, dead_letters, [("k0", 1, 10)])
    relay = _relay(store, real_kafka, dead_letters)
    assert await relay.publish_pending() == 2
    await relay.stop()
    sessions, tables = store
    async with sessions() as s:
        rows = (await s.execute(select(tables.outbox.c.event_id, tables.outbox.c.last_error))).all()
    assert len(rows) == 2, "no dead letter about a dead letter"
    assert dict(rows)[refused].startswith(f"{DEAD_LETTERED}record_too_large")
    records = await read_topic(real_kafka, dead_letters, lambda rs: len(rs) >= 1)
    assert [_header(r, "ce_id") for r in records] == [fine]


async def test_an_unreachable_broker_is_retried_never_dead_lettered(store: MessagingStore) -> None:
    [event_id] = await _publish(store, "kit-dl-anything", [("k0", 0, 10)])
    relay = _relay(store, "127.0.0.1:1", "kit-dl-dead", kafka={"request_timeout_ms": 1000})
    for _ in range(2):
        with pytest.raises(errors.KafkaConnectionError):
            await relay.publish_batch()
    await relay.stop()
    row = await _outbox_row(store, event_id)
    assert row.sent_at is None and row.attempts >= 2 and not row.last_error.startswith(DEAD_LETTERED)


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (errors.MessageSizeTooLargeError(), "record_too_large"),
        (errors.RecordListTooLargeError(), "record_too_large"),
        (
            errors.for_code(87)(),
            "invalid_record",
        ),  # e.g. no key on a compacted topic (aiokafka: UnknownError)
        (InvalidRecordError(), "invalid_record"),
        (errors.InvalidTopicError(), "invalid_topic"),
        (errors.KafkaConnectionError(), None),  # the broker is down
        (errors.KafkaTimeoutError(), None),
        (errors.RequestTimedOutError(), None),
        (errors.NotEnoughReplicasError(), None),
        (errors.LeaderNotAvailableError(), None),
        (errors.TopicAuthorizationFailedError(), None),  # an ACL to fix: the rows go out once it is
        (errors.UnknownTopicOrPartitionError(), None),  # transient until the relay's bound
        (errors.CorruptRecordException(), None),  # may be damage on the wire: Java's client retries it too
        (errors.UnknownError(), None),
        (errors.OutOfOrderSequenceNumber(), None),
    ],
)
def test_which_refusals_are_for_good(error: Exception, reason: str | None) -> None:
    assert permanent_reason(error) == reason
