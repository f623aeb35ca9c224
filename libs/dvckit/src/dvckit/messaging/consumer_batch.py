"""How a consumer handles what it fetched (:mod:`dvckit.messaging.consumer`): a batch split by topic, each
part in one transaction (fast path) or, when something in it fails, one record per transaction (slow path);
infrastructure failures are raised for a redelivery, never dead-lettered."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from typing import cast

import asyncpg
import structlog

from dvc_contracts import topics
from dvc_contracts.envelope import CloudEvent, EnvelopeError, from_kafka
from dvckit.db import DATABASE_UNAVAILABLE, database_unavailable
from dvckit.logging import get_logger
from dvckit.messaging.consumer_spec import (
    ConsumerSpec,
    Parsed,
    Record,
    RecordsHandler,
    Rejected,
    Retry,
    Route,
)
from dvckit.messaging.typed import BatchHandler, bind_event
from dvckit.metrics import EVENTS_CONSUMED

log = get_logger("dvckit.consumer")

# Raw asyncpg errors too: the bulk writes (dvckit.bulk) talk to asyncpg directly, without SQLAlchemy's
# wrapping. A deadlock or a serialization failure is transient as well: the batch is redelivered whole.
INFRA_ERRORS = (
    *DATABASE_UNAVAILABLE,
    OSError,
    asyncpg.DeadlockDetectedError,
    asyncpg.SerializationError,
)


def _is_infra(exc: BaseException) -> bool:
    """Errors that mean "redeliver later", never "dead-letter": infrastructure down, or Retry."""
    return isinstance(exc, (*INFRA_ERRORS, Retry)) or database_unavailable(exc)


def parse(record: Record) -> CloudEvent | EnvelopeError:
    try:
        return from_kafka(record.headers, record.value)
    except EnvelopeError as exc:
        return exc


async def _reject_alone(spec: ConsumerSpec, record: Record, reason: str, message: str, topic: str) -> str:
    async with spec.uow_factory() as uow:
        await spec.rejecter(uow, record, reason, message, topic)
        await uow.commit()
    return "rejected"


async def _fast_path(
    spec: ConsumerSpec, parsed: Sequence[Parsed], handler: BatchHandler, consumer: str
) -> Counter[str]:
    outcomes: Counter[str] = Counter()
    async with spec.uow_factory() as uow:
        ids = [(ev.id, r.topic) for r, ev in parsed if isinstance(ev, CloudEvent)]
        fresh = await uow.mark_seen_many(consumer, ids)
        new_events: list[CloudEvent] = []
        by_id: dict[str, Record] = {}
        for record, ev in parsed:
            if isinstance(ev, EnvelopeError):
                await spec.rejecter(uow, record, ev.reason, ev.message, topics.DEAD_LETTER)
                outcomes["rejected"] += 1
            elif ev.id in fresh:
                fresh.discard(ev.id)  # a second copy inside the same batch is a duplicate
                new_events.append(ev)
                by_id[ev.id] = record
            else:
                outcomes["duplicate"] += 1
        rejections = await handler(new_events, uow) if new_events else []
        for rej in rejections:
            await spec.rejecter(uow, by_id[rej.event_id], rej.reason, rej.message, rej.topic)
        outcomes["rejected"] += len(rejections)
        outcomes["applied"] += len(new_events) - len(rejections)
        await uow.commit()
    return outcomes


async def process_one(spec: ConsumerSpec, record: Record, handler: BatchHandler, consumer: str) -> str:
    """Handle one record in its own transaction; returns applied | duplicate | rejected."""
    event = parse(record)
    if isinstance(event, EnvelopeError):
        return await _reject_alone(spec, record, event.reason, event.message, topics.DEAD_LETTER)
    bind_event(event)
    error: Exception | None = None
    for attempt in range(1, spec.max_attempts + 1):
        try:
            async with spec.uow_factory() as uow:
                if not await uow.mark_seen(consumer, event.id, record.topic):
                    return "duplicate"
                rejections = await handler([event], uow)
                for rej in rejections:
                    await spec.rejecter(uow, record, rej.reason, rej.message, rej.topic)
                await uow.commit()
            return "rejected" if rejections else "applied"
        except Rejected as rej:
            return await _reject_alone(spec, record, rej.reason, rej.message, rej.topic)
        except Exception as exc:
            if _is_infra(exc):
                raise
            error = exc
        log.warning("consumer.handler_failed", attempt=attempt, error=repr(error)[:500])
        await asyncio.sleep(spec.retry_base_seconds * 2 ** (attempt - 1))
    return await _reject_alone(spec, record, "handler_failed", repr(error)[:1000], topics.DEAD_LETTER)


async def process_batch(
    spec: ConsumerSpec, records: Sequence[Record], handler: BatchHandler, consumer: str
) -> Counter[str]:
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(service=spec.service, topic=records[0].topic if records else None)
    parsed = [(r, parse(r)) for r in records]
    try:
        outcomes = await _fast_path(spec, parsed, handler, consumer)
    except Exception as exc:
        if _is_infra(exc):
            raise
        log.info("consumer.batch_fallback", records=len(records), error=repr(exc)[:300])
        outcomes = Counter()
        for record in records:
            outcomes[await process_one(spec, record, handler, consumer)] += 1
    for outcome, count in outcomes.items():
        EVENTS_CONSUMED.labels(spec.service, records[0].topic, outcome).inc(count)
    if outcomes["duplicate"]:
        log.info("consumer.duplicates_ignored", count=outcomes["duplicate"])
    return outcomes


async def process_records(spec: ConsumerSpec, records: Sequence[Record], handler: RecordsHandler) -> None:
    """A raw route's part of a batch: the handler and one commit; any failure means redeliver."""
    async with spec.uow_factory() as uow:
        await handler(records, uow)
        await uow.commit()
    EVENTS_CONSUMED.labels(spec.service, records[0].topic, "applied").inc(len(records))


async def dispatch(routes: Sequence[Route], records: Sequence[Record]) -> None:
    """A fetched batch, split by topic: each part through its route (``process_batch``, or a raw route's
    ``process_records``), in the order of ``routes``."""
    parts: dict[str, list[Record]] = {}
    for record in records:
        parts.setdefault(record.topic, []).append(record)
    for route in routes:
        part = parts.get(route.topic)
        if not part:
            continue
        if route.raw:
            await process_records(route.spec, part, cast(RecordsHandler, route.handler))
        else:
            await process_batch(route.spec, part, cast(BatchHandler, route.handler), route.inbox)
