"""A consumer group's lag on one topic, for the whole group (every instance's partitions): the end offsets
minus the group's committed offsets, i.e. what was published and not yet applied. For admission control (a
service refusing new work while its consumers are behind); clients are kept between calls and rebuilt after
a failure."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient

from dvckit.messaging.kafka import client_kwargs, topic_partitions
from dvckit.settings import KafkaSettings


@dataclass(frozen=True)
class GroupLagSample:
    lag: int  # end offsets − committed offsets, summed over the topic's partitions
    committed: int  # the committed offsets summed: its growth over time is the group's apply rate


class GroupLag:
    def __init__(self, kafka: KafkaSettings, group: str, topic: str, *, client_id: str) -> None:
        self._kafka = kafka
        self._group = group
        self._topic = topic
        self._client_id = client_id
        self._admin: AIOKafkaAdminClient | None = None
        self._consumer: AIOKafkaConsumer | None = None

    async def sample(self) -> GroupLagSample:
        """Raises while the broker does not answer (the caller keeps its last figure)."""
        try:
            consumer, admin = await self._clients()
            partitions = await topic_partitions(consumer, [self._topic])
            ends = await consumer.end_offsets(partitions) if partitions else {}
            offsets = await admin.list_consumer_group_offsets(self._group, partitions=partitions or None)
        except Exception:
            await self.close()
            raise
        committed = {
            tp: int(meta.offset)
            for tp, meta in offsets.items()
            if meta.offset is not None and meta.offset >= 0
        }
        # A partition the group never committed on: everything in it is still to apply (auto_offset_reset
        # earliest). Kafka's log start may have moved past 0 with retention: an overestimate, never an under.
        lag = sum(max(0, int(end) - committed.get(tp, 0)) for tp, end in ends.items())
        return GroupLagSample(lag=lag, committed=sum(committed.values()))

    async def _clients(self) -> tuple[AIOKafkaConsumer, AIOKafkaAdminClient]:
        if self._consumer is None:
            consumer = AIOKafkaConsumer(
                **client_kwargs(self._kafka), enable_auto_commit=False, client_id=self._client_id
            )
            await consumer.start()
            self._consumer = consumer
        if self._admin is None:
            admin = AIOKafkaAdminClient(**client_kwargs(self._kafka), client_id=self._client_id)
            await admin.start()
            self._admin = admin
        return self._consumer, self._admin

    async def close(self) -> None:
        consumer, self._consumer = self._consumer, None
        admin, self._admin = self._admin, None
        if consumer is not None:
            with contextlib.suppress(Exception):
                await consumer.stop()
        if admin is not None:
            with contextlib.suppress(Exception):
                await admin.close()
