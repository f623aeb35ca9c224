"""Reading topics to their end, and every consumer group's lag (committed offset against the log end)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from dvc_contracts.topics import partitions_for


async def read_all(bootstrap: str, names: Iterable[str]) -> list[Any]:
    """Every record of ``names`` from offset 0 to the end as it is now (no group: nothing committed)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, request_timeout_ms=30000
    )
    await consumer.start()
    try:
        parts = [TopicPartition(t, p) for t in names for p in range(partitions_for(t))]  # as provisioned
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        ends = await consumer.end_offsets(parts)
        out: list[Any] = []
        left = {tp for tp, end in ends.items() if end > 0}
        deadline = time.monotonic() + 600
        while left and time.monotonic() < deadline:
            batch = await consumer.getmany(*left, timeout_ms=1000, max_records=5000)
            for tp, records in batch.items():
                out.extend(records)
                if records and records[-1].offset + 1 >= ends[tp]:
                    left.discard(tp)
        return out
    finally:
        await consumer.stop()


async def group_lags(bootstrap: str) -> dict[str, int]:
    """group -> total lag over the partitions it has committed offsets for."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=15000, client_id=f"fs-lag-{uuid.uuid4().hex[:4]}"
    )
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await admin.start()
    await consumer.start()
    try:
        groups = [g[0] for g in await admin.list_consumer_groups()]
        committed = {g: await admin.list_consumer_group_offsets(g) for g in groups}
        parts = {tp for offs in committed.values() for tp in offs}
        ends = await consumer.end_offsets(list(parts)) if parts else {}
        return {
            g: sum(max(0, ends[tp] - meta.offset) for tp, meta in offs.items() if meta.offset >= 0)
            for g, offs in committed.items()
        }
    finally:
        await consumer.stop()
        await admin.close()
