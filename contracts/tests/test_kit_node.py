"""The TypeScript/Node agency kit (contracts/kits/node): it builds the portal's exact bytes and works on a real broker.

Installs the kit once per module (`npm ci` unless node_modules matches package-lock.json, then `npm run build`),
then: the kit's record-building code reproduces every shared vector byte for byte; `emit --system ha-noi` sends two
status reports the portal parses to the system's own agency-status-reported.ha-noi (one structured, one binary,
keyed by the dossier code, on the partition the portal's own client would pick); `rejections` prints an
AgencyStatusRejectedV1 event from agency-status-rejected.ha-noi and commits its offset. Both topics are provisioned
with the portal's (dvc_contracts.topics.ALL_TOPICS).
Node.js and npm are required (CI has both): without them these tests fail, they are not skipped.
"""

from __future__ import annotations

import asyncio
import base64
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.partitioner import DefaultPartitioner

from dvc_contracts import agencies, topics
from dvc_contracts.envelope import (
    JSON_CONTENT_TYPE,
    STRUCTURED_CONTENT_TYPE,
    from_kafka,
    new_event,
    to_binary,
)
from dvc_contracts.events import AgencyStatusRejectedV1, AgencyStatusReportedV1, parse_data
from dvckit.testing import read_topic

pytestmark = pytest.mark.integration

CONTRACTS = Path(__file__).resolve().parents[1]
KIT = CONTRACTS / "kits" / "node"
VECTORS = CONTRACTS / "kits" / "vectors" / "status-reported.json"
STAMP = (
    KIT / "node_modules" / ".dvc-kit-installed"
)  # sha256 of the package-lock.json node_modules was made from
INSTALL_TIMEOUT = 600
HA_NOI = agencies.by_id("ha-noi")  # covers SO-GTVT in province 01


def _run(
    cmd: list[str], timeout: float, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=KIT, capture_output=True, text=True, timeout=timeout, check=False, env=env)


def _check(run: subprocess.CompletedProcess[str], what: str) -> None:
    assert run.returncode == 0, (
        f"{what} exited {run.returncode}\nstdout:\n{run.stdout}\nstderr:\n{run.stderr}"
    )


@pytest.fixture(scope="module")
def kit() -> Iterator[list[str]]:
    """`node dist/cli.js`, after installing (when needed) and building the kit."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.fail(
            "the Node agency kit needs Node.js >= 20.19.4 and npm on PATH (CI has both); "
            f"found node={node}, npm={npm}",
            pytrace=False,
        )
    lock = hashlib.sha256((KIT / "package-lock.json").read_bytes()).hexdigest()
    with open(KIT / "package.json", "rb") as guard:  # one installer at a time in this folder
        fcntl.flock(guard, fcntl.LOCK_EX)
        try:
            if not STAMP.is_file() or STAMP.read_text() != lock:
                _check(_run([npm, "ci", "--no-audit", "--no-fund"], INSTALL_TIMEOUT), "npm ci")
                STAMP.write_text(lock)
            _check(_run([npm, "run", "build"], INSTALL_TIMEOUT), "npm run build")
        finally:
            fcntl.flock(guard, fcntl.LOCK_UN)
    yield [node, str(KIT / "dist" / "cli.js")]


def _plaintext_env(**extra: str) -> dict[str, str]:
    """The caller's environment without Kafka security settings (the suite's broker is PLAINTEXT) or another
    run's agency system."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("KAFKA_SASL_", "KAFKA_SSL_", "AGENCY_SYSTEM"))
    }
    env["KAFKA_SECURITY_PROTOCOL"] = "PLAINTEXT"
    return {**env, **extra}


async def _partitions(bootstrap: str, topic: str) -> list[int]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        return sorted(await producer.partitions_for(topic))
    finally:
        await producer.stop()


async def _start_group_at_end(bootstrap: str, group: str, topic: str) -> None:
    """Commit ``group`` at the end of every partition of ``topic``: a run of the kit reads only what follows
    (the system's rejection topic is shared with the rest of the suite)."""
    partitions = [TopicPartition(topic, p) for p in await _partitions(bootstrap, topic)]
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.commit(await consumer.end_offsets(partitions))
    finally:
        await consumer.stop()


def test_kit_builds_the_exact_bytes_of_every_shared_vector(kit: list[str]) -> None:
    run = _run([*kit, "vectors", str(VECTORS)], 60)
    _check(run, "vectors")
    built = json.loads(run.stdout)["vectors"]
    expected = json.loads(VECTORS.read_text(encoding="utf-8"))["vectors"]
    assert expected and sorted(built) == sorted(v["name"] for v in expected)
    for vector in expected:
        got = built[vector["name"]]
        assert base64.b64decode(got["binary"]["key_b64"]) == vector["key"].encode(), vector["name"]
        for mode in ("binary", "structured"):
            want = vector[mode]
            assert got[mode]["headers"] == want["headers"], (vector["name"], mode)
            sent = base64.b64decode(got[mode]["value_b64"])  # the bytes the kit hands to the Kafka client
            assert sent == want["value"].encode("utf-8"), (vector["name"], mode, sent.decode())


@pytest.mark.parametrize("command", ["emit", "rejections"])
def test_the_system_is_required_and_checked(kit: list[str], command: str) -> None:
    """No shared topic by default: the kit needs the system's id (--system or AGENCY_SYSTEM) to name its topic."""
    args = [*kit, command, "--bootstrap", "127.0.0.1:1"]
    if command == "emit":
        args += ["--agency", "SO-GTVT", "--province", "01", "--procedure", "1.001234", "--dossier", "01-X"]
    missing = _run(args, 60, _plaintext_env())
    assert missing.returncode == 2, missing.stderr
    assert "error: give your one-stop system's id: --system ID (or AGENCY_SYSTEM=ID)" in missing.stderr
    bad = _run([*args, "--system", "Ha-Noi"], 60, _plaintext_env())
    assert bad.returncode == 2, bad.stderr
    assert 'error: system "Ha-Noi": your system\'s id, lowercase' in bad.stderr
    bad_env = _run(args, 60, _plaintext_env(AGENCY_SYSTEM="ha_noi"))
    assert bad_env.returncode == 2 and 'error: system "ha_noi"' in bad_env.stderr, bad_env.stderr


async def test_emit_sends_status_reports_the_portal_parses(kit: list[str], kafka_bootstrap: str) -> None:
    topic = HA_NOI.reported_topic  # the only topic agency-ha-noi may write; provisioned by the portal
    dossier = f"01-261204-{uuid.uuid4().hex[:6].upper()}"
    emit = [
        *kit, "emit", "--bootstrap", kafka_bootstrap, "--system", "ha-noi", "--agency", "SO-GTVT",
        "--province", "01", "--procedure", "1.001234", "--dossier", dossier, "--phone", "0912345678",
    ]  # fmt: skip
    run = await asyncio.to_thread(_run, emit, 60, _plaintext_env(AGENCY_SYSTEM="bhxh"))  # --system wins
    _check(run, "emit")
    assert run.stdout.count(f"sent {topic}[") == 2, run.stdout

    key = dossier.encode()
    got = await read_topic(kafka_bootstrap, topic, lambda got: sum(r.key == key for r in got) >= 2)
    records = [r for r in got if r.key == key]  # the system's topic is shared with the rest of the suite
    assert len(records) == 2, f"expected 2 records of {dossier} on {topic}, got {len(records)}:\n{run.stdout}"
    records.sort(key=lambda r: r.offset)

    events = [from_kafka(r.headers, r.value) for r in records]
    reports: list[AgencyStatusReportedV1] = []
    for e in events:
        data = parse_data(e)
        assert isinstance(data, AgencyStatusReportedV1), type(data)
        reports.append(data)
    assert [(d.sequence, d.status) for d in reports] == [(0, "received"), (1, "processing")]
    modes = [dict(r.headers)["content-type"].decode() for r in records]
    assert modes == [STRUCTURED_CONTENT_TYPE, JSON_CONTENT_TYPE]  # structured first, then binary
    assert "ce_specversion" in dict(records[1].headers)
    assert all(r.key == dossier.encode() for r in records)
    # the partition the portal's own (Java-compatible murmur2) partitioner picks for this key
    partitions = await _partitions(kafka_bootstrap, topic)
    partition = DefaultPartitioner()(dossier.encode(), partitions, partitions)
    assert {r.partition for r in records} == {partition}
    assert len({e.id for e in events}) == 2
    for event, report in zip(events, reports, strict=True):
        assert event.type == topics.AGENCY_STATUS_REPORTED and event.source == "urn:agency:SO-GTVT"
        assert event.subject == dossier and event.time is not None
        assert event.time.utcoffset() == timedelta(hours=7)
        assert report.dossier_code == dossier and report.agency_code == "SO-GTVT"
        assert HA_NOI.covers(report.agency_code, report.province_code)
        assert report.occurred_at.utcoffset() == timedelta(hours=7)
        assert report.citizen_phone == "0912345678"
    assert reports[0].note == "Đã tiếp nhận hồ sơ tại Bộ phận một cửa"
    assert reports[1].note == "Đang thẩm định hồ sơ"


async def test_rejections_prints_the_portals_rejection_and_commits(
    kit: list[str], kafka_bootstrap: str
) -> None:
    topic = HA_NOI.rejected_topic  # the only topic agency-ha-noi may read; the portal writes it
    group = (
        f"{HA_NOI.principal}-kit-node-{uuid.uuid4().hex[:8]}"  # groups must start with the principal's name
    )
    dossier = f"01-261204-{uuid.uuid4().hex[:6].upper()}"
    await _start_group_at_end(kafka_bootstrap, group, topic)
    original = json.dumps(
        {"dossier_code": dossier, "occurred_at": "2026-12-04T08:30:00", "note": "Đã tiếp nhận"},
        ensure_ascii=False,
    )
    rejection = AgencyStatusRejectedV1(
        reason="invalid_payload",
        message="occurred_at: Input should have timezone info",
        original_topic=HA_NOI.reported_topic,
        original_partition=1,
        original_offset=42,
        original_key=dossier,
        original_headers={"content-type": STRUCTURED_CONTENT_TYPE},
        original_value_b64=base64.b64encode(original.encode()).decode(),
        dossier_code=dossier,
        agency_code="SO-GTVT",
        rejected_at=datetime.now(UTC),
    )
    event = new_event(topics.AGENCY_STATUS_REJECTED, "urn:dvc:dossier", rejection, subject=dossier)
    headers, value = to_binary(event)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        sent = await producer.send_and_wait(topic, value, key=dossier.encode(), headers=headers)
    finally:
        await producer.stop()

    cmd = [
        *kit, "rejections", "--bootstrap", kafka_bootstrap, "--group", group,
        "--agency", "SO-GTVT", "--max", "1", "--timeout-seconds", "30",
    ]  # fmt: skip
    # the system from the environment; no --topic: the kit reads agency-status-rejected.ha-noi
    run = await asyncio.to_thread(_run, cmd, 60, _plaintext_env(AGENCY_SYSTEM="ha-noi"))
    _check(run, "rejections")
    lines = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, run.stdout + run.stderr
    line = lines[0]
    assert line["reason"] == "invalid_payload"
    assert line["message"] == "occurred_at: Input should have timezone info"
    assert line["dossier_code"] == dossier and line["agency_code"] == "SO-GTVT"
    assert line["original_key"] == dossier and line["original_value"] == original
    assert (line["original_topic"], line["original_partition"], line["original_offset"]) == (
        HA_NOI.reported_topic,
        1,
        42,
    )
    assert line["event_id"] == event.id

    # the offset past the rejection is committed for the group: a rerun would not print it again
    tp = TopicPartition(topic, sent.partition)
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        committed = None
        deadline = time.monotonic() + 15
        while committed != sent.offset + 1 and time.monotonic() < deadline:
            committed = await consumer.committed(tp)
            if committed != sent.offset + 1:
                await asyncio.sleep(0.2)  # polling the group coordinator, bounded by the deadline
    finally:
        await consumer.stop()
    assert committed == sent.offset + 1
