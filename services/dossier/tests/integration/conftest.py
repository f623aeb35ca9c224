from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from dvc_contracts import clock, topics
from dvc_contracts.envelope import CloudEvent, new_event, to_binary
from dvc_contracts.events import ProcedurePublishedV1
from dvc_dossier.config import Settings
from dvc_dossier.entrypoints.app import create_app
from dvckit.auth.jwt import DevKeys
from dvckit.settings import AuthSettings, KafkaSettings
from dvckit.testing import PostgresServer, migrated_database, running_app


class DossierHarness:
    def __init__(
        self, client: httpx.AsyncClient, producer: AIOKafkaProducer, db_url: str, bootstrap: str
    ) -> None:
        self.client = client
        self.producer = producer
        self.db_url = db_url
        self.bootstrap = bootstrap

    async def send(self, topic: str, event: CloudEvent, key: str | None = None) -> None:
        headers, value = to_binary(event)
        await self.producer.send_and_wait(
            topic, value=value, key=(key or event.subject or "").encode(), headers=headers
        )

    async def send_raw(self, topic: str, key: str, value: bytes, headers: list[tuple[str, bytes]]) -> None:
        await self.producer.send_and_wait(topic, value=value, key=key.encode(), headers=headers)


def procedure(code: str, agency: str, allowed: list[str], **extra: Any) -> ProcedurePublishedV1:

    return ProcedurePublishedV1(
        code=code,
        version=1,
        name="Đăng ký xe ô tô",
        sector="GTVT",
        agency_code=agency,
        agency_name="Cục Cảnh sát giao thông",
        level="province",
        service_level=4,
        fee={"kind": "fixed", "amount_vnd": 500000},
        processing_days=2,
        allowed_agency_codes=allowed,
        published_at=clock.now(),
        **extra,
    )


async def start_dossier(
    pg: PostgresServer, bootstrap: str, jwks: Path, group: str | None = None
) -> tuple[Any, str]:
    db_url = await migrated_database(pg, "dvc_dossier")
    settings = Settings(
        database_url=db_url,
        consumer_group=group or f"dvc-dossier-it-{uuid.uuid4().hex[:6]}",
        relay_idle_seconds=0.05,
        kafka=KafkaSettings(bootstrap=bootstrap, session_timeout_ms=1000),
        auth=AuthSettings(jwks_file=str(jwks), jwks_url=None),
    )
    return create_app(settings), db_url


@pytest.fixture
async def dossier(
    pg: PostgresServer, kafka_bootstrap: str, dev_keys: tuple[DevKeys, Path]
) -> AsyncIterator[DossierHarness]:
    app, db_url = await start_dossier(pg, kafka_bootstrap, dev_keys[1])
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        async with running_app(app) as client:
            yield DossierHarness(client, producer, db_url, kafka_bootstrap)
    finally:
        await producer.stop()


@pytest.fixture
def publish_procedure() -> Callable[[DossierHarness, ProcedurePublishedV1], Any]:
    async def publish(h: DossierHarness, p: ProcedurePublishedV1) -> None:
        await h.send(
            topics.PROCEDURE_PUBLISHED,
            new_event(topics.PROCEDURE_PUBLISHED, "/dvc/catalog", p, subject=p.code),
        )

    return publish
