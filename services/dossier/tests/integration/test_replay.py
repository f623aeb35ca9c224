"""Replaying agency-status-reported from the beginning into a fresh database gives the same dossiers,
whatever the arrival order (shuffled per dossier, with repeated deliveries)."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from dvc_contracts import topics
from dvc_dossier.adapters.orm import dossiers, procedures
from dvckit.auth.jwt import DevKeys
from dvckit.testing import PostgresServer, eventually, running_app

from .conftest import DossierHarness, procedure, start_dossier
from .test_status_sync import report

pytestmark = pytest.mark.integration
FIELDS = ("code", "status", "sequence", "agency_code", "result", "due_date", "channel")


async def snapshot(db_url: str, prefix: str) -> dict[str, tuple[Any, ...]]:
    engine = create_async_engine(db_url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(select(dossiers).where(dossiers.c.code.like(f"{prefix}%")))).all()
    finally:
        await engine.dispose()
    return {r.code: tuple(getattr(r, f) for f in FIELDS) for r in rows}


async def test_replay_from_the_beginning_yields_the_same_state(
    dossier: DossierHarness,
    publish_procedure: Callable[..., Any],
    pg: PostgresServer,
    dev_keys: tuple[DevKeys, Path],
) -> None:
    run = uuid.uuid4().hex[:6].upper()
    proc = f"RP-{run}"
    await publish_procedure(dossier, procedure(proc, "BCA-CSGT", ["BTC-TCT"]))
    rnd = random.Random(run)
    statuses = ["received", "processing", "supplement_requested", "processing", "completed"]
    expected: dict[str, int] = {}
    stream = []
    for d in range(20):
        code = f"01-{run}-{d:03d}"
        n = rnd.randint(1, len(statuses))
        events = [report(code, proc, rnd.choice(["BCA-CSGT", "BTC-TCT"]), i, statuses[i]) for i in range(n)]
        events += rnd.sample(events, k=min(2, n))  # repeated deliveries
        rnd.shuffle(events)  # out of order within the dossier
        stream.extend(events)
        expected[code] = n - 1
    for ev in stream:
        await dossier.send(topics.AGENCY_STATUS_REPORTED, ev)

    prefix = f"01-{run}-"

    async def all_applied() -> bool:
        snap = await snapshot(dossier.db_url, prefix)
        return {c: s[2] for c, s in snap.items()} == expected

    await eventually(all_applied, timeout=30)
    live = await snapshot(dossier.db_url, prefix)

    # A fresh store and a fresh consumer group read every topic from offset 0.
    app, fresh_db = await start_dossier(pg, dossier.bootstrap, dev_keys[1])
    async with running_app(app):

        async def replayed() -> bool:
            return await snapshot(fresh_db, prefix) == live

        await eventually(replayed, timeout=60)
    engine = create_async_engine(fresh_db)
    async with engine.connect() as conn:
        assert (await conn.execute(select(procedures.c.code).where(procedures.c.code == proc))).first()
    await engine.dispose()
