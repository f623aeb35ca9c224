"""Inbox housekeeping: handled event ids older than ``<PREFIX>INBOX_RETENTION_DAYS`` (30; 0 keeps them) are deleted.

The inbox turns a redelivered record into a no-op. In normal operation redeliveries are recent: the records
after a group's last committed offset when a consumer crashed or the group rebalanced (seconds, minutes).
An id older than the retention matters only when a group reads a topic again from further back:

- every-instance read models (``Runtime.subscribe(..., every_instance=True)``: dossier's catalog snapshot)
  read their topics from the beginning at every start, into the live database: their ids are never pruned;
- a replay from scratch (reporting's ``replay``) goes into a fresh database, with its own inbox;
- a group that lost its committed offsets (no member for longer than the broker's
  ``offsets.retention.minutes``, 7 days by default; or reset to ``earliest`` by hand) reads its topics again
  from their start, and records older than the inbox retention are then applied a second time. Keep that
  broker setting above the longest outage a service may have, and rewind a group to a time within the
  retention (``--to-datetime``), never to ``earliest``.

Bookkeeping runs on the system clock, not ``dvc_contracts.clock``: ``received_at`` is written by the
database, and a clock pinned in the future for a test must not empty the inbox. There is no index on
``received_at`` (it would cost every consumed batch): a batch deletes the first ``batch`` old ids a scan
finds, in its own short transaction, until a batch comes back short; it runs hourly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Table, delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dvckit.logging import get_logger

log = get_logger("dvckit.inbox")


async def prune_inbox(
    sessionmaker: async_sessionmaker[AsyncSession],
    inbox: Table,
    *,
    older_than: timedelta,
    keep_topics: Collection[str] = (),
    batch: int = 1000,
) -> int:
    """Delete ids received longer than ``older_than`` ago, except those of ``keep_topics``; returns how many."""
    cutoff = datetime.now(UTC) - older_than
    total = 0
    while True:
        async with sessionmaker() as session, session.begin():
            deleted = await _delete_batch(session, inbox, cutoff, keep_topics, batch)
        total += deleted
        if deleted < batch:
            break
    if total:
        log.info("inbox.pruned", rows=total, older_than=cutoff.isoformat())
    return total


async def _delete_batch(
    session: AsyncSession, inbox: Table, cutoff: datetime, keep_topics: Collection[str], batch: int
) -> int:
    old = select(inbox.c.consumer, inbox.c.event_id).where(inbox.c.received_at < cutoff)
    if keep_topics:
        old = old.where(inbox.c.topic.not_in(sorted(keep_topics)))
    key = tuple_(inbox.c.consumer, inbox.c.event_id)
    result = await session.execute(delete(inbox).where(key.in_(old.limit(batch))))
    return int(cast(CursorResult[Any], result).rowcount)


async def prune_periodically(
    prune: Callable[[], Awaitable[int]], *, every: float = 3600.0, first_after: float = 60.0
) -> None:
    """Run ``prune`` a minute after start-up (a service restarted often still prunes), then every hour.
    A failure is logged and tried again at the next turn."""
    await asyncio.sleep(first_after)
    while True:
        try:
            await prune()
        except Exception as exc:
            log.warning("inbox.prune_failed", error=repr(exc)[:300])
        await asyncio.sleep(every)
