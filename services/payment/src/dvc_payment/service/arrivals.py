"""Checkouts that wait for their intent: the dossier shows the citizen a pay link as soon as the dossier is
submitted, while its payment-requested event may still be on its way to this service. Rather than answer
404 (and have the browser poll), a checkout of an unknown intent waits a few seconds for it.

In-process only: the consumer's commit wakes the waiters of this instance at once; a waiter whose intent was
created by another instance finds it on its next look at the database (every ``recheck`` seconds).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from dvc_payment.domain.model import PaymentError
from dvckit.tasks import wait_set

T = TypeVar("T")


class IntentArrivals:
    def __init__(self, *, max_waiters: int = 1000) -> None:
        self._events: dict[str, asyncio.Event] = {}
        self._counts: dict[str, int] = {}
        self._max = max_waiters

    @property
    def waiting(self) -> int:
        return sum(self._counts.values())

    def arrived(self, payment_id: str) -> None:
        """Called after the commit that created ``payment_id``."""
        event = self._events.get(payment_id)
        if event is not None:
            event.set()

    @contextlib.asynccontextmanager
    async def watch(self, payment_id: str) -> AsyncIterator[asyncio.Event | None]:
        """An event set when ``payment_id`` arrives; None when too many requests wait already."""
        if self.waiting >= self._max:
            yield None
            return
        event = self._events.setdefault(payment_id, asyncio.Event())
        self._counts[payment_id] = self._counts.get(payment_id, 0) + 1
        try:
            yield event
        finally:
            self._counts[payment_id] -= 1
            if not self._counts[payment_id]:
                del self._counts[payment_id]
                del self._events[payment_id]

    async def when_known(
        self, payment_id: str, attempt: Callable[[], Awaitable[T]], *, wait: float, recheck: float = 1.0
    ) -> T:
        """``attempt()`` until it stops raising PaymentError ``not_found`` or ``wait`` seconds have passed.
        Watching starts before the first attempt, so an arrival between an attempt and the wait is not lost."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        async with self.watch(payment_id) as event:
            while True:
                try:
                    return await attempt()
                except PaymentError as exc:
                    left = deadline - loop.time()
                    if exc.code != "not_found" or event is None or left <= 0:
                        raise
                await wait_set(event, min(left, recheck))
                event.clear()
