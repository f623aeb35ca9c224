"""Issue 14 — a running dossier app rides through PostgreSQL going away and coming back (a private server,
stopped and restarted under it; the session's broker):

- while it is down, every request answers 503 ``database_unavailable`` (the portal's one error format, with
  Retry-After), never a 500; readiness says not ready, liveness stays 200;
- once it is back, the first requests on the pool's old connections succeed: no request fails because its
  pooled connection died with the server (dvckit.db);
- agency reports sent to Kafka while it was down are applied once it is back (the consumer redelivers).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from dvc_contracts import topics
from dvc_dossier.entrypoints.app import create_app
from dvckit.auth.jwt import DevKeys
from dvckit.testing import PrivatePostgres, eventually, migrated_database, running_app

from .conftest import Db, bearer, dossier_settings, post_reports, procedure_event, report, send

pytestmark = pytest.mark.integration
READERS = 12  # more than one pooled connection each time


async def read_many(http: httpx.AsyncClient, code: str, citizen: str) -> list[httpx.Response]:
    """Concurrent reads that each check out a pooled connection: public tracking and "my dossiers"."""
    calls = [http.get(f"/track/{code}") for _ in range(READERS // 2)]
    calls += [http.get("/dossiers", headers=bearer(citizen)) for _ in range(READERS // 2)]
    return list(await asyncio.gather(*calls))


async def test_requests_and_consumers_ride_through_a_postgres_restart(
    private_pg: PrivatePostgres,
    kafka_bootstrap: str,
    dev_keys: tuple[DevKeys, Path],
    make_token: Callable[..., str],
) -> None:
    run = uuid.uuid4().hex[:6].upper()
    proc, code, during = f"PGR-{run}", f"01-{run}-P", f"01-{run}-Q"
    db_url = await migrated_database(private_pg.server(), "dvc_dossier")
    db = Db(db_url)
    agency = make_token("agency", agency="SO-GTVT", province="01")
    citizen = make_token("citizen")
    await send(kafka_bootstrap, topics.PROCEDURE_PUBLISHED, [procedure_event(proc)])
    settings = dossier_settings(db_url, kafka_bootstrap, dev_keys[1])
    # The relay polls the outbox only when woken by a commit: nothing but the test's requests touches the pool
    # across the quiet restart below, so they meet every connection the restart killed.
    settings.relay_idle_seconds = 60.0
    app = create_app(settings)
    try:
        async with running_app(app) as http:

            async def applied(dossier: str) -> bool:
                return await db.status(dossier) == "received"

            async def ingested() -> bool:
                resp = await post_reports(http, agency, [report(code, proc, 0, "received")])
                return resp.status_code == 202 and resp.json()["accepted"] == 1

            await eventually(ingested)  # once the catalog snapshot has the procedure
            await eventually(lambda: applied(code))
            await db.close()

            # A quiet restart: the pool's connections all died with the server; none may fail a request.
            assert {r.status_code for r in await read_many(http, code, citizen)} == {200}  # pool warm
            await asyncio.to_thread(private_pg.restart)
            after = await read_many(http, code, citizen)
            assert {r.status_code for r in after} == {200}, [r.text for r in after if r.status_code != 200]

            # Down for a while: clear 503s (never a 500), not ready, still alive.
            await asyncio.to_thread(private_pg.stop)  # fast shutdown: every session is ended
            down = await read_many(http, code, citizen)
            down.append(await post_reports(http, agency, [report(code, proc, 1, "processing")]))
            assert {r.status_code for r in down} == {503}, [r.text for r in down if r.status_code != 503]
            for r in down:
                assert r.json()["code"] == "database_unavailable"
                assert r.headers["retry-after"]
            assert (await http.get("/readyz")).status_code == 503
            assert (await http.get("/healthz")).status_code == 200
            # Reports reach the consumer while its database is away: it must retry, not drop them.
            await send(kafka_bootstrap, topics.AGENCY_STATUS_REPORTED, [report(during, proc, 0, "received")])

            await asyncio.to_thread(private_pg.start)
            after = await read_many(http, code, citizen)
            assert {r.status_code for r in after} == {200}, [r.text for r in after if r.status_code != 200]
            assert (await http.get("/readyz")).status_code == 200
            await eventually(lambda: applied(during), timeout=45)
    finally:
        await db.close()
