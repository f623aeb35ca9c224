"""Live updates: the read model tells the dashboards (server-sent events) that something changed."""

from __future__ import annotations

import asyncio
import time

from dvckit.tasks import wait_set


class ChangeHub:
    """In-process fan-out of "the read model changed" to the SSE streams of this process.

    ``notify`` is called after a transaction commits; waiters are woken once per change (coalesced: a stream
    that is busy sending sees the latest version, not every intermediate one)."""

    def __init__(self) -> None:
        self.version = 0
        self.areas: set[str] = set()
        self.changed_at = time.time()
        self.closed = False
        self._event = asyncio.Event()

    def close(self) -> None:
        """Shutting down: end every open stream (browsers reconnect to another instance)."""
        self.closed = True
        self._event.set()

    def notify(self, areas: set[str]) -> None:
        if not areas:
            return
        self.version += 1
        self.areas = set(areas)
        self.changed_at = time.time()
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def wait(self, seen: int, timeout: float) -> int:
        """Return the current version once it differs from ``seen``, or after ``timeout`` seconds."""
        if self.version != seen:
            return self.version
        event = self._event
        await wait_set(event, timeout)
        return self.version
