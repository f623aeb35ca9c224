"""One way to consume: parse the envelope, then run the handler in a unit of work that records the
event id in the inbox (a repeat is a no-op). Kafka offsets are committed after the transaction commits.

Records arrive in batches (up to ``max_records``). Fast path: the whole batch in one transaction — one
inbox insert for all ids, the handler for the new events, one commit, one offset commit. If anything in
the batch fails, the transaction rolls back and the batch is replayed one record per transaction (slow
path), so one bad record never takes the good ones with it:

- Unparseable or not-allowed records go, through the outbox, to a dead-letter/rejected topic with the
  reason and the original bytes (``spec.rejecter``), and the consumer moves on: nothing poisons a partition.
- A handler bug is retried a few times, then dead-lettered with the error.
- An infrastructure failure (database unreachable) is raised, so the batch is redelivered rather than
  dead-lettered: nothing is lost while the database is down.

Handlers come in two shapes: per event (``handler(event, uow)``; raise ``Rejected`` to refuse one), or
per batch (``batch_handler(events, uow) -> [Rejection]``, for bulk reads and writes on hot topics). Services
declare them typed (``dvckit.messaging.typed``, ``Runtime.subscribe(FeePaidV1, handler)``): the payload is
validated once, before the handler. A raw route (``Runtime.subscribe_raw``) gets the records as they are,
without envelope or inbox (a topic that is not CloudEvents, e.g. dead-letter).

Parts of a batch from different topics are handled in the order their routes were declared: declare what
others refer to first (reporting: the catalog, then dossiers, then what refers to them).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

import asyncpg
import structlog
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.middlewares import AckPolicy

from dvc_contracts import topics
from dvc_contracts.envelope import CloudEvent, EnvelopeError, from_kafka
from dvckit.db import DATABASE_UNAVAILABLE, database_unavailable
from dvckit.logging import get_logger
from dvckit.messaging.typed import BatchHandler, Rejection, bind_event
from dvckit.metrics import EVENTS_CONSUMED
from dvckit.uow import UnitOfWork

log = get_logger("dvckit.consumer")

# Raw asyncpg errors too: the bulk writes (dvckit.bulk) talk to asyncpg directly, without SQLAlchemy's
# wrapping. A deadlock or a serialization failure is transient as well: the batch is redelivered whole.
INFRA_ERRORS = (
    *DATABASE_UNAVAILABLE,
    OSError,
    asyncpg.DeadlockDetectedError,
    asyncpg.SerializationError,
)


class Rejected(Exception):
    """Raised by a per-event handler for a record that is not allowed; it goes to ``topic``."""

    def __init__(self, reason: str, message: str, *, topic: str = topics.DEAD_LETTER) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.topic = topic


class Retry(Exception):
    """Raised by a handler when the batch cannot be decided yet (e.g. a read model still catching up):
    nothing is applied, the batch is redelivered after a pause."""


class Record(Protocol):
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Any


Handler = Callable[[CloudEvent, Any], Awaitable[None]]
# A raw route's handler: the records as they came, in a unit of work the kit commits (no envelope, no inbox).
RecordsHandler = Callable[[Sequence[Record], Any], Awaitable[None]]
Rejecter = Callable[[UnitOfWork, Record, str, str, str], Awaitable[None]]
Parsed = tuple[Record, CloudEvent | EnvelopeError]


async def dead_letter_record(uow: UnitOfWork, record: Record, reason: str, message: str, topic: str) -> None:
    """The default rejecter: the original bytes and headers, with the reason, to ``topic``."""
    await uow.dead_letter(
        reason=reason,
        message=message,
        original_topic=record.topic,
        original_key=record.key,
        original_value=record.value,
        original_headers=list(record.headers or ()),
        partition=record.partition,
        offset=record.offset,
        topic=topic,
    )


@dataclass(frozen=True)
class ConsumerSpec:
    service: str
    group_id: str
    uow_factory: Callable[[], UnitOfWork]
    max_attempts: int = 3
    retry_base_seconds: float = 0.2
    max_records: int = 500
    batch_timeout_ms: int = 50
    fetch_max_wait_ms: int = 100
    rejecter: Rejecter = dead_letter_record


def per_event(handler: Handler) -> BatchHandler:
    """Run a per-event handler over a batch; a ``Rejected`` rolls the batch back (slow path rejects it)."""

    async def batch(events: list[CloudEvent], uow: Any) -> list[Rejection]:
        for event in events:
            bind_event(event)
            await handler(event, uow)
        return []

    batch.__name__ = handler.__name__
    return batch


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


async def _raw_body(msg: Any) -> Any:
    """Keep FastStream from JSON-decoding: the envelope is parsed here (both content modes)."""
    return msg.body


@dataclass(frozen=True)
class Route:
    """One topic's handler inside a service's consumer. ``model``: the payload model of a typed route;
    ``raw``: ``handler`` is a ``RecordsHandler`` (records as they are, no envelope, no inbox)."""

    topic: str
    handler: BatchHandler | RecordsHandler
    spec: ConsumerSpec
    description: str | None = None
    model: type[Any] | None = None
    raw: bool = False

    @property
    def inbox(self) -> str:
        """The inbox consumer name of the route's events: ``<service>:<handler name>`` (``Runtime.subscribe``'s
        ``name`` when given)."""
        return f"{self.spec.service}:{self.handler.__name__}"


def subscribe_routes(
    broker: KafkaBroker,
    routes: Sequence[Route],
    *,
    session_timeout_ms: int,
    heartbeat_interval_ms: int,
    group_id: str | None = None,
) -> Any:
    """One consumer (one group member) for several topics; each batch is split by topic and each part
    goes through ``process_batch`` with its own handler, inbox name and rejecter (a raw route's through
    ``process_records``), in the order of ``routes``. One member per service instead of one per topic avoids
    a rebalance for every topic at start-up."""
    by_topic = {r.topic: r for r in routes}
    if len(by_topic) != len(routes):
        raise ValueError("one handler per topic in a consumer")
    spec = routes[0].spec
    names = ", ".join(f"{r.topic} → {r.handler.__name__}" for r in routes)
    sub = broker.subscriber(
        *by_topic,
        group_id=group_id or spec.group_id,
        batch=True,
        max_records=spec.max_records,
        batch_timeout_ms=spec.batch_timeout_ms,
        fetch_max_wait_ms=spec.fetch_max_wait_ms,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        decoder=_raw_body,
        session_timeout_ms=session_timeout_ms,
        heartbeat_interval_ms=heartbeat_interval_ms,
        title=f"{spec.service}:{'+'.join(by_topic)}",
        description="; ".join(
            f"{r.topic}: {r.description or (r.handler.__doc__ or '').strip() or r.handler.__name__}"
            for r in routes
        )
        or names,
    )

    async def on_batch(msg: KafkaMessage) -> None:
        try:
            await dispatch(routes, msg.raw_message)
        except Exception as exc:
            # Infrastructure down or Retry: back off, then let FastStream redeliver (offsets not committed;
            # parts already applied are repeats then, which their inboxes make no-ops).
            if isinstance(exc, Retry):
                log.info("consumer.retry_later", reason=str(exc)[:300])
            else:
                log.error("consumer.infrastructure_error", error=repr(exc)[:500])
            await asyncio.sleep(1.0)
            raise

    on_batch.__name__ = f"on_{spec.service}_" + "_".join(t.replace("-", "_") for t in by_topic)
    sub(on_batch)
    return sub


def subscribe(
    broker: KafkaBroker,
    topic: str,
    handler: BatchHandler,
    spec: ConsumerSpec,
    *,
    session_timeout_ms: int,
    heartbeat_interval_ms: int,
    description: str | None = None,
    group_id: str | None = None,
) -> Any:
    """Register a batch handler for one topic (consumer group: the service's unless ``group_id``)."""
    return subscribe_routes(
        broker,
        [Route(topic, handler, spec, description)],
        session_timeout_ms=session_timeout_ms,
        heartbeat_interval_ms=heartbeat_interval_ms,
        group_id=group_id,
    )
