"""Issue 14 — the HTTP front rides through a broker outage (a private single-node Apache Kafka, SIGKILLed and
restarted on the same port under a running dossier app):

- liveness and readiness stay 200 while the broker is away; the broker signal (``/readyz/broker``,
  ``dvc_broker_up``) says down, then up again;
- a citizen's submission and an agency's HTTP ingest are accepted into the outbox meanwhile, and once the
  broker is back the outbox drains and the consumer applies what was ingested;
- the app starts with no broker at all (start-up neither waits for it nor gives up) and joins it when it
  appears.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from dvc_contracts import topics
from dvc_contracts.events import ProcedurePublishedV1
from dvc_dossier.entrypoints.app import create_app
from dvc_dossier.service import handlers
from dvckit.auth.jwt import DevKeys
from dvckit.devbroker import DevBroker
from dvckit.messaging.typed import Event
from dvckit.testing import PostgresServer, eventually, migrated_database, running_app

from .conftest import Db, bearer, dossier_settings, post_reports, procedure_event, report, send

pytestmark = pytest.mark.integration


async def broker_says(http: httpx.AsyncClient, state: str) -> bool:
    resp = await http.get("/readyz/broker")
    return resp.json()["broker"] == state and resp.status_code == (200 if state == "up" else 503)


async def metric(http: httpx.AsyncClient, name: str) -> float:
    for line in (await http.get("/metrics")).text.splitlines():
        if line.startswith(name + "{") and 'service="dossier"' in line:
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not exported")


async def assert_serving_without_broker(http: httpx.AsyncClient) -> None:
    assert (await http.get("/healthz")).status_code == 200
    ready = await http.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"ready": True, "database": "ok", "broker": "down"}
    assert await metric(http, "dvc_broker_up") == 0


async def test_http_front_rides_through_a_broker_outage(
    private_kafka: DevBroker,
    pg: PostgresServer,
    dev_keys: tuple[DevKeys, Path],
    make_token: Callable[..., str],
) -> None:
    run = uuid.uuid4().hex[:6].upper()
    proc, code = f"OUT-{run}", f"01-{run}-A"
    await send(private_kafka.bootstrap, topics.PROCEDURE_PUBLISHED, [procedure_event(proc)])
    db_url = await migrated_database(pg, "dvc_dossier")
    db = Db(db_url)
    agency = make_token("agency", agency="SO-GTVT", province="01")
    citizen = make_token("citizen")
    app = create_app(dossier_settings(db_url, private_kafka.bootstrap, dev_keys[1]))
    try:
        async with running_app(app) as http:
            await eventually(lambda: broker_says(http, "up"))

            async def known() -> bool:
                resp = await http.post(
                    "/dossiers",
                    json={"procedure_code": proc, "province_code": "01", "applicant_name": "Nguyễn Văn A"},
                    headers=bearer(citizen),
                )
                return resp.status_code == 201

            await eventually(known)  # the catalog snapshot has the procedure
            assert (await post_reports(http, agency, [report(code, proc, 0, "received")])).status_code == 202

            async def status_is(want: str) -> bool:
                return await db.status(code) == want

            await eventually(lambda: status_is("received"))

            await asyncio.to_thread(private_kafka.kill)  # SIGKILL: the whole cluster is gone
            await eventually(lambda: broker_says(http, "down"), timeout=15)
            await assert_serving_without_broker(http)

            # Writes keep being accepted: into the outbox, where they wait.
            submitted = await http.post(
                "/dossiers",
                json={"procedure_code": proc, "province_code": "01", "applicant_name": "Trần Thị B"},
                headers=bearer(citizen),
            )
            assert submitted.status_code == 201, submitted.text
            ingested = await post_reports(http, agency, [report(code, proc, 1, "processing")])
            assert ingested.status_code == 202 and ingested.json()["accepted"] == 1, ingested.text
            assert await db.unsent(topics.AGENCY_STATUS_REPORTED) == 1
            assert await db.unsent(topics.DOSSIER_SUBMITTED) >= 1
            await assert_serving_without_broker(http)  # still, after the relay has tried and failed

            await asyncio.to_thread(private_kafka.restart)  # same port, same storage
            await eventually(lambda: broker_says(http, "up"), timeout=30)

            async def drained() -> bool:
                return await db.unsent() == 0

            await eventually(drained, timeout=30)
            await eventually(lambda: status_is("processing"), timeout=45)  # the consumer applied it
            assert await metric(http, "dvc_broker_up") == 1
    finally:
        await db.close()


async def test_starts_without_a_broker_and_joins_it_when_it_appears(
    private_kafka: DevBroker,
    pg: PostgresServer,
    dev_keys: tuple[DevKeys, Path],
    make_token: Callable[..., str],
) -> None:
    run = uuid.uuid4().hex[:6].upper()
    proc, code = f"NOB-{run}", f"01-{run}-N"
    await send(private_kafka.bootstrap, topics.PROCEDURE_PUBLISHED, [procedure_event(proc)])
    await asyncio.to_thread(private_kafka.kill)  # no broker at all when the app starts
    db_url = await migrated_database(pg, "dvc_dossier")
    db = Db(db_url)
    agency = make_token("agency", agency="SO-GTVT", province="01")
    app = create_app(dossier_settings(db_url, private_kafka.bootstrap, dev_keys[1]))
    # The catalog snapshot a running pod keeps in its database (it came over Kafka before the outage).
    async with app.state.runtime.uow() as uow:
        await handlers.on_procedure_published(Event.of(procedure_event(proc), ProcedurePublishedV1), uow)
        await uow.commit()
    try:
        started = time.monotonic()
        async with running_app(app, wait_broker=False) as http:
            assert time.monotonic() - started < 10, "start-up must not wait for the broker"
            assert await broker_says(http, "down")
            await assert_serving_without_broker(http)
            ingested = await post_reports(http, agency, [report(code, proc, 0, "received")])
            assert ingested.status_code == 202 and ingested.json()["accepted"] == 1, ingested.text
            assert await db.unsent(topics.AGENCY_STATUS_REPORTED) == 1

            await asyncio.to_thread(private_kafka.restart)  # the broker appears
            await eventually(lambda: broker_says(http, "up"), timeout=30)

            async def applied() -> bool:
                return await db.unsent() == 0 and await db.status(code) == "received"

            await eventually(applied, timeout=45)
            assert await metric(http, "dvc_broker_up") == 1
    finally:
        await db.close()
