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

The declarations (``ConsumerSpec``, ``Route``, the handler shapes, ``Rejected``, ``Retry``) are in
:mod:`dvckit.messaging.consumer_spec`, the handling of a batch in :mod:`dvckit.messaging.consumer_batch`; this
module subscribes the routes to the broker and re-exports both.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.middlewares import AckPolicy

from dvckit.logging import get_logger
from dvckit.messaging.consumer_batch import INFRA_ERRORS as INFRA_ERRORS
from dvckit.messaging.consumer_batch import _fast_path as _fast_path
from dvckit.messaging.consumer_batch import _is_infra as _is_infra
from dvckit.messaging.consumer_batch import _reject_alone as _reject_alone
from dvckit.messaging.consumer_batch import dispatch
from dvckit.messaging.consumer_batch import parse as parse
from dvckit.messaging.consumer_batch import process_batch as process_batch
from dvckit.messaging.consumer_batch import process_one as process_one
from dvckit.messaging.consumer_batch import process_records as process_records
from dvckit.messaging.consumer_spec import ConsumerSpec, Retry, Route
from dvckit.messaging.consumer_spec import Handler as Handler
from dvckit.messaging.consumer_spec import Parsed as Parsed
from dvckit.messaging.consumer_spec import Record as Record
from dvckit.messaging.consumer_spec import RecordsHandler as RecordsHandler
from dvckit.messaging.consumer_spec import Rejected as Rejected
from dvckit.messaging.consumer_spec import Rejecter as Rejecter
from dvckit.messaging.consumer_spec import dead_letter_record as dead_letter_record
from dvckit.messaging.consumer_spec import per_event as per_event
from dvckit.messaging.typed import BatchHandler
from dvckit.messaging.typed import Rejection as Rejection
from dvckit.messaging.typed import bind_event as bind_event

log = get_logger("dvckit.consumer")


async def _raw_body(msg: Any) -> Any:
    """Keep FastStream from JSON-decoding: the envelope is parsed here (both content modes)."""
    return msg.body


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
