"""Issue 14 — HTTP ingest pushes back instead of accepting what cannot be applied in time (PostgreSQL; no
broker, so what is accepted stays in the outbox and the backlog only grows): past the bound the busiest
agency gets 429 with Retry-After first while a small agency still gets through; past twice the bound,
everyone. A refused batch leaves nothing behind."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from dvc_contracts import topics
from dvc_contracts.envelope import new_event, to_structured
from dvc_contracts.events import ProcedurePublishedV1
from dvc_dossier.adapters.orm import messaging
from dvc_dossier.config import Settings
from dvc_dossier.entrypoints.app import create_app
from dvc_dossier.service import handlers
from dvckit.auth.jwt import DevKeys
from dvckit.messaging.typed import Event
from dvckit.settings import AuthSettings, KafkaSettings
from dvckit.testing import PostgresServer, eventually, free_port, migrated_database, running_app

from .conftest import procedure
from .test_status_sync import report

pytestmark = pytest.mark.integration
BOUND = 25


def batch(run: str, agency: str, start: int, n: int) -> list[dict[str, Any]]:
    events = [
        report(f"01-{run}-{agency}-{i}", f"BP-{run}", agency, 0, "received") for i in range(start, start + n)
    ]
    return [json.loads(to_structured(e)[1]) for e in events]


async def unsent(db_url: str) -> int:
    engine = create_async_engine(db_url)
    try:
        async with engine.connect() as conn:
            o = messaging.outbox
            query = select(func.count()).where(
                o.c.sent_at.is_(None), o.c.topic == topics.AGENCY_STATUS_REPORTED
            )
            return int(await conn.scalar(query) or 0)
    finally:
        await engine.dispose()


async def test_ingest_pushes_back_the_busiest_agency_first_then_everyone(
    pg: PostgresServer, dev_keys: tuple[DevKeys, Path], make_token: Callable[..., str]
) -> None:
    run = uuid.uuid4().hex[:6].upper()
    db_url = await migrated_database(pg, "dvc_dossier")
    settings = Settings(
        database_url=db_url,
        ingest_max_backlog=BOUND,
        ingest_sample_seconds=0.05,
        kafka=KafkaSettings(bootstrap=f"127.0.0.1:{free_port()}", request_timeout_ms=1000),  # nobody there
        auth=AuthSettings(jwks_file=str(dev_keys[1]), jwks_url=None),
    )
    app = create_app(settings)
    proc = procedure(f"BP-{run}", "SO-GTVT", ["SO-TP"])
    async with app.state.runtime.uow() as uow:  # the catalog snapshot, as a running pod has it
        published = new_event(topics.PROCEDURE_PUBLISHED, "/dvc/catalog", proc, subject=proc.code)
        await handlers.on_procedure_published(Event.of(published, ProcedurePublishedV1), uow)
        await uow.commit()
    busy = {"authorization": f"Bearer {make_token('agency', agency='SO-GTVT', province='01')}"}
    small = {"authorization": f"Bearer {make_token('agency', agency='SO-TP', province='01')}"}

    async def post(http: httpx.AsyncClient, headers: dict[str, str], body: list[Any]) -> httpx.Response:
        return await http.post("/agency/status-events", json=body, headers=headers)

    async with running_app(app, wait_broker=False) as http:
        for i in range(3):  # 30 accepted: past the bound (the outbox cannot drain)
            resp = await post(http, busy, batch(run, "SO-GTVT", 10 * i, 10))
            assert resp.status_code == 202 and resp.json()["accepted"] == 10, resp.text

        async def measured() -> bool:
            return app.state.ingest_gate.unsent == 30

        await eventually(measured, timeout=10)
        refused = await post(http, busy, batch(run, "SO-GTVT", 30, 10))
        assert refused.status_code == 429, refused.text
        assert refused.json()["code"] == "agency_over_share"
        assert int(refused.headers["retry-after"]) >= 1
        assert refused.json()["retry_after_s"] == int(refused.headers["retry-after"])
        assert await unsent(db_url) == 30, "a refused batch leaves nothing behind"

        # A small agency still gets in while under its share of the recent intake (30 + its own, halved) …
        for start, n in ((0, 5), (5, 10), (15, 5)):
            resp = await post(http, small, batch(run, "SO-TP", start, n))
            assert resp.status_code == 202 and resp.json()["accepted"] == n, resp.text

        async def past_twice_the_bound() -> bool:
            return app.state.ingest_gate.backlog >= 2 * BOUND

        await eventually(past_twice_the_bound, timeout=10)
        # … until the backlog is past twice the bound: then everyone waits.
        resp = await post(http, small, batch(run, "SO-TP", 20, 1))
        assert resp.status_code == 429 and resp.json()["code"] == "backlog_full", resp.text
        metrics = (await http.get("/metrics")).text
        assert 'dvc_dossier_ingest_refused_total{reason="backlog_full"}' in metrics
