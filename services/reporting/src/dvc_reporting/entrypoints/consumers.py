"""Kafka subscription of reporting: every topic the read model is built from, in ONE consumer.

Why one consumer: reporting reads 15 topics. With one subscriber per topic (``runtime.subscribe_batch``) the
15 consumers of the group join one after another, and each ``start()`` waits for the rebalance its join
causes: 30-40 s before the service is up on Tansu (1-2 s per join), longer on Kafka. A single subscriber of
all topics joins once. Each batch is split by topic and every part goes through the kit's inbox consumer
(``process_batch``: inbox, handler, dead-lettering) with that topic's handler, exactly as
``runtime.subscribe_batch`` would; offsets are committed once every part has committed.

The dead-letter topic is not CloudEvents (``dvc_*`` headers and the original bytes): its records are stored
by their own position in the topic, so a repeat is a no-op without an inbox.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from faststream.kafka.annotations import KafkaMessage
from faststream.middlewares import AckPolicy

from dvc_contracts import topics
from dvc_reporting.adapters import orm
from dvc_reporting.adapters.store import ReadModelStore
from dvc_reporting.domain.projection import dead_letter_row
from dvc_reporting.service.handlers import SUBSCRIPTIONS
from dvc_reporting.service.uow import ReportingUnitOfWork
from dvckit.logging import get_logger
from dvckit.messaging.consumer import process_batch
from dvckit.metrics import EVENTS_CONSUMED
from dvckit.runtime import Runtime

log = get_logger("dvc_reporting.consumers")

TOPICS: tuple[str, ...] = (*(t for t, _ in SUBSCRIPTIONS), topics.DEAD_LETTER)


async def _raw(msg: Any) -> Any:
    return msg.body


async def store_dead_letters(runtime: Runtime[ReportingUnitOfWork], records: Sequence[Any]) -> None:
    rows = [dead_letter_row(r.partition, r.offset, r.key, r.headers) for r in records]
    async with runtime.uow() as uow:
        await ReadModelStore(uow.session).insert_ignore(orm.dead_letters, rows)
        uow.touched({"pipeline"})
        await uow.commit()
    EVENTS_CONSUMED.labels(runtime.settings.service_name, topics.DEAD_LETTER, "applied").inc(len(rows))


def register_consumers(runtime: Runtime[ReportingUnitOfWork]) -> Any:
    """Subscribe to every topic reporting reads (one consumer of the service's group). Returns the subscriber."""
    s, k = runtime.settings, runtime.settings.kafka
    spec = runtime.consumer_spec()
    handlers = dict(SUBSCRIPTIONS)
    sub = runtime.broker.subscriber(
        *TOPICS,
        group_id=s.group_id,
        batch=True,
        max_records=spec.max_records,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        decoder=_raw,
        session_timeout_ms=k.session_timeout_ms,
        heartbeat_interval_ms=k.heartbeat_interval_ms,
        title=f"{s.service_name}:read-model",
        description="Every event reporting folds into its read model (one consumer, per-topic handlers): "
        + "; ".join(f"{t}: {(h.__doc__ or '').strip()}" for t, h in SUBSCRIPTIONS)
        + "; dead-letter: records any service dead-lettered (reason, original topic, service).",
    )

    async def on_batch(msg: KafkaMessage) -> None:
        records: Sequence[Any] = msg.raw_message
        by_topic: dict[str, list[Any]] = {}
        for r in records:
            by_topic.setdefault(r.topic, []).append(r)
        try:
            for topic in TOPICS:  # catalog first, then dossiers, then what refers to them
                part = by_topic.get(topic)
                if not part:
                    continue
                if topic == topics.DEAD_LETTER:
                    await store_dead_letters(runtime, part)
                else:
                    handler = handlers[topic]
                    await process_batch(spec, part, handler, f"{s.service_name}:{handler.__name__}")
        except Exception as exc:
            # Infrastructure is down: back off, then let FastStream redeliver (offsets not committed).
            log.error("consumer.infrastructure_error", error=repr(exc)[:500])
            await asyncio.sleep(1.0)
            raise

    sub(on_batch)
    runtime.subscribers.append(sub)
    for topic in TOPICS:
        runtime.subscribers_by_topic.setdefault(topic, []).append(sub)
    return sub
