"""The Java starter kit (contracts/kits/java): builds the portal's exact bytes, and the portal parses what it sends.

Builds the kit once per module with Maven (`mvn -q -B package`, CI has Java 17 and Maven), then:
the shared vectors byte for byte, `emit --system ha-noi` against the suite's real broker (the system's own topic
agency-status-reported.ha-noi, provisioned with the portal's topics), and `rejections` reading rejections the
portal's own code built from the system's agency-status-rejected.ha-noi.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import subprocess
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from dvc_contracts import agencies, topics
from dvc_contracts.clock import VN_TZ
from dvc_contracts.envelope import (
    JSON_CONTENT_TYPE,
    STRUCTURED_CONTENT_TYPE,
    from_kafka,
    new_event,
    to_binary,
    to_structured,
)
from dvc_contracts.events import AgencyStatusRejectedV1, AgencyStatusReportedV1, parse_data
from dvckit.testing import read_topic

pytestmark = pytest.mark.integration

KIT = Path(__file__).resolve().parents[1] / "kits" / "java"
VECTORS = Path(__file__).resolve().parents[1] / "kits" / "vectors" / "status-reported.json"
JAR = KIT / "target" / "dvc-agency-kit.jar"
HA_NOI = agencies.by_id("ha-noi")  # covers SO-GTVT in province 01


@pytest.fixture(scope="module")
def kit_jar() -> Path:
    missing = [tool for tool in ("java", "mvn") if shutil.which(tool) is None]
    if missing:
        pytest.fail(
            f"the Java kit test needs {' and '.join(missing)} on PATH (Java 17 JDK and Maven; "
            "Debian: apt-get install openjdk-17-jdk-headless maven)",
            pytrace=False,
        )
    t0 = time.monotonic()
    build = subprocess.run(
        ["mvn", "-q", "-B", "package"],
        cwd=KIT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert build.returncode == 0, f"mvn package failed:\n{build.stdout}\n{build.stderr}"
    assert JAR.is_file(), f"mvn package did not produce {JAR}"
    print(f"kit built in {time.monotonic() - t0:.1f} s")
    return JAR


def kit(
    jar: Path, *args: str, timeout: float = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["java", "-jar", str(jar), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        check=False,
        env=env,
    )


def _b64(text: str) -> bytes:
    return base64.b64decode(text)


def _assert_same_records(built: dict[str, Any], vectors: list[dict[str, Any]]) -> None:
    assert sorted(built) == sorted(v["name"] for v in vectors)
    for v in vectors:
        got = built[v["name"]]
        assert _b64(got["key_b64"]) == v["key"].encode(), v["name"]
        for mode in ("binary", "structured"):
            want_headers = [(k, val.encode()) for k, val in v[mode]["headers"]]
            got_headers = [(k, _b64(val)) for k, val in got[mode]["headers_b64"]]
            assert got_headers == want_headers, f"{v['name']} {mode} headers"
            assert _b64(got[mode]["value_b64"]) == v[mode]["value"].encode(), f"{v['name']} {mode} value"


def test_vectors_byte_for_byte(kit_jar: Path) -> None:
    run = kit(kit_jar, "vectors", str(VECTORS))
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    expected = json.loads(VECTORS.read_text(encoding="utf-8"))
    assert out["topic"] == expected["topic"] == topics.AGENCY_STATUS_REPORTED
    _assert_same_records(out["vectors"], expected["vectors"])


def _vector(name: str, event_id: str, data: AgencyStatusReportedV1) -> dict[str, Any]:
    """One vector as contracts/kits/vectors/generate.py makes them."""
    event = new_event(
        topics.AGENCY_STATUS_REPORTED,
        f"urn:agency:{data.agency_code}",
        data,
        subject=data.dossier_code,
        time=data.occurred_at,
        id_=event_id,
    )
    records = {}
    for mode, (headers, value) in (("binary", to_binary(event)), ("structured", to_structured(event))):
        records[mode] = {"headers": [[k, v.decode()] for k, v in headers], "value": value.decode()}
    return {
        "name": name,
        "input": {
            "id": event_id,
            "source": event.source,
            "type": event.type,
            "subject": event.subject,
            "time": data.occurred_at.isoformat(),
            "data": data.model_dump(mode="json"),
        },
        "key": data.dossier_code,
        **records,
    }


def test_escaping_and_times_match_python(kit_jar: Path, tmp_path: Path) -> None:
    """Beyond the shared vectors: JSON escapes, astral characters, fractions of seconds and UTC."""
    base = {"procedure_code": "1.001234", "agency_code": "BỘ-CA", "province_code": "79"}
    reports = [
        AgencyStatusReportedV1(
            **base,
            dossier_code="79-261204-ĐẶC BIỆT",
            sequence=2_147_483_647,
            status="supplement_requested",
            occurred_at=datetime(2026, 12, 4, 8, 30, 15, 120, tzinfo=VN_TZ),
            note='Ký tự: "trích dẫn" \\ / \t tab\nxuống dòng \x01\x1f\x7f \u2028 😀 中文',
            citizen_phone="+84912345678",
        ),
        AgencyStatusReportedV1(
            **base,
            dossier_code="79-261204-UTC",
            sequence=7,
            status="withdrawn",
            occurred_at=datetime(2026, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
            due_date=date(2027, 1, 4),
            result="",
        ),
        AgencyStatusReportedV1(
            **base,
            dossier_code="79-261204-OFFSET",
            sequence=3,
            status="forwarded",
            occurred_at=datetime(2026, 12, 4, 1, 0, tzinfo=VN_TZ) + timedelta(minutes=1),
        ),
    ]
    vectors = [_vector(f"extra-{i}", str(uuid.uuid4()), r) for i, r in enumerate(reports)]
    path = tmp_path / "extra.json"
    path.write_text(
        json.dumps({"topic": topics.AGENCY_STATUS_REPORTED, "vectors": vectors}, ensure_ascii=False),
        encoding="utf-8",
    )
    run = kit(kit_jar, "vectors", str(path))
    assert run.returncode == 0, run.stderr
    _assert_same_records(json.loads(run.stdout)["vectors"], vectors)


def _kit_env(**extra: str) -> dict[str, str]:
    """The suite's environment without the security settings or agency system of another run
    (KAFKA_IDEMPOTENCE is kept: the suite sets it to false for development brokers without an idempotent
    producer)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("KAFKA_SASL", "KAFKA_SSL", "KAFKA_SECURITY", "AGENCY_SYSTEM"))
    }
    return {**env, **extra}


ARGS = {
    "emit": ["--agency", "SO-GTVT", "--procedure", "1.001234", "--dossier", "01-261204-X"],
    "rejections": ["--timeout-seconds", "1"],
}


@pytest.mark.parametrize("command", ["emit", "rejections"])
def test_the_system_is_required_and_checked(kit_jar: Path, command: str) -> None:
    """No shared topic by default: the kit needs the system's id (--system or AGENCY_SYSTEM) to name its topic."""
    args = [command, "--bootstrap", "127.0.0.1:1", *ARGS[command]]
    missing = kit(kit_jar, *args, env=_kit_env())
    assert missing.returncode == 2, missing.stderr
    assert "error: give your one-stop system's id: --system ID (or AGENCY_SYSTEM=ID)" in missing.stderr
    bad = kit(kit_jar, *args, "--system", "Ha-Noi", env=_kit_env())
    assert bad.returncode == 2, bad.stderr
    assert "error: system 'Ha-Noi': your system's id, lowercase" in bad.stderr
    bad_env = kit(kit_jar, *args, env=_kit_env(AGENCY_SYSTEM="ha_noi"))
    assert bad_env.returncode == 2 and "error: system 'ha_noi'" in bad_env.stderr, bad_env.stderr


def _mine(dossier: str) -> Any:
    """``read_topic``'s stop condition: two records of this dossier (the system's topic is shared)."""
    return lambda got: sum(r.key == dossier.encode() for r in got) >= 2


async def test_emit_is_parsed_by_the_portal(kit_jar: Path, kafka_bootstrap: str) -> None:
    topic = HA_NOI.reported_topic  # the only topic agency-ha-noi may write; provisioned by the portal
    dossier = f"JK-{uuid.uuid4().hex[:10].upper()}"
    run = await asyncio.to_thread(
        kit,
        kit_jar,
        "emit",
        "--bootstrap",
        kafka_bootstrap,
        "--system",
        "ha-noi",
        "--agency",
        "SO-GTVT",
        "--province",
        "01",
        "--procedure",
        "1.001234",
        "--dossier",
        dossier,
        "--mode",
        "both",
        env=_kit_env(AGENCY_SYSTEM="bhxh"),  # --system wins over the environment
    )
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}"
    assert f"dossier {dossier}: 2 events sent" in run.stdout
    assert run.stdout.count(f"sent {topic}[") == 2, run.stdout

    records = [
        r for r in await read_topic(kafka_bootstrap, topic, _mine(dossier)) if r.key == dossier.encode()
    ]

    assert len(records) == 2, f"expected 2 records of {dossier} on {topic}, got {len(records)}"
    assert {r.key for r in records} == {dossier.encode()}
    assert len({r.partition for r in records}) == 1  # one key, one partition: in order
    records.sort(key=lambda r: r.offset)
    got = []
    notes = []
    ids = set()
    for r in records:
        event = from_kafka(r.headers, r.value)
        data = parse_data(event)
        assert isinstance(data, AgencyStatusReportedV1)
        assert event.type == topics.AGENCY_STATUS_REPORTED and event.source == "urn:agency:SO-GTVT"
        assert (
            event.subject == dossier
            and event.time is not None
            and event.time.utcoffset() == timedelta(hours=7)
        )
        assert data.occurred_at.utcoffset() == timedelta(hours=7)
        assert (data.dossier_code, data.agency_code, data.procedure_code, data.province_code) == (
            dossier,
            "SO-GTVT",
            "1.001234",
            "01",
        )
        assert HA_NOI.covers(data.agency_code, data.province_code)
        got.append((data.sequence, data.status, dict(r.headers)["content-type"].decode()))
        notes.append(data.note)
        ids.add(event.id)
    assert got == [(0, "received", STRUCTURED_CONTENT_TYPE), (1, "processing", JSON_CONTENT_TYPE)]
    assert notes == ["Đã tiếp nhận hồ sơ tại Bộ phận một cửa", "Đang thẩm định hồ sơ"]
    assert len(ids) == 2  # one id per event


def _rejection(dossier: str, offset: int) -> tuple[list[tuple[str, bytes]], bytes]:
    original = json.dumps({"dossier_code": dossier, "occurred_at": "2026-12-04T08:30:00"}).encode()
    data = AgencyStatusRejectedV1(
        reason="invalid_payload",
        message="occurred_at: Input should have timezone info",
        original_topic=HA_NOI.reported_topic,
        original_partition=0,
        original_offset=offset,
        original_key=dossier,
        original_headers={"content-type": "application/json", "ce_specversion": "1.0"},
        original_value_b64=base64.b64encode(original).decode(),
        dossier_code=dossier,
        agency_code="SO-GTVT",
        rejected_at=datetime.now(UTC),
    )
    event = new_event(topics.AGENCY_STATUS_REJECTED, "urn:dvc:dossier", data, subject=dossier)
    return to_binary(event)


async def _committed(bootstrap: str, group: str, tp: TopicPartition) -> int | None:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        return await consumer.committed(tp)
    finally:
        await consumer.stop()


async def _start_group_at_end(bootstrap: str, group: str, topic: str) -> dict[TopicPartition, int]:
    """Commit ``group`` at the end of every partition of ``topic``, so that a run of the kit reads only what
    follows (the system's rejection topic is shared with the rest of the suite). Returns those offsets."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(await producer.partitions_for(topic))]
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        await consumer.commit(ends)
        return ends
    finally:
        await consumer.stop()


async def test_rejections_are_printed_and_committed(kit_jar: Path, kafka_bootstrap: str) -> None:
    topic = HA_NOI.rejected_topic  # the only topic agency-ha-noi may read; the portal writes it
    # agency-ha-noi may use consumer groups whose names start with agency-ha-noi
    group = f"{HA_NOI.principal}-javakit-{uuid.uuid4().hex[:8]}"
    dossiers = [f"01-261204-REJ{i}-{uuid.uuid4().hex[:6].upper()}" for i in range(2)]
    tp = TopicPartition(topic, 0)
    start = (await _start_group_at_end(kafka_bootstrap, group, topic))[tp]
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        for i, dossier in enumerate(dossiers):
            headers, value = _rejection(dossier, 40 + i)
            await producer.send_and_wait(topic, value, key=dossier.encode(), headers=headers, partition=0)
    finally:
        await producer.stop()

    # --max 1: one rejection per run, each committed before the next; the system from --system, then from
    # AGENCY_SYSTEM; no --topic: the kit reads agency-status-rejected.ha-noi
    for i, (dossier, system) in enumerate(zip(dossiers, (["--system", "ha-noi"], []), strict=True)):
        args = ["--bootstrap", kafka_bootstrap, *system, "--group", group, "--max", "1"]
        run = await asyncio.to_thread(
            kit,
            kit_jar,
            "rejections",
            *args,
            "--timeout-seconds",
            "30",
            "--agency",
            "SO-GTVT",
            env=_kit_env(AGENCY_SYSTEM="ha-noi" if not system else "bhxh"),
        )
        assert run.returncode == 0, f"{run.stdout}\n{run.stderr}"
        lines = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
        assert len(lines) == 1, run.stdout
        line = lines[0]
        assert line["reason"] == "invalid_payload"
        assert line["message"] == "occurred_at: Input should have timezone info"
        assert line["dossier_code"] == dossier and line["agency_code"] == "SO-GTVT"
        assert (line["original_topic"], line["original_offset"], line["original_key"]) == (
            HA_NOI.reported_topic,
            40 + i,
            dossier,
        )
        assert json.loads(line["original_value"])["dossier_code"] == dossier
        assert await _committed(kafka_bootstrap, group, tp) == start + i + 1


def test_security_settings_from_the_portals_environment(kit_jar: Path) -> None:
    env = {
        **_kit_env(),
        "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "KAFKA_SASL_USERNAME": "so-gtvt",
        "KAFKA_SASL_PASSWORD": 'p"ss\\word',
        "KAFKA_SSL_CAFILE": "/etc/dvc/ca.pem",
        "KAFKA_IDEMPOTENCE": "true",
    }
    run = kit(kit_jar, "config", "--bootstrap", "kafka.example:9093", env=env)
    assert run.returncode == 0, run.stderr
    config = json.loads(run.stdout)
    assert config["bootstrap.servers"] == "kafka.example:9093"
    assert config["security.protocol"] == "SASL_SSL"
    assert config["sasl.mechanism"] == "SCRAM-SHA-512"
    assert config["sasl.jaas.config"] == (
        'org.apache.kafka.common.security.scram.ScramLoginModule required username="so-gtvt" password="***";'
    )
    assert (config["ssl.truststore.type"], config["ssl.truststore.location"]) == ("PEM", "/etc/dvc/ca.pem")
    assert (config["acks"], config["enable.idempotence"]) == ("all", "true")

    plain = kit(kit_jar, "config", "--bootstrap", "127.0.0.1:9092", env=_kit_env())
    assert plain.returncode == 0, plain.stderr
    assert json.loads(plain.stdout)["security.protocol"] == "PLAINTEXT"
    assert "sasl.jaas.config" not in json.loads(plain.stdout)
