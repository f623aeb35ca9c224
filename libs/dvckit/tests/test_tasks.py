"""Shutdown never hangs on a background task that swallowed its cancellation."""

from __future__ import annotations

import asyncio
import contextlib

from structlog.testing import capture_logs

from dvckit.tasks import cancel_and_wait, wait_set


async def test_a_task_that_swallows_one_cancel_is_cancelled_again() -> None:
    swallowed = 0

    async def stubborn() -> None:
        nonlocal swallowed
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                if swallowed:
                    raise
                swallowed += 1
                asyncio.current_task().uncancel()  # type: ignore[union-attr]

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    await cancel_and_wait([task], grace=0.5, patience=5)
    assert task.cancelled()
    assert swallowed == 1


async def test_a_task_that_never_stops_is_left_behind_after_patience() -> None:
    deaf = True

    async def stubborn() -> None:
        while deaf:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(3600)

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await cancel_and_wait([task], grace=0.5, patience=1.5)
    assert not task.done()
    assert loop.time() - started < 4.5
    deaf = False  # let it end, so nothing outlives the test
    task.cancel()
    await asyncio.wait([task], timeout=1)
    assert task.done()


async def test_a_task_gets_the_grace_to_finish_its_cleanup_after_one_cancel() -> None:
    """notify's sender drains in-flight gateway calls after its cancel: a second cancel must not cut that."""
    drained: list[str] = []

    async def sender() -> None:
        try:
            await asyncio.sleep(3600)
        finally:
            await asyncio.sleep(1.5)  # the drain, longer than a second
            drained.append("done")

    task = asyncio.create_task(sender())
    await asyncio.sleep(0)
    await cancel_and_wait([task], grace=5, patience=1)
    assert drained == ["done"]


async def test_errors_the_tasks_ended_with_are_retrieved() -> None:
    async def failing() -> None:
        raise RuntimeError("boom")

    async def failing_on_cancel() -> None:
        try:
            await asyncio.sleep(3600)
        finally:
            raise RuntimeError("cleanup failed")

    done = asyncio.create_task(failing())
    await asyncio.sleep(0)
    running = asyncio.create_task(failing_on_cancel())
    await asyncio.sleep(0)
    with capture_logs() as logs:
        await cancel_and_wait([done, running], grace=1, patience=1)
    errors = sorted(e["error"] for e in logs if e["event"] == "tasks.ended_with_error")
    assert errors == ["RuntimeError('boom')", "RuntimeError('cleanup failed')"]


async def test_wait_set_reports_set_or_timeout_and_never_swallows_a_cancel() -> None:
    event = asyncio.Event()
    assert await wait_set(event, 0.05) is False
    asyncio.get_running_loop().call_later(0.05, event.set)
    assert await wait_set(event, 5) is True
    waiter = asyncio.create_task(wait_set(asyncio.Event(), None))
    await asyncio.sleep(0)
    waiter.cancel()
    await asyncio.wait([waiter], timeout=1)
    assert waiter.cancelled()
