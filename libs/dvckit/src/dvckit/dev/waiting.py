"""Waiting in tests for the thing asserted, never for a fixed time: a value fetched until it holds, a row a
service's read model holds (what it consumed, where no public API says so)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine


async def poll(
    fetch: Callable[[], Awaitable[Any]],
    until: Callable[[Any], bool],
    timeout: float = 40.0,
    every: float = 0.3,
) -> Any:
    """``fetch()`` until ``until(value)``; returns the value, or fails with the last one."""
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = await fetch()
        if until(value):
            return value
        await asyncio.sleep(every)
    raise AssertionError(f"not reached within {timeout} s; last value: {value!r}")


async def until_row(database_url: str, sql: str, params: dict[str, Any], timeout: float = 40.0) -> None:
    """Until ``sql`` (with ``params``) finds a row in a service's database."""
    engine = create_async_engine(database_url)
    try:

        async def known() -> bool:
            async with engine.connect() as conn:
                return (await conn.execute(text(sql), params)).first() is not None

        await poll(known, bool, timeout)
    finally:
        await engine.dispose()
