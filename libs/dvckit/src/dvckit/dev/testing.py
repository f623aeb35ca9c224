"""Test support shared by every service's tests: PostgreSQL databases (:mod:`dvckit.dev.testing_postgres`),
service processes (:mod:`dvckit.dev.testing_services`), in-process apps, waiting, reading topics and clock
pins — every name importable from here.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer
from fastapi import FastAPI

from dvckit.dev.testing_postgres import LOCAL_PG as LOCAL_PG
from dvckit.dev.testing_postgres import MessagingStore as MessagingStore
from dvckit.dev.testing_postgres import PostgresServer as PostgresServer
from dvckit.dev.testing_postgres import PrivatePostgres as PrivatePostgres
from dvckit.dev.testing_postgres import _pg_bin_dir as _pg_bin_dir
from dvckit.dev.testing_postgres import _port_open as _port_open
from dvckit.dev.testing_postgres import messaging_store as messaging_store
from dvckit.dev.testing_postgres import migrated_database as migrated_database
from dvckit.dev.testing_postgres import provision_postgres as provision_postgres
from dvckit.dev.testing_services import ServiceProcess as ServiceProcess
from dvckit.dev.testing_services import free_port as free_port


@contextlib.asynccontextmanager
async def running_app(
    app: FastAPI, *, wait_broker: bool = True, timeout: float = 60.0
) -> AsyncIterator[httpx.AsyncClient]:
    """Run a service app in-process (lifespan: broker, relay, background tasks) with an HTTP client. Start-up
    does not wait for the broker (dvckit.health); with ``wait_broker`` this does, so the consumers run."""
    async with app.router.lifespan_context(app):
        health = getattr(app.state, "broker_health", None)
        if wait_broker and health is not None:

            async def connected() -> bool:
                return bool(health.connected)

            await eventually(connected, timeout=timeout, every=0.05)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            yield client


# --- waiting and reading topics ----------------------------------------------------------------


def _session_ms() -> int:
    """Consumer session timeout for test readers: KAFKA_SESSION_TIMEOUT_MS (tests set 1000 on Tansu)."""
    return int(os.environ.get("KAFKA_SESSION_TIMEOUT_MS", "6000"))


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 30.0, every: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(every)
    raise AssertionError(f"condition not met within {timeout} s")


async def read_topic(
    bootstrap: str, topic: str, want: Callable[[list[Any]], bool], timeout: float = 30.0
) -> list[Any]:
    """Read a topic from the beginning (fresh group) until ``want(records)`` or the timeout."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"reader-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=_session_ms(),
        heartbeat_interval_ms=_session_ms() // 4,
    )
    await consumer.start()
    records: list[Any] = []
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not want(records):
            batch = await consumer.getmany(timeout_ms=500)
            for part in batch.values():
                records.extend(part)
    finally:
        await consumer.stop()
    return records


# --- the hours that matter for "what day is it in Viet Nam" ------------------------------------------------


@dataclass(frozen=True)
class Pin:
    """An instant to pin the clock at, and the date a person in Hà Nội reads at that instant."""

    name: str
    at: datetime
    vn_day: date

    def __str__(self) -> str:
        return self.name


# 16:59/17:01 UTC straddle midnight in Viet Nam; 23:59/00:01 UTC straddle the UTC date change (06:59/07:01
# in Hà Nội, same Vietnamese day); Tết eve (Mùng 1 Tết 2027 is 6 February; the days off start on the 4th);
# the 31 December / 1 January boundary. scripts/test-clock.sh pins the processes at the same instants.
VN_CLOCK_PINS: tuple[Pin, ...] = (
    Pin("16:59Z", datetime(2026, 12, 4, 16, 59, tzinfo=UTC), date(2026, 12, 4)),
    Pin("17:01Z", datetime(2026, 12, 4, 17, 1, tzinfo=UTC), date(2026, 12, 5)),
    Pin("23:59Z", datetime(2026, 12, 4, 23, 59, tzinfo=UTC), date(2026, 12, 5)),
    Pin("00:01Z", datetime(2026, 12, 5, 0, 1, tzinfo=UTC), date(2026, 12, 5)),
    Pin("tet-eve", datetime(2027, 2, 3, 16, 59, tzinfo=UTC), date(2027, 2, 3)),
    Pin("tet-first-day-off", datetime(2027, 2, 3, 17, 1, tzinfo=UTC), date(2027, 2, 4)),
    Pin("31-dec", datetime(2026, 12, 31, 16, 59, tzinfo=UTC), date(2026, 12, 31)),
    Pin("1-jan", datetime(2026, 12, 31, 17, 1, tzinfo=UTC), date(2027, 1, 1)),
)
