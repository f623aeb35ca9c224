"""Unit of work: one transaction per command or event; outbox rows and inbox marks ride in it.

Rolls back unless committed (cosmicpython). The only place that commits. Work that must happen only once the
transaction has committed (metrics, waking waiters, telling live pages) is registered with ``after_commit``::

    uow.after_commit(lambda: PAYMENTS.labels("created").inc())
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Sequence
from types import TracebackType
from typing import Any, Self

from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dvc_contracts import topics
from dvc_contracts.envelope import CloudEvent, binary_headers, binary_value, new_event
from dvckit.bulk import insert_rows
from dvckit.db import MessagingTables, dialect_name, outbox_row
from dvckit.logging import current_correlation_id, get_logger
from dvckit.messaging import deadletter
from dvckit.metrics import DEAD_LETTERS

log = get_logger("dvckit.uow")


class UnitOfWork:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        tables: MessagingTables,
        *,
        service: str,
        on_published: Callable[[], None] | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self.tables = tables
        self.service = service
        self.source = f"/dvc/{service}"
        self._on_published = on_published
        self._published = 0
        self._after_commit: list[Callable[[], None]] = []

    async def __aenter__(self) -> Self:
        self.session = self._sessionmaker()
        self._published = 0
        self._after_commit = []
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.session.rollback()  # no-op after a commit
        await self.session.close()

    def after_commit(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` once this transaction has committed, in the order registered; never after a rollback."""
        self._after_commit.append(hook)

    async def commit(self) -> None:
        await self.session.commit()
        hooks, self._after_commit = self._after_commit, []
        if self._published and self._on_published:
            self._on_published()
        self._published = 0
        for hook in hooks:
            hook()

    async def rollback(self) -> None:
        await self.session.rollback()
        self._after_commit = []
        self._published = 0

    async def snapshot(self) -> None:
        """Make every read of this transaction see one snapshot (call before the first read).

        Under PostgreSQL's default READ COMMITTED each statement sees its own snapshot, so a page built
        from several reads (a dossier, its history, its saga) could mix states from either side of a
        commit. SQLite transactions are serializable already.
        """
        if dialect_name(self.session) == "postgresql":
            await self.session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))

    # --- publishing (outbox) -------------------------------------------------------------------

    async def publish(
        self,
        type_: str,
        data: BaseModel | dict[str, Any],
        *,
        key: str,
        topic: str | None = None,
        causationid: str | None = None,
        correlationid: str | None = None,
    ) -> CloudEvent:
        """Write an event to the outbox in this transaction. Topic defaults to the event type."""
        event = self.new_event(type_, data, key=key, causationid=causationid, correlationid=correlationid)
        await self.publish_events([(topic or type_, event)])
        return event

    def new_event(
        self,
        type_: str,
        data: BaseModel | dict[str, Any],
        *,
        key: str,
        causationid: str | None = None,
        correlationid: str | None = None,
    ) -> CloudEvent:
        return new_event(
            type_,
            self.source,
            data,
            subject=key,
            correlationid=correlationid or current_correlation_id(),
            causationid=causationid,
        )

    async def publish_events(self, items: Sequence[tuple[str, CloudEvent]]) -> None:
        """Write ready CloudEvents (keeping their ids) to the outbox in one statement; key = subject."""
        rows = [
            outbox_row(topic, event.subject, binary_value(event), binary_headers(event), event.id)
            for topic, event in items
        ]
        await self._insert_outbox(rows)

    async def _insert_outbox(self, rows: list[dict[str, Any]]) -> None:
        await insert_rows(self.session, self.tables.outbox, rows)
        self._published += len(rows)

    async def dead_letter(
        self,
        *,
        reason: str,
        message: str,
        original_topic: str,
        original_key: bytes | None,
        original_value: bytes | None,
        original_headers: Iterable[tuple[str, bytes]] = (),
        partition: int | None = None,
        offset: int | None = None,
        topic: str = topics.DEAD_LETTER,
    ) -> None:
        """Send the original bytes with the reason to a dead-letter/rejected topic, via the outbox."""
        headers = deadletter.original_headers((k, v.decode("utf-8", "replace")) for k, v in original_headers)
        headers += deadletter.dead_letter_headers(
            reason=reason,
            message=message,
            original_topic=original_topic,
            rejected_by=self.service,
            partition=partition,
            offset=offset,
        )
        key = original_key.decode("utf-8", "replace") if original_key else None
        await self._insert_outbox([outbox_row(topic, key, original_value or b"", headers, None)])
        self.note_rejection(topic, reason)
        log.warning(
            "consumer.dead_lettered",
            reason=reason,
            detail=message[:300],
            original_topic=original_topic,
            partition=partition,
            offset=offset,
            value_b64=base64.b64encode((original_value or b"")[:64]).decode(),
        )

    def note_rejection(self, topic: str, reason: str) -> None:
        """Count a dead-lettered/rejected record in dvc_dead_letters_total once the transaction commits."""
        self.after_commit(lambda: DEAD_LETTERS.labels(self.service, topic, reason).inc())

    # --- consuming (inbox) ---------------------------------------------------------------------

    async def mark_seen_many(self, consumer: str, events: list[tuple[str, str]]) -> set[str]:
        """Record (event id, topic) pairs in one statement; returns the ids not seen before."""
        if not events:
            return set()
        rows = [
            {"consumer": consumer, "event_id": eid, "topic": topic} for eid, topic in dict(events).items()
        ]
        inbox = self.tables.inbox
        return set(
            await insert_rows(
                self.session, inbox, rows, conflict=["consumer", "event_id"], returning="event_id"
            )
        )

    async def mark_seen(self, consumer: str, event_id: str, topic: str) -> bool:
        """Record an event id; False if this consumer has already handled it (a repeat is a no-op)."""
        return event_id in await self.mark_seen_many(consumer, [(event_id, topic)])
