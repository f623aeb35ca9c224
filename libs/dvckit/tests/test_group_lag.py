"""GroupLag: a group's lag on a topic over every partition (end offsets − committed), on the real broker."""

from __future__ import annotations

import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import GroupCoordinatorNotAvailableError

from dvckit.devbroker import ensure_topics
from dvckit.messaging.lag import GroupLag
from dvckit.settings import KafkaSettings
from dvckit.testing import eventually

pytestmark = pytest.mark.integration


async def test_group_lag_counts_what_the_group_has_not_committed(kafka_bootstrap: str) -> None:
    topic, group = f"kit-lag-{uuid.uuid4().hex[:6]}", f"kit-lag-{uuid.uuid4().hex[:6]}"
    await ensure_topics(kafka_bootstrap, [(topic, 3)])
    lag = GroupLag(KafkaSettings(bootstrap=kafka_bootstrap), group, topic, client_id="kit-lag-test")
    try:

        async def answers() -> bool:  # a fresh broker creates its offsets topic on the first group lookup
            try:
                return (await lag.sample()).lag == 0
            except GroupCoordinatorNotAvailableError:
                return False

        await eventually(answers, timeout=30, every=0.5)
        producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
        await producer.start()
        try:
            for i in range(30):
                await producer.send_and_wait(topic, b"x", key=f"k{i}".encode())
        finally:
            await producer.stop()
        before = await lag.sample()
        assert (before.lag, before.committed) == (30, 0)  # a group that never committed: all of it

        consumer = AIOKafkaConsumer(
            topic, bootstrap_servers=kafka_bootstrap, group_id=group, auto_offset_reset="earliest",
            enable_auto_commit=False, session_timeout_ms=6000, heartbeat_interval_ms=1500,
        )  # fmt: skip
        await consumer.start()
        try:
            read = 0
            while read < 30:
                batch = await consumer.getmany(timeout_ms=1000, max_records=30)
                read += sum(len(records) for records in batch.values())
            await consumer.commit()
        finally:
            await consumer.stop()
        after = await lag.sample()
        assert (after.lag, after.committed) == (0, 30)
    finally:
        await lag.close()
