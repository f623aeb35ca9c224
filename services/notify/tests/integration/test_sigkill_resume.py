"""SIGKILL the notify service mid-stream, start it again: it resumes from the committed offsets and every
dossier-submitted event yields exactly one SMS (none lost, none twice), on the real broker + PostgreSQL.

The fresh consumer group reads every topic from the beginning, so events other tests of the session produced
are consumed too: the counts below are of this test's own dossiers (a per-run code prefix), and the resume
check compares the inbox with the consumed-events metric."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from dvc_contracts import clock, topics
from dvc_contracts.envelope import new_event, to_binary
from dvc_contracts.events import DossierSubmittedV1
from dvc_notify.adapters.orm import messages, messaging, sandbox_inbox
from dvckit.testing import PostgresServer, ServiceProcess, free_port, migrated_database

pytestmark = pytest.mark.integration
TOTAL = 2000
RUN = uuid.uuid4().hex[:6].upper()
PREFIX = f"01-{RUN}-K"


def submitted(i: int) -> DossierSubmittedV1:
    return DossierSubmittedV1(
        dossier_code=f"{PREFIX}{i:05d}",
        procedure_code="GPLX-DOI-L4",
        procedure_name="Đổi giấy phép lái xe",
        procedure_version=1,
        agency_code="BGTVT-TCDBVN",
        province_code="01",
        sector="GTVT",
        channel="online",
        applicant_name="Lê Văn Cường",
        citizen_phone=f"09{i:08d}",
        submitted_at=clock.now(),
        due_date=date(2026, 11, 30),
    )


async def test_sigkill_then_restart_applies_each_event_once(
    pg: PostgresServer, kafka_bootstrap: str, auth_env: dict[str, str], tmp_path: Path
) -> None:
    db_url = await migrated_database(pg, "dvc_notify")
    env = {
        "KAFKA_BOOTSTRAP": kafka_bootstrap,
        "KAFKA_SESSION_TIMEOUT_MS": "1000",
        "NOTIFY_DATABASE_URL": db_url,
        "NOTIFY_CONSUMER_GROUP": f"dvc-notify-kill-{uuid.uuid4().hex[:6]}",
        **auth_env,
    }
    svc = ServiceProcess("notify", free_port(), env, tmp_path / "notify.log")
    engine = create_async_engine(db_url)

    async def count(table, *where) -> int:  # type: ignore[no-untyped-def]
        async with engine.connect() as conn:
            return int(await conn.scalar(select(func.count()).select_from(table).where(*where)) or 0)

    def own_messages() -> Any:
        return count(messages, messages.c.dossier_code.startswith(PREFIX))

    def own_sandbox() -> Any:
        return count(sandbox_inbox, sandbox_inbox.c.text.contains(PREFIX))

    def submitted_seen() -> Any:
        return count(messaging.inbox, messaging.inbox.c.topic == topics.DOSSIER_SUBMITTED)

    payloads = [submitted(i) for i in range(TOTAL)]
    events = [
        new_event(topics.DOSSIER_SUBMITTED, "/dvc/dossier", p, subject=p.dossier_code) for p in payloads
    ]
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    svc.start()
    try:

        async def produce() -> None:
            # A steady stream (~2,000 events/s) so the kill lands while events are still arriving.
            for i, ev in enumerate(events):
                headers, value = to_binary(ev)
                await producer.send(
                    topics.DOSSIER_SUBMITTED, value=value, key=str(ev.subject).encode(), headers=headers
                )
                if i % 50 == 49:
                    await producer.flush()
                    await asyncio.sleep(0.025)
            await producer.flush()

        streaming = asyncio.create_task(produce())
        deadline = time.monotonic() + 60
        while await own_messages() < TOTAL // 5 and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        svc.kill()  # SIGKILL mid-stream
        # A COMMIT the process sent just before it died may still be finishing in its PostgreSQL backend:
        # read the count until it holds still.
        applied_before = await submitted_seen()
        while (again := await _after(0.5, submitted_seen)) != applied_before:
            applied_before = again
        own_before = await own_messages()
        assert 0 < own_before < TOTAL, f"kill should land mid-stream (applied {own_before})"
        await streaming

        # Redeliver some already-applied events too, as a producer retry would.
        for ev in events[:20]:
            headers, value = to_binary(ev)
            await producer.send(
                topics.DOSSIER_SUBMITTED, value=value, key=str(ev.subject).encode(), headers=headers
            )
        await producer.flush()

        svc.start()
        deadline = time.monotonic() + 90
        while await own_sandbox() < TOTAL and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        await asyncio.sleep(2)  # anything extra would show up now

        assert await own_sandbox() == TOTAL, "every event gives exactly one SMS at the provider"
        assert await own_messages() == TOTAL
        async with engine.connect() as conn:
            triggers = await conn.scalar(
                select(func.count(func.distinct(messages.c.trigger_event_id))).where(
                    messages.c.dossier_code.startswith(PREFIX)
                )
            )
        assert triggers == TOTAL
        assert {ev.id for ev in events} <= await _inbox_ids(engine)

        metrics = httpx.get(f"{svc.url}/metrics", timeout=5).text
        applied_after = _metric(metrics, "applied")
        duplicates_after = _metric(metrics, "duplicate")
        # Resumed from committed offsets: the restarted process applied only what was left (nothing twice,
        # nothing lost), and saw as duplicates only the redelivered events plus at most one uncommitted batch
        # per partition.
        applied_total = await submitted_seen()
        assert applied_before + applied_after == applied_total
        assert 20 <= duplicates_after < 20 + applied_total - applied_before, duplicates_after
    finally:
        svc.stop()
        await producer.stop()
        await engine.dispose()


async def _inbox_ids(engine: Any) -> set[str]:
    async with engine.connect() as conn:
        q = select(messaging.inbox.c.event_id).where(messaging.inbox.c.topic == topics.DOSSIER_SUBMITTED)
        return set((await conn.execute(q)).scalars().all())


def _metric(text: str, outcome: str) -> int:
    pattern = rf'dvc_events_consumed_total\{{[^}}]*outcome="{outcome}"[^}}]*topic="dossier-submitted"[^}}]*\}} (\S+)'
    alt = rf'dvc_events_consumed_total\{{[^}}]*topic="dossier-submitted"[^}}]*outcome="{outcome}"[^}}]*\}} (\S+)'
    m = re.search(pattern, text) or re.search(alt, text)
    return int(float(m.group(1))) if m else 0


async def _after(seconds: float, read: Callable[[], Awaitable[int]]) -> int:
    await asyncio.sleep(seconds)
    return await read()
