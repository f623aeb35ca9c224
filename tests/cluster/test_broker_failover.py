"""The three-node Apache Kafka cluster of deploy/ (RF 3, min ISR 2) on loopback, with dossier and notify as
processes: one broker is SIGKILLed while agency status reports flow and restarted later. Every report is
applied once and in order, every completed dossier gets one SMS, the partitions come back to full ISR, and
the services are never restarted."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from dvc_contracts import clock, topics
from dvc_contracts.envelope import new_event, to_binary
from dvc_contracts.events import AgencyStatusReportedV1, ProcedurePublishedV1
from dvc_contracts.topics import ALL_TOPICS, partitions_for
from dvckit.devbroker import DevCluster, ensure_topics
from dvckit.testing import PostgresServer, ServiceProcess, eventually, free_port, migrated_database

pytestmark = pytest.mark.integration
DOSSIERS = 40
STATUSES = ("received", "processing", "completed")
KILLED = 2


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevCluster]:
    with DevCluster(tmp_path_factory.mktemp("kafka-cluster")) as c:
        asyncio.run(ensure_topics(c.bootstrap, [(t, partitions_for(t)) for t in ALL_TOPICS], replication=3))
        yield c


@pytest.fixture(scope="module")
async def services(
    cluster: DevCluster,
    pg: PostgresServer,
    auth_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[dict[str, ServiceProcess]]:
    logs, run = Path(tmp_path_factory.mktemp("cluster-logs")), uuid.uuid4().hex[:6]
    procs: dict[str, ServiceProcess] = {}
    for name in ("dossier", "notify"):
        prefix = name.upper()
        env = {
            "KAFKA_BOOTSTRAP": cluster.bootstrap,
            "KAFKA_SESSION_TIMEOUT_MS": "3000",
            f"{prefix}_DATABASE_URL": await migrated_database(pg, f"dvc_{name}"),
            f"{prefix}_CONSUMER_GROUP": f"dvc-{name}-cluster-{run}",
            f"{prefix}_RELAY_IDLE_SECONDS": "0.05",
            **auth_env,
        }
        procs[name] = ServiceProcess(name, free_port(), env, logs / f"{name}.log")
    try:
        for svc in procs.values():
            svc.start(timeout=120)
        yield procs
    finally:
        for svc in procs.values():
            svc.stop()


async def _scalar(db_url: str, sql: str, **params: object) -> object:
    engine = create_async_engine(db_url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(text(sql), params)).scalar()
    finally:
        await engine.dispose()


async def _send(producer: AIOKafkaProducer, topic: str, data: object, key: str, source: str) -> None:
    headers, value = to_binary(new_event(topic, source, data, subject=key))  # type: ignore[arg-type]
    await producer.send_and_wait(topic, value, key=key.encode(), headers=headers)


async def _full_isr(bootstrap: str, topic: str) -> bool:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics([topic])
    finally:
        await admin.close()
    return all(len(p["isr"]) == 3 for t in described for p in t["partitions"])


async def test_a_broker_killed_mid_stream_loses_nothing_and_applies_nothing_twice(
    cluster: DevCluster, services: dict[str, ServiceProcess]
) -> None:
    run = uuid.uuid4().hex[:6].upper()
    proc, dossier_db = f"CL-{run}", services["dossier"].env["DOSSIER_DATABASE_URL"]
    notify_db = services["notify"].env["NOTIFY_DATABASE_URL"]
    producer = AIOKafkaProducer(bootstrap_servers=cluster.bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        published = ProcedurePublishedV1(
            code=proc, version=1, name="Cấp đổi giấy phép lái xe", sector="DUONG-BO", agency_code="SO-GTVT",
            agency_name="Sở Giao thông vận tải", level="province", service_level=4, fee={"kind": "free"},
            processing_days=5, published_at=clock.now(),
        )  # fmt: skip
        await _send(producer, topics.PROCEDURE_PUBLISHED, published, proc, "/dvc/catalog")

        async def known() -> bool:
            return bool(await _scalar(dossier_db, "SELECT count(*) FROM procedures WHERE code = :c", c=proc))

        await eventually(known, timeout=60)

        codes = [f"01-{run}-{i:03d}" for i in range(DOSSIERS)]
        restarted: asyncio.Task[None] | None = None
        for seq, status in enumerate(STATUSES):
            if seq == 1:  # after the first round: one broker dies without a goodbye
                cluster.kill(KILLED)
            if seq == 2:  # the last round flows while it comes back
                restarted = asyncio.create_task(asyncio.to_thread(cluster.restart, KILLED))
            for code in codes:
                report = AgencyStatusReportedV1(
                    dossier_code=code, procedure_code=proc, agency_code="SO-GTVT", province_code="01",
                    sequence=seq, status=status, occurred_at=clock.now(), citizen_phone="0912345678",
                    result="GPLX số 010123456789" if status == "completed" else None,
                )  # fmt: skip
                await _send(producer, topics.AGENCY_STATUS_REPORTED, report, code, "urn:agency:SO-GTVT")
        assert restarted is not None
        await restarted
    finally:
        await producer.stop()

    like = f"01-{run}-%"

    async def all_completed() -> bool:
        done = await _scalar(
            dossier_db, "SELECT count(*) FROM dossiers WHERE code LIKE :p AND status = 'completed' AND sequence = 2",
            p=like,
        )  # fmt: skip
        return done == DOSSIERS

    await eventually(all_completed, timeout=120)
    applied = await _scalar(
        dossier_db,
        "SELECT count(*) FROM dossier_history WHERE dossier_code LIKE :p AND kind = 'status' AND applied = 1",
        p=like,
    )
    twice = await _scalar(
        dossier_db,
        "SELECT count(*) FROM (SELECT dossier_code, sequence FROM dossier_history WHERE dossier_code LIKE :p "
        "AND kind = 'status' AND applied = 1 GROUP BY 1, 2 HAVING count(*) > 1) AS d",
        p=like,
    )
    assert (applied, twice) == (DOSSIERS * len(STATUSES), 0), "every report applied exactly once"

    async def one_sms_each() -> bool:
        sent = await _scalar(
            notify_db,
            "SELECT count(DISTINCT dossier_code) FROM sms_messages WHERE dossier_code LIKE :p "
            "AND template = 'dossier-completed'",
            p=like,
        )
        return sent == DOSSIERS

    await eventually(one_sms_each, timeout=120)
    completed_sms = await _scalar(
        notify_db,
        "SELECT count(*) FROM sms_messages WHERE dossier_code LIKE :p AND template = 'dossier-completed'",
        p=like,
    )
    assert completed_sms == DOSSIERS, "one completion SMS per dossier, none twice"

    async def back_in_isr() -> bool:
        return await _full_isr(cluster.bootstrap, topics.AGENCY_STATUS_REPORTED)

    t0 = time.monotonic()
    await eventually(back_in_isr, timeout=90, every=1.0)
    print(
        f"node {KILLED} back in every ISR {time.monotonic() - t0:.1f} s after the stream ended; nodes ready after "
        f"{ {n: round(s, 1) for n, s in cluster.started_seconds.items()} } s"
    )
    for svc in services.values():
        assert svc.proc is not None and svc.proc.poll() is None, f"{svc.name} never needed a restart"
