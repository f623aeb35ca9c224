"""Fault tests: a service app in-process on a PostgreSQL server or a Kafka broker of the test's own, which the
test stops, kills and restarts under it (the session's shared server and broker are never touched)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from dvc_contracts import clock, topics
from dvc_contracts.envelope import CloudEvent, new_event, to_binary, to_structured
from dvc_contracts.events import AgencyStatusReportedV1, ProcedurePublishedV1
from dvc_contracts.topics import ALL_TOPICS, partitions_for
from dvc_dossier.adapters.orm import dossiers, messaging
from dvc_dossier.config import Settings
from dvckit import apache_kafka
from dvckit.devbroker import DevBroker, ensure_topics
from dvckit.settings import AuthSettings, KafkaSettings
from dvckit.testing import PrivatePostgres

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
AGENCY = "SO-GTVT"


@pytest.fixture(scope="module")
def private_pg() -> Iterator[PrivatePostgres]:
    if not PrivatePostgres.available():
        pytest.skip("no PostgreSQL binaries under /usr/lib/postgresql to run a private server")
    server = PrivatePostgres().start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def private_kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevBroker]:
    """A single-node Apache Kafka of the module's own, every topic created (they survive kill + restart)."""
    if not apache_kafka.available():
        pytest.skip("no Java 17+ and Maven here for a private Apache Kafka")
    broker = DevBroker(kind="kafka", log_path=tmp_path_factory.mktemp("private-kafka") / "broker.log")
    broker.start()
    try:
        asyncio.run(ensure_topics(broker.bootstrap, [(t, partitions_for(t)) for t in ALL_TOPICS]))
        yield broker
    finally:
        broker.stop()


def dossier_settings(db_url: str, bootstrap: str, jwks: Path) -> Settings:
    return Settings(
        database_url=db_url,
        consumer_group=f"dvc-dossier-faults-{uuid.uuid4().hex[:6]}",
        relay_idle_seconds=0.05,
        broker_check_seconds=0.5,
        kafka=KafkaSettings(bootstrap=bootstrap, session_timeout_ms=1000, request_timeout_ms=3000),
        auth=AuthSettings(jwks_file=str(jwks), jwks_url=None),
    )


def procedure(code: str) -> ProcedurePublishedV1:
    return ProcedurePublishedV1(
        code=code,
        version=1,
        name="Đăng ký xe ô tô",
        sector="GTVT",
        agency_code=AGENCY,
        agency_name="Sở Giao thông vận tải",
        level="province",
        service_level=4,
        fee={"kind": "free"},
        processing_days=2,
        allowed_agency_codes=[],
        published_at=clock.now(),
    )


def procedure_event(code: str) -> CloudEvent:
    return new_event(topics.PROCEDURE_PUBLISHED, "/dvc/catalog", procedure(code), subject=code)


def report(dossier: str, proc: str, seq: int, status: str) -> CloudEvent:
    data = AgencyStatusReportedV1(
        dossier_code=dossier,
        procedure_code=proc,
        agency_code=AGENCY,
        province_code="01",
        sequence=seq,
        status=status,  # type: ignore[arg-type]
        occurred_at=T0 + timedelta(hours=seq),
    )
    return new_event(topics.AGENCY_STATUS_REPORTED, f"/agency/{AGENCY}", data, subject=dossier)


def structured(event: CloudEvent) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(to_structured(event)[1])
    return body


async def send(bootstrap: str, topic: str, events: list[CloudEvent]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for event in events:
            headers, value = to_binary(event)
            await producer.send_and_wait(topic, value, key=(event.subject or "").encode(), headers=headers)
    finally:
        await producer.stop()


class Db:
    """Reads of the service's database from outside the app (its own short-lived engine)."""

    def __init__(self, url: str) -> None:
        self.engine = create_async_engine(url)

    async def status(self, code: str) -> str | None:
        async with self.engine.connect() as conn:
            return await conn.scalar(select(dossiers.c.status).where(dossiers.c.code == code))

    async def unsent(self, topic: str | None = None) -> int:
        o = messaging.outbox
        query = select(func.count()).select_from(o).where(o.c.sent_at.is_(None))
        if topic is not None:
            query = query.where(o.c.topic == topic)
        async with self.engine.connect() as conn:
            return int(await conn.scalar(query) or 0)

    async def close(self) -> None:
        await self.engine.dispose()


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def post_reports(http: httpx.AsyncClient, token: str, events: list[CloudEvent]) -> httpx.Response:
    return await http.post(
        "/agency/status-events", json=[structured(e) for e in events], headers=bearer(token)
    )
