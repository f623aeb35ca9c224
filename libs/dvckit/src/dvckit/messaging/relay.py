"""Outbox relay: publishes committed outbox rows in id order (acks=all) and marks them sent.

A row is marked sent only after the broker acknowledged it. If the broker is down, rows stay and the
relay retries with backoff; a crash between publish and mark means a re-publish, which consumers'
inboxes turn into a no-op (same ce_id).

One bad record never stalls the outbox: a record the broker refuses for good (larger than the topic accepts,
invalid, a topic missing for ``unknown_topic_seconds``: ``dvckit.messaging.deadletter``) is set aside — its
row marked done with ``last_error`` starting ``dead-lettered:`` — and a dead-letter record about it goes out
through the outbox; the rows after it flow on, in order.

The broker side (the producer, record batches per partition) is :mod:`dvckit.messaging.relay_send`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import UnknownTopicOrPartitionError
from aiokafka.partitioner import DefaultPartitioner
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dvc_contracts import topics
from dvckit.bulk import insert_rows
from dvckit.db import DEAD_LETTERED, MessagingTables, dialect_name
from dvckit.logging import get_logger
from dvckit.messaging.deadletter import describe, outbox_dead_letter, permanent_reason
from dvckit.messaging.relay_send import RelaySender, _maybe_permanent
from dvckit.messaging.relay_send import _deliver as _deliver
from dvckit.messaging.relay_send import _headers as _headers
from dvckit.messaging.relay_send import _key as _key
from dvckit.metrics import DEAD_LETTERS, OUTBOX_BACKLOG, OUTBOX_ERRORS, OUTBOX_PUBLISHED
from dvckit.settings import KafkaSettings
from dvckit.tasks import cancel_and_wait, wait_set

log = get_logger("dvckit.relay")
RELAY_LOCK = 0x44564300  # "DVC" + 0: the outbox relay of a service database


class OutboxRelay(RelaySender):
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        tables: MessagingTables,
        kafka: KafkaSettings,
        *,
        service: str,
        batch_size: int = 500,
        idle_seconds: float = 0.2,
        retention_seconds: float = 7 * 24 * 3600,
        prune_every_seconds: float = 300.0,
        unknown_topic_seconds: float = 600.0,
        dead_letter_topic: str = topics.DEAD_LETTER,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._outbox = tables.outbox
        self._kafka = kafka
        self._service = service
        self._batch_size = batch_size
        self._idle = idle_seconds
        self._retention = timedelta(seconds=retention_seconds)
        self._prune_every = prune_every_seconds
        self._pruned_at = 0.0
        self._wake = asyncio.Event()
        self._producer: AIOKafkaProducer | None = None
        self._partitioner = DefaultPartitioner()
        self._partitions: dict[str, list[int]] = {}
        self._task: asyncio.Task[None] | None = None
        self._unknown_topic_seconds = unknown_topic_seconds
        self._unknown_since: dict[str, float] = {}  # topic → when the broker first said it has no such topic
        self._dead_letter_topic = dead_letter_topic

    def wake(self) -> None:
        """Called after a commit that wrote outbox rows, so they go out without waiting for the poll."""
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"outbox-relay-{self._service}")

    async def stop(self) -> None:
        if self._task:
            await cancel_and_wait([self._task])
        with contextlib.suppress(Exception):
            # Flush what can still go out before the producer closes.
            await self.publish_pending()
        await self._close_producer()

    async def _run(self) -> None:
        backoff = 0.2
        while True:
            try:
                # Cleared before the read, never after it: a commit landing between an empty read and the
                # wait must still wake the relay at once (not after the idle poll).
                self._wake.clear()
                sent = await self.publish_batch()
                backoff = 0.2
                if sent == 0:
                    await self._prune_when_due()
                    await wait_set(self._wake, self._idle)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                OUTBOX_ERRORS.labels(self._service).inc()
                log.warning("outbox.publish_failed", error=repr(exc)[:300], retry_in_s=backoff)
                await self._close_producer()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def publish_pending(self) -> int:
        total = 0
        while sent := await self.publish_batch():
            total += sent
        return total

    async def publish_batch(self) -> int:
        """Publish the oldest unsent rows; returns how many the relay is done with (sent or set aside). A
        transient failure is recorded on the rows still unsent and raised (the loop backs off and retries)."""
        async with self._sessionmaker() as session, session.begin():
            rows = await self._claim(session)
            if rows is None:  # another instance's relay is publishing
                return 0
            if not rows:
                OUTBOX_BACKLOG.labels(self._service).set(0)
                return 0
            outcome = await self._publish(rows)
            await self._record(session, rows, outcome)
        if outcome.error is not None and not isinstance(outcome.error, UnknownTopicOrPartitionError):
            self._unknown_since.clear()  # the bound counts a topic missing from a broker that answers
        self._count(rows, outcome)
        if outcome.error is not None:
            raise outcome.error
        if len(rows) == self._batch_size:
            await self._update_backlog()
        else:
            OUTBOX_BACKLOG.labels(self._service).set(0)
        return len(rows)

    async def _claim(self, session: AsyncSession) -> list[Any] | None:
        """The oldest unsent rows, locked; None while another relay holds the service's relay lock."""
        o = self._outbox
        query = select(o.c.id, o.c.topic, o.c.key, o.c.value, o.c.headers).where(o.c.sent_at.is_(None))
        query = query.order_by(o.c.id).limit(self._batch_size)
        if dialect_name(session) == "postgresql":
            # One relay at a time per service database: with several instances, two relays sending
            # neighbouring batches side by side could reorder one key's events. The others stand by.
            if not await session.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": RELAY_LOCK}):
                return None
            query = query.with_for_update(skip_locked=True)
        return list((await session.execute(query)).all())

    async def _publish(self, rows: list[Any]) -> Outcome:
        """All rows at once; if the broker refused something that may be a record's own fault, the rest one
        at a time, so the refused records are found and set aside and the others go out in order."""
        sent, error = await self._send(rows)
        if error is None or not _maybe_permanent(error):
            return Outcome(sent, error=error)
        await self._close_producer()  # the idempotent producer's sequence moved past the refused batch
        done = set(sent)
        return await self._one_by_one([r for r in rows if r.id not in done], sent)

    async def _one_by_one(self, rows: list[Any], sent: list[int]) -> Outcome:
        outcome = Outcome(sent)
        unknown: dict[str, Exception] = {}  # topics found missing past the bound: not asked again per row
        for row in rows:
            ok, error = ([], unknown[row.topic]) if row.topic in unknown else await self._send([row])
            outcome.sent += ok
            if error is None:
                continue
            reason = self._permanent_reason(row.topic, error)
            if reason is None:
                outcome.error = error  # transient: this row and the ones after it wait for the retry
                return outcome
            outcome.set_aside.append((row, reason, error))
            if reason == "unknown_topic":
                unknown[row.topic] = error  # nothing was sent: the producer's sequence did not move
            else:
                await self._close_producer()
        return outcome

    def _permanent_reason(self, topic: str, error: Exception) -> str | None:
        """Why ``error`` sets a record aside for good, or None. A missing topic is transient (it may be being
        created) until it has been missing for ``unknown_topic_seconds``."""
        if not isinstance(error, UnknownTopicOrPartitionError):
            return permanent_reason(error)
        first = self._unknown_since.setdefault(topic, time.monotonic())
        return "unknown_topic" if time.monotonic() - first >= self._unknown_topic_seconds else None

    async def _record(self, session: AsyncSession, rows: list[Any], outcome: Outcome) -> None:
        o = self._outbox
        now = datetime.now(UTC)
        if outcome.sent:
            await session.execute(update(o).where(o.c.id.in_(outcome.sent)).values(sent_at=now))
        for row, reason, error in outcome.set_aside:
            await self._set_aside(session, row, reason, error, now)
        done = {*outcome.sent, *(row.id for row, _, _ in outcome.set_aside)}
        rest = [r.id for r in rows if r.id not in done]
        if outcome.error is not None and rest:
            await session.execute(
                update(o)
                .where(o.c.id.in_(rest))
                .values(attempts=o.c.attempts + 1, last_error=repr(outcome.error)[:1000])
            )

    async def _set_aside(
        self, session: AsyncSession, row: Any, reason: str, error: Exception, now: datetime
    ) -> None:
        """Mark a refused row done (``last_error`` says so) and publish a dead-letter record about it. A
        dead-letter record refused in turn is only marked and logged: no dead letter about a dead letter."""
        o = self._outbox
        note = f"{DEAD_LETTERED}{reason}: {describe(error)}"[:1000]
        await session.execute(
            update(o).where(o.c.id == row.id).values(sent_at=now, attempts=o.c.attempts + 1, last_error=note)
        )
        if row.topic != self._dead_letter_topic:
            dead = outbox_dead_letter(
                row, reason, error, service=self._service, topic=self._dead_letter_topic
            )
            await insert_rows(session, o, [dead])
        log.error(
            "outbox.dead_lettered",
            outbox_id=row.id,
            topic=row.topic,
            key=row.key,
            reason=reason,
            error=describe(error)[:300],
            size=len(row.value),
            dead_letter_topic=None if row.topic == self._dead_letter_topic else self._dead_letter_topic,
        )

    def _count(self, rows: list[Any], outcome: Outcome) -> None:
        sent = set(outcome.sent)
        for topic, n in Counter(r.topic for r in rows if r.id in sent).items():
            OUTBOX_PUBLISHED.labels(self._service, topic).inc(n)
        for _, reason, _ in outcome.set_aside:
            DEAD_LETTERS.labels(self._service, self._dead_letter_topic, reason).inc()

    async def _prune_when_due(self) -> None:
        if time.monotonic() - self._pruned_at >= self._prune_every:
            self._pruned_at = time.monotonic()
            self._partitions.clear()  # topics may have grown partitions since
            await self.prune()

    async def prune(self, batch: int = 5_000) -> int:
        """Delete rows sent longer ago than the retention: they are history, the broker has them. Unsent rows
        are never deleted. Rows are sent in id order, so the old ones sit at the low end of the primary key:
        it is walked in batches (short transactions, no index on sent_at needed) until a batch holds nothing
        to delete."""
        o = self._outbox
        cutoff = datetime.now(UTC) - self._retention
        after, total = 0, 0
        while True:
            async with self._sessionmaker() as session, session.begin():
                query = select(o.c.id, o.c.sent_at).where(o.c.id > after).order_by(o.c.id).limit(batch)
                rows = (await session.execute(query)).all()
                old = [r.id for r in rows if r.sent_at is not None and r.sent_at < cutoff]
                if old:
                    await session.execute(delete(o).where(o.c.id.in_(old)))
            total += len(old)
            if len(rows) < batch or not old:  # past the old end (a late straggler does not stop the walk)
                break
            after = rows[-1].id
        if total:
            log.info("outbox.pruned", rows=total, older_than=cutoff.isoformat())
        return total

    async def _update_backlog(self) -> None:
        o = self._outbox
        async with self._sessionmaker() as session:
            count = await session.scalar(select(func.count()).select_from(o).where(o.c.sent_at.is_(None)))
        OUTBOX_BACKLOG.labels(self._service).set(count or 0)


@dataclass
class Outcome:
    """What a publish round did: rows the broker acknowledged, rows set aside for good (row, reason, error),
    and the transient error that stopped it (the other rows stay unsent and are retried)."""

    sent: list[int]
    set_aside: list[tuple[Any, str, Exception]] = field(default_factory=list)
    error: Exception | None = None
