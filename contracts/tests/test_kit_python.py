"""The Python agency starter kit (contracts/kits/python): byte-identical records to the portal's own, events the
portal parses on the real broker, and the agency's rejections read back."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import confluent_kafka
import pytest
from aiokafka import AIOKafkaProducer

from dvc_contracts.envelope import (
    JSON_CONTENT_TYPE,
    STRUCTURED_CONTENT_TYPE,
    from_kafka,
    new_event,
    to_binary,
)
from dvc_contracts.events import AgencyStatusRejectedV1, AgencyStatusReportedV1, parse_data
from dvckit.devbroker import ensure_topics

KITS = Path(__file__).resolve().parents[1] / "kits"
KIT = KITS / "python" / "agency_kit.py"
VECTORS = KITS / "vectors" / "status-reported.json"


def kit(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    run = subprocess.run([sys.executable, str(KIT), *args], capture_output=True, text=True, timeout=timeout)
    assert run.returncode == 0, run.stderr
    return run


def test_the_kit_builds_the_portals_bytes_for_every_vector() -> None:
    built = json.loads(kit("vectors", str(VECTORS)).stdout)
    for v in json.loads(VECTORS.read_text(encoding="utf-8"))["vectors"]:
        for mode in ("binary", "structured"):
            assert built[v["name"]][mode] == v[mode], (v["name"], mode)


def _read(bootstrap: str, topic: str, key: bytes, count: int) -> list[Any]:
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


@pytest.mark.integration
def test_emit_sends_events_the_portal_parses(kafka_bootstrap: str) -> None:
    topic, dossier = (
        f"agency-status-reported-kit-{uuid.uuid4().hex[:8]}",
        f"01-{uuid.uuid4().hex[:8].upper()}",
    )
    asyncio.run(ensure_topics(kafka_bootstrap, [(topic, 3)]))  # topics are created by the portal
    kit(
        "emit",
        "--bootstrap",
        kafka_bootstrap,
        "--topic",
        topic,
        "--dossier",
        dossier,
        "--phone",
        "0912345678",
    )
    records = _read(kafka_bootstrap, topic, dossier.encode(), 2)
    data = [parse_data(from_kafka(m.headers(), m.value())) for m in records]
    assert all(isinstance(d, AgencyStatusReportedV1) for d in data)
    assert [(d.sequence, d.status) for d in data] == [(0, "received"), (1, "processing")]  # type: ignore[union-attr]
    modes = [dict(m.headers())["content-type"].decode() for m in records]
    assert modes == [STRUCTURED_CONTENT_TYPE, JSON_CONTENT_TYPE]
    assert data[0].note == "Đã tiếp nhận hồ sơ tại Bộ phận một cửa"  # type: ignore[union-attr]


@pytest.mark.integration
def test_rejections_prints_the_agencys_rejection(kafka_bootstrap: str) -> None:
    topic = f"agency-status-rejected-kit-{uuid.uuid4().hex[:8]}"
    asyncio.run(ensure_topics(kafka_bootstrap, [(topic, 1)]))
    rejected = AgencyStatusRejectedV1(
        reason="agency_not_allowed", message="agency_code SO-GTVT may not report on procedure 1.001234", original_topic="agency-status-reported",
        original_partition=0, original_offset=42, original_key="01-KIT-1", original_value_b64="e30=",
        dossier_code="01-KIT-1", agency_code="SO-GTVT", rejected_at=datetime.now(UTC),
    )  # fmt: skip

    async def produce() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
        await producer.start()
        try:
            headers, value = to_binary(
                new_event("agency-status-rejected", "/dvc/dossier", rejected, subject="01-KIT-1")
            )
            await producer.send_and_wait(topic, value, key=b"01-KIT-1", headers=headers)
        finally:
            await producer.stop()

    asyncio.run(produce())
    run = kit("rejections", "--bootstrap", kafka_bootstrap, "--topic", topic, "--agency", "SO-GTVT",
              "--group", f"kit-{uuid.uuid4().hex[:6]}", "--max", "1", "--seconds", "30")  # fmt: skip
    line = json.loads(run.stdout.strip().splitlines()[0])
    assert (line["reason"], line["dossier_code"], line["original_offset"]) == (
        "agency_not_allowed",
        "01-KIT-1",
        42,
    )
