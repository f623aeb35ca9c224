"""Every Kafka principal of deploy/kafka/access.py on a real Apache Kafka with SASL/SCRAM-SHA-512 and the
StandardAuthorizer, with exactly the ACLs that file renders (Strimzi and compose): each service can write its
own topics, read every topic and use its shared and per-instance groups, and nothing else; dossier writes the
shared agency ingress (its HTTP ingest's relay) and every rejection topic; an agency system produces status
reports only as itself (its own agency-status-reported.<id>) and reads only its own rejections; nobody else
writes an agency's ingress; a principal without ACLs can do nothing."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import secrets
import ssl
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import (
    ClusterAuthorizationFailedError,
    GroupAuthorizationFailedError,
    KafkaError,
    TopicAuthorizationFailedError,
)
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from dvc_contracts import agencies, clock
from dvc_contracts.envelope import new_event, to_binary
from dvc_contracts.events import AgencyStatusReportedV1, ProcedurePublishedV1
from dvc_contracts.topics import ALL_TOPICS
from dvckit import apache_kafka, devbroker
from dvckit.messaging.kafka import make_producer
from dvckit.settings import KafkaSettings
from dvckit.testing import PostgresServer, ServiceProcess, eventually, migrated_database

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
ADMIN = "dvc-admin"


def _access() -> ModuleType:
    spec = importlib.util.spec_from_file_location("kafka_access", ROOT / "deploy" / "kafka" / "access.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


ACCESS = _access()


class Secure:
    def __init__(self, bootstrap: str, passwords: dict[str, str], tls_bootstrap: str, ca: Path) -> None:
        self.bootstrap, self.passwords, self.tls_bootstrap, self.ca = bootstrap, passwords, tls_bootstrap, ca

    def client(self, user: str) -> dict[str, Any]:
        return {
            "bootstrap_servers": self.bootstrap, "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": "SCRAM-SHA-512", "sasl_plain_username": user,
            "sasl_plain_password": self.passwords[user], "request_timeout_ms": 8000,
        }  # fmt: skip


@pytest.fixture(scope="module")
def secure(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Secure]:
    names = [p.name for p in ACCESS.everyone()] + [ADMIN, "nobody"]
    passwords = {n: secrets.token_urlsafe(12) for n in names}
    port, cport = devbroker.free_port(), devbroker.free_port()
    node = apache_kafka.sasl_node(tmp_path_factory.mktemp("kafka-sasl"), port, cport, passwords, ADMIN)
    tls_port = devbroker.free_port()
    ca = apache_kafka.add_tls_listener(node, tls_port)
    node.format()
    node.proc = devbroker._spawn(node.command(), dict(os.environ), node.log_path)
    try:
        deadline = (
            time.monotonic() + 90
        )  # the plaintext probe cannot speak SASL: wait for the broker's own line
        while b"Kafka Server started" not in node.log_path.read_bytes():
            assert node.alive() and time.monotonic() < deadline, f"SASL broker did not start; {node.log_path}"
            time.sleep(0.1)
        s = Secure(f"127.0.0.1:{port}", passwords, f"127.0.0.1:{tls_port}", ca)
        asyncio.run(_create_topics(s))
        apache_kafka.create_acls(s.bootstrap, ADMIN, passwords[ADMIN], ACCESS.acl_lines(ACCESS.everyone()))
        yield s
    finally:
        devbroker._terminate(node.proc, timeout=30)


async def _create_topics(s: Secure) -> None:
    admin = AIOKafkaAdminClient(**s.client(ADMIN))
    await admin.start()
    try:
        await admin.create_topics([NewTopic(t, 1, 1) for t in ALL_TOPICS])
    finally:
        await admin.close()


async def _write(s: Secure, user: str, topic: str, idempotent: bool = True) -> bool:
    producer = AIOKafkaProducer(**s.client(user), acks="all", enable_idempotence=idempotent)
    await producer.start()
    try:
        await asyncio.wait_for(producer.send_and_wait(topic, b"{}", key=b"k"), 20)
        return True
    except (TopicAuthorizationFailedError, ClusterAuthorizationFailedError):  # no topic, or no producer id
        return False
    finally:
        await producer.stop()


async def _read(s: Secure, user: str, topic: str, group: str) -> bool:
    """True when ``user`` can join ``group`` and fetch ``topic``; False when either is refused."""
    consumer = AIOKafkaConsumer(topic, **s.client(user), group_id=group, auto_offset_reset="earliest",
                                session_timeout_ms=6000, heartbeat_interval_ms=1000)  # fmt: skip
    try:
        await consumer.start()
        deadline = time.monotonic() + 20
        while not consumer.assignment():
            assert time.monotonic() < deadline, f"{user} never got a partition of {topic} in {group}"
            await consumer.getmany(timeout_ms=200)
        await consumer.getmany(timeout_ms=200)
        return True
    except (TopicAuthorizationFailedError, GroupAuthorizationFailedError):
        return False
    finally:
        await consumer.stop()


@pytest.mark.parametrize("service", sorted(ACCESS.SERVICE_WRITES))
async def test_a_service_writes_its_own_topics_reads_all_and_nothing_else(
    secure: Secure, service: str
) -> None:
    user, own = f"dvc-{service}", ACCESS.SERVICE_WRITES[service]
    prefixed = [
        t for p in ACCESS.SERVICE_WRITE_PREFIXES.get(service, ()) for t in ALL_TOPICS if t.startswith(p)
    ]
    for topic in (*own, *prefixed, ACCESS.DEAD_LETTER):
        assert await _write(secure, user, topic), f"{user} must write {topic}"
    foreign = next(t for t in ("fee-paid", "procedure-published", "sms-sent") if t not in own)
    assert not await _write(secure, user, foreign), f"{user} must not write {foreign}"
    for system in agencies.SYSTEMS:  # an agency system's reports come from that system alone
        assert not await _write(secure, user, system.reported_topic), f"{user} must not write {system.id}'s"
    if service != "dossier":  # the shared ingress is dossier's: its HTTP ingest relays accepted reports there
        assert not await _write(secure, user, ACCESS.INGRESS), f"{user} must not write {ACCESS.INGRESS}"
    instance_group = f"dvc-{service}-{uuid.uuid4().hex[:6]}-4242"  # like dossier's per-instance group
    assert await _read(secure, user, "procedure-published", f"dvc-{service}")
    assert await _read(secure, user, "procedure-published", instance_group)
    other = "dvc-payment" if service != "payment" else "dvc-notify"
    assert not await _read(secure, user, "procedure-published", other), f"{user} must not join {other}"


def test_the_dossier_service_writes_the_shared_ingress_and_every_rejection_topic() -> None:
    """The rules behind the dossier case of the test above (which proves them on the broker): the shared
    ingress, and the rejection topics by a prefix that every system's rejection topic matches."""
    dossier = next(p for p in ACCESS.services() if p.name == "dvc-dossier")
    writes = {(a.name, a.pattern) for a in dossier.acls if "Write" in a.operations}
    assert (ACCESS.INGRESS, "literal") in writes and (ACCESS.REJECTED, "prefix") in writes
    assert all(s.rejected_topic.startswith(ACCESS.REJECTED) for s in agencies.SYSTEMS)


@pytest.mark.parametrize("system_id", [s.id for s in agencies.SYSTEMS])
async def test_an_agency_reports_only_as_itself_and_reads_only_its_own_rejections(
    secure: Secure, system_id: str
) -> None:
    me = agencies.by_id(system_id)
    other = next(s for s in agencies.SYSTEMS if s.id != system_id)
    user = me.principal
    assert await _write(secure, user, me.reported_topic), f"{user} must write its own ingress"
    assert not await _write(secure, user, ACCESS.INGRESS), "the shared ingress is the portal's own"
    assert not await _write(secure, user, other.reported_topic), f"{user} must not report as {other.id}"
    assert not await _write(secure, user, me.rejected_topic), "rejections are dossier's to write"
    assert not await _write(secure, user, "dossier-status-changed")
    assert await _read(secure, user, me.rejected_topic, f"{user}-rejections")
    assert not await _read(secure, user, other.rejected_topic, f"{user}-peek"), f"{other.id}'s rejections"
    assert not await _read(secure, user, ACCESS.REJECTED, f"{user}-peek"), "the shared rejections"
    assert not await _read(secure, user, me.reported_topic, f"{user}-peek"), "its ingress is write-only"
    assert not await _read(secure, user, "dossier-submitted", f"{user}-peek"), (
        "citizens' dossiers stay private"
    )
    assert not await _read(secure, user, me.rejected_topic, f"{other.principal}-x"), "another's group"


async def test_a_principal_without_acls_can_do_nothing(secure: Secure) -> None:
    # (an idempotent producer would not even get a producer id: ClusterAuthorizationFailed in its sender)
    assert not await _write(secure, "nobody", ACCESS.INGRESS, idempotent=False)
    assert not await _read(secure, "nobody", "dossier-submitted", "nobody")


async def test_a_wrong_password_is_refused(secure: Secure) -> None:
    client = secure.client("dvc-dossier") | {"sasl_plain_password": "wrong"}
    producer = AIOKafkaProducer(**client)
    with pytest.raises(KafkaError):
        await producer.start()
    await producer.stop()


async def test_the_tls_listener_takes_a_service_that_trusts_the_broker_and_refuses_one_that_does_not(
    secure: Secure,
) -> None:
    settings = KafkaSettings(
        bootstrap=secure.tls_bootstrap, security_protocol="SASL_SSL", sasl_mechanism="SCRAM-SHA-512",
        sasl_username="dvc-catalog", sasl_password=secure.passwords["dvc-catalog"], ssl_cafile=str(secure.ca),
    )  # fmt: skip
    producer = make_producer(settings, client_id="tls-test")  # the services' own factory, TLS from settings
    await producer.start()
    try:
        await asyncio.wait_for(producer.send_and_wait("procedure-published", b"{}", key=b"k"), 20)
    finally:
        await producer.stop()
    untrusting = AIOKafkaProducer(
        bootstrap_servers=secure.tls_bootstrap, security_protocol="SASL_SSL", ssl_context=ssl.create_default_context(),
        sasl_mechanism="SCRAM-SHA-512", sasl_plain_username="dvc-catalog",
        sasl_plain_password=secure.passwords["dvc-catalog"], request_timeout_ms=5000,
    )  # fmt: skip
    with pytest.raises(KafkaError):
        await untrusting.start()
    await untrusting.stop()


async def test_dossier_runs_as_its_own_principal_and_applies_an_agency_report(
    secure: Secure, pg: PostgresServer, auth_env: dict[str, str], tmp_path: Path
) -> None:
    """The service process with only its own SCRAM user: it learns the catalog (its per-instance group), takes
    an agency system's report from that system's own ingress, and publishes the status change."""
    db = await migrated_database(pg, "dvc_dossier")
    env = {
        "KAFKA_BOOTSTRAP": secure.bootstrap, "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512", "KAFKA_SASL_USERNAME": "dvc-dossier",
        "KAFKA_SASL_PASSWORD": secure.passwords["dvc-dossier"], "KAFKA_SESSION_TIMEOUT_MS": "6000",
        "DOSSIER_DATABASE_URL": db, "DOSSIER_CONSUMER_GROUP": f"dvc-dossier-sec-{uuid.uuid4().hex[:6]}",
        "DOSSIER_RELAY_IDLE_SECONDS": "0.05", **auth_env,
    }  # fmt: skip
    dossier = ServiceProcess("dossier", devbroker.free_port(), env, tmp_path / "dossier.log")
    dossier.start(timeout=120)
    try:
        code, proc = f"01-SEC-{uuid.uuid4().hex[:6].upper()}", f"SEC-{uuid.uuid4().hex[:6].upper()}"
        published = ProcedurePublishedV1(
            code=proc, version=1, name="Cấp đổi giấy phép lái xe", sector="DUONG-BO", agency_code="SO-GTVT",
            agency_name="Sở Giao thông vận tải", level="province", service_level=4, fee={"kind": "free"},
            processing_days=5, published_at=clock.now(),
        )  # fmt: skip
        await _emit(secure, "dvc-catalog", "procedure-published", published, proc)

        async def known() -> bool:
            return await _count(db, "SELECT count(*) FROM procedures WHERE code = :c", proc) == 1

        await eventually(known, timeout=60)
        report = AgencyStatusReportedV1(
            dossier_code=code, procedure_code=proc, agency_code="SO-GTVT", province_code="01", sequence=0,
            status="received", occurred_at=clock.now(),
        )  # fmt: skip
        ha_noi = agencies.by_id("ha-noi")  # covers agency SO-GTVT in province 01
        await _emit(secure, ha_noi.principal, ha_noi.reported_topic, report, code)

        async def applied() -> bool:
            return (
                await _count(
                    db, "SELECT count(*) FROM dossiers WHERE code = :c AND status = 'received'", code
                )
                == 1
            )

        async def published_change() -> bool:
            return (
                await _count(db, "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL AND key = :c", code)
                > 0
            )

        await eventually(applied, timeout=60)
        await eventually(published_change, timeout=60)
        assert dossier.proc is not None and dossier.proc.poll() is None
    finally:
        dossier.stop()


async def _emit(s: Secure, user: str, topic: str, data: Any, key: str) -> None:
    """One CloudEvent of the type the topic carries (an agency system's topic <event type>.<id> too)."""
    producer = AIOKafkaProducer(**s.client(user), acks="all", enable_idempotence=True)
    await producer.start()
    try:
        event_type = topic.partition(".")[0]
        headers, value = to_binary(new_event(event_type, f"urn:test:{user}", data, subject=key))
        await producer.send_and_wait(topic, value, key=key.encode(), headers=headers)
    finally:
        await producer.stop()


async def _count(db_url: str, sql: str, value: str) -> int:
    engine = create_async_engine(db_url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(text(sql), {"c": value})).scalar() or 0)
    finally:
        await engine.dispose()
