"""Waiting and stopping in background loops without hanging a shutdown.

Never ``asyncio.wait_for`` in a loop: on Python 3.11 it can swallow a cancellation that lands just as the
awaited call returns, and the loop then runs forever.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable

from dvckit.logging import get_logger

log = get_logger("dvckit.tasks")


async def cancel_and_wait(
    tasks: Iterable[asyncio.Task[object]], grace: float = 15.0, patience: float = 10.0
) -> None:
    """Cancel ``tasks`` once and give them ``grace`` seconds to finish their cleanup (notify's sender drains
    its in-flight gateway calls, for one). A task still running then has swallowed its cancellation (a
    library's ``wait_for`` racing the cancel is enough): it is cancelled again every second, for ``patience``
    seconds, then left behind with a warning rather than blocking the shutdown forever. Exceptions the tasks
    ended with are logged, never left unretrieved."""
    tasks = list(tasks)
    pending = {t for t in tasks if not t.done()}
    for t in pending:
        t.cancel()
    if pending:
        _, pending = await asyncio.wait(pending, timeout=grace)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    while pending and loop.time() < deadline:
        for t in pending:
            t.cancel()
        _, pending = await asyncio.wait(pending, timeout=1.0)
    if pending:
        log.warning("tasks.still_running_after_cancel", tasks=sorted(t.get_name() for t in pending))
    for t in tasks:
        if t.done() and not t.cancelled() and (exc := t.exception()) is not None:
            log.warning("tasks.ended_with_error", task=t.get_name(), error=repr(exc)[:300])


async def wait_set(event: asyncio.Event, timeout: float | None) -> bool:
    """Wait until ``event`` is set or ``timeout`` seconds have passed; True if it was set. A cancellation
    always propagates (``asyncio.timeout``, not ``wait_for``)."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout):
            await event.wait()
    return event.is_set()
