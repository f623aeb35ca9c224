"""The Python agency starter kit (contracts/kits/python): byte-identical records to the portal's own, events the
portal parses on the real broker, on the system's own topics (agency-status-reported.<system>), and the system's
rejections read back from agency-status-rejected.<system>."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import confluent_kafka
import pytest

from dvc_contracts import agencies, topics
from dvc_contracts.envelope import (
    JSON_CONTENT_TYPE,
    STRUCTURED_CONTENT_TYPE,
    from_kafka,
    new_event,
    to_binary,
)
from dvc_contracts.events import AgencyStatusRejectedV1, AgencyStatusReportedV1, parse_data

KITS = Path(__file__).resolve().parents[1] / "kits"
KIT = KITS / "python" / "agency_kit.py"
VECTORS = KITS / "vectors" / "status-reported.json"
HA_NOI = agencies.by_id("ha-noi")  # covers SO-GTVT in province 01


def _env(**extra: str) -> dict[str, str]:
    """The suite's environment without another run's Kafka security settings or agency system."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("KAFKA_SASL", "KAFKA_SSL", "KAFKA_SECURITY", "AGENCY_SYSTEM"))
    }
    return {**env, **extra}


def run_kit(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(KIT), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_env() if env is None else env,
        check=False,
    )


def kit(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    run = run_kit(*args, env=env, timeout=timeout)
    assert run.returncode == 0, run.stderr
    return run


def test_the_kit_builds_the_portals_bytes_for_every_vector() -> None:
    built = json.loads(kit("vectors", str(VECTORS)).stdout)
    for v in json.loads(VECTORS.read_text(encoding="utf-8"))["vectors"]:
        for mode in ("binary", "structured"):
            assert built[v["name"]][mode] == v[mode], (v["name"], mode)


@pytest.mark.parametrize("command", ["emit", "rejections"])
def test_the_system_is_required_and_checked(command: str) -> None:
    """No shared topic by default: the kit needs the system's id (--system or AGENCY_SYSTEM) to name its topic."""
    missing = run_kit(command, "--bootstrap", "127.0.0.1:1")
    assert missing.returncode == 2
    assert "--system" in missing.stderr and "AGENCY_SYSTEM" in missing.stderr
    for bad in (["--system", "Ha-Noi"], ["--system", "ha_noi"]):
        run = run_kit(command, "--bootstrap", "127.0.0.1:1", *bad)
        assert run.returncode == 2 and "lowercase" in run.stderr, run.stderr
    bad_env = run_kit(command, "--bootstrap", "127.0.0.1:1", env=_env(AGENCY_SYSTEM="ha noi"))
    assert bad_env.returncode == 2 and "'ha noi'" in bad_env.stderr


def _read(bootstrap: str, topic: str, key: bytes, count: int) -> list[Any]:
    """The records keyed ``key`` on every partition of ``topic`` (other tests write the same system topics)."""
    consumer = confluent_kafka.Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"kit-test-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
        }
    )
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        consumer.assign([confluent_kafka.TopicPartition(topic, p, 0) for p in partitions])
        got: list[Any] = []
        deadline = time.monotonic() + 30
        while len(got) < count and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is not None and not msg.error() and msg.key() == key:
                got.append(msg)
        return got
    finally:
        consumer.close()


def _start_group_at_end(bootstrap: str, group: str, topic: str) -> None:
    """Commit ``group`` at the end of every partition of ``topic``: a run of the kit reads only what follows
    (the system's rejection topic is shared with the rest of the suite)."""
    consumer = confluent_kafka.Consumer(
        {"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False}
    )
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        ends = []
        for p in partitions:
            _low, high = consumer.get_watermark_offsets(confluent_kafka.TopicPartition(topic, p), timeout=10)
            ends.append(confluent_kafka.TopicPartition(topic, p, high))
        consumer.commit(offsets=ends, asynchronous=False)
    finally:
        consumer.close()


@pytest.mark.integration
def test_emit_sends_events_the_portal_parses(kafka_bootstrap: str) -> None:
    dossier = f"01-{uuid.uuid4().hex[:8].upper()}"
    assert HA_NOI.reported_topic == "agency-status-reported.ha-noi"  # provisioned with the portal's topics
    run = kit(
        "emit",
        "--bootstrap",
        kafka_bootstrap,
        "--system",
        "ha-noi",
        "--agency",
        "SO-GTVT",
        "--province",
        "01",
        "--dossier",
        dossier,
        "--phone",
        "0912345678",
        env=_env(AGENCY_SYSTEM="bhxh"),  # --system wins over the environment
    )
    assert run.stdout.count(f"sent {HA_NOI.reported_topic}[") == 2, run.stdout
    records = _read(kafka_bootstrap, HA_NOI.reported_topic, dossier.encode(), 2)
    assert len(records) == 2
    events = [from_kafka(m.headers(), m.value()) for m in records]
    data = [parse_data(e) for e in events]
    assert all(isinstance(d, AgencyStatusReportedV1) for d in data)
    assert [(d.sequence, d.status) for d in data] == [(0, "received"), (1, "processing")]  # type: ignore[union-attr]
    assert {e.type for e in events} == {topics.AGENCY_STATUS_REPORTED}  # the type is not the topic
    assert all(HA_NOI.covers(d.agency_code, d.province_code) for d in data)  # type: ignore[union-attr]
    modes = [dict(m.headers())["content-type"].decode() for m in records]
    assert modes == [STRUCTURED_CONTENT_TYPE, JSON_CONTENT_TYPE]
    assert data[0].note == "Đã tiếp nhận hồ sơ tại Bộ phận một cửa"  # type: ignore[union-attr]


@pytest.mark.integration
def test_rejections_prints_the_systems_rejection(kafka_bootstrap: str) -> None:
    topic, dossier = HA_NOI.rejected_topic, f"01-KIT-{uuid.uuid4().hex[:8].upper()}"
    group = f"{HA_NOI.principal}-kit-{uuid.uuid4().hex[:6]}"  # the principal may use groups prefixed with its name
    _start_group_at_end(kafka_bootstrap, group, topic)
    rejected = AgencyStatusRejectedV1(
        reason="agency_mismatch", message="system ha-noi does not report for agency SO-GTVT in province 79",
        original_topic=HA_NOI.reported_topic, original_partition=0, original_offset=42, original_key=dossier,
        original_value_b64="e30=", dossier_code=dossier, agency_code="SO-GTVT", rejected_at=datetime.now(UTC),
    )  # fmt: skip
    headers, value = to_binary(
        new_event(topics.AGENCY_STATUS_REJECTED, "/dvc/dossier", rejected, subject=dossier)
    )
    producer = confluent_kafka.Producer({"bootstrap.servers": kafka_bootstrap, "acks": "all"})
    producer.produce(topic, value, key=dossier.encode(), headers=headers)
    assert producer.flush(30) == 0

    run = kit("rejections", "--bootstrap", kafka_bootstrap, "--agency", "SO-GTVT", "--group", group,
              "--max", "1", "--seconds", "30", env=_env(AGENCY_SYSTEM="ha-noi"))  # fmt: skip
    line = json.loads(run.stdout.strip().splitlines()[0])
    assert (line["reason"], line["dossier_code"], line["original_offset"]) == ("agency_mismatch", dossier, 42)
    assert line["original_topic"] == HA_NOI.reported_topic
    assert f"on {topic}" in run.stderr
