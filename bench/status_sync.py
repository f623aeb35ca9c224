"""Status-sync scenario: agencies across 63 provinces emit status events (1% duplicates, some out of
order) at a target rate into the real broker; the dossier service (its own process, PostgreSQL) applies
them. Prints and writes: sustained events/s applied, p50/p99 from produce to committed state, the raw
aiokafka produce/consume rates on the same broker, and track-by-code / my-dossiers p99 on a large table.

Sizes: BENCH_SYNC_EVENTS (default 200000), BENCH_SYNC_RATE (target events/s for the throughput run,
default 20000), BENCH_SYNC_LATENCY_RATE (default 5000), BENCH_DOSSIERS (rows for the query test,
default 10000000), BENCH_SYNC_INSTANCES (dossier processes in one consumer group sharing the 12
partitions, as the deployment scales out; default 2).

``run(broker=...)`` runs on a broker the caller started (bench/brokers.py: both brokers in one run), and the
keyword arguments override the sizes (``raw_n=0``, ``latency_events=0``, ``dossiers=0`` skip those parts).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import statistics
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from rich.console import Console
from rich.table import Table
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bench.outbox_relay import _raw_rates
from dvc_contracts import clock, topics
from dvc_contracts.envelope import new_event, to_binary
from dvc_contracts.events import AgencyStatusReportedV1, ProcedurePublishedV1
from dvckit.auth.jwt import load_or_create_dev_keys
from dvckit.devbroker import DevBroker, ensure_topics
from dvckit.testing import ServiceProcess, free_port, migrated_database, provision_postgres

EVENTS = int(os.environ.get("BENCH_SYNC_EVENTS", "200000"))
RATE = int(os.environ.get("BENCH_SYNC_RATE", "20000"))
LATENCY_RATE = int(os.environ.get("BENCH_SYNC_LATENCY_RATE", "5000"))
DOSSIERS = int(os.environ.get("BENCH_DOSSIERS", "10000000"))
INSTANCES = int(os.environ.get("BENCH_SYNC_INSTANCES", "2"))
STATUSES = ["received", "processing", "processing", "forwarded", "completed"]
KEYS_DIR = Path(".run/bench-jwt")
console = Console()


def _procedures() -> list[ProcedurePublishedV1]:
    agencies = ["BCA-CSGT", "BTC-TCT", "BHXH", "BTP", "SO-TP", "UBND-XA", "CA-TINH", "BGTVT-TCDBVN"]
    return [
        ProcedurePublishedV1(
            code=f"BENCH-{i:03d}",
            version=1,
            name=f"Thủ tục thử tải số {i}",
            sector="BENCH",
            agency_code=agencies[i % len(agencies)],
            agency_name="Cơ quan thử tải",
            level="province",
            service_level=4,
            fee={"kind": "free"},
            processing_days=5,
            allowed_agency_codes=agencies,
            published_at=clock.now(),
        )
        for i in range(40)
    ]


def dossier_env(bootstrap: str, db_url: str) -> dict[str, str]:
    """A bench dossier process's settings: big batches, quiet logs, the bench's own signing keys."""
    return {
        "KAFKA_BOOTSTRAP": bootstrap,
        "KAFKA_SESSION_TIMEOUT_MS": "2000",
        "DOSSIER_DATABASE_URL": db_url,
        "DOSSIER_CONSUMER_MAX_RECORDS": "2000",
        "AUTH_JWKS_FILE": str(KEYS_DIR / "jwks.json"),
        "DOSSIER_LOG_LEVEL": "WARNING",  # settings are read with the service prefix
    }


async def publish_procedures(bootstrap: str) -> list[ProcedurePublishedV1]:
    """The bench's procedures, published as the catalog would; returns them."""
    procs = _procedures()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for p in procs:
            headers, value = to_binary(
                new_event(topics.PROCEDURE_PUBLISHED, "/dvc/catalog", p, subject=p.code)
            )
            await producer.send_and_wait(
                topics.PROCEDURE_PUBLISHED, value, key=p.code.encode(), headers=headers
            )
    finally:
        await producer.stop()
    return procs


def _stream(
    n: int, run: str, procs: list[ProcedurePublishedV1]
) -> list[tuple[str, list[tuple[str, bytes]], bytes]]:
    """n status events over n/4 dossiers of 63 provinces; ~1% duplicates, ~2% swapped (out of order)."""
    rnd = random.Random(run)
    out: list[tuple[str, list[tuple[str, bytes]], bytes]] = []
    t0 = clock.now() - timedelta(days=3)
    d = 0
    while len(out) < n:
        province = f"{rnd.randint(1, 96):02d}"
        code = f"{province}-{run}-{d:07d}"
        proc = procs[d % len(procs)]
        d += 1
        events = []
        for seq, status in enumerate(STATUSES[: rnd.randint(2, len(STATUSES))]):
            data = AgencyStatusReportedV1(
                dossier_code=code,
                procedure_code=proc.code,
                agency_code=proc.allowed_agency_codes[seq % len(proc.allowed_agency_codes)],
                province_code=province,
                sequence=seq,
                status=status,  # type: ignore[arg-type]
                occurred_at=t0 + timedelta(minutes=seq),
                citizen_phone="0912345678",
            )
            ev = new_event(topics.AGENCY_STATUS_REPORTED, f"/agency/{data.agency_code}", data, subject=code)
            headers, value = to_binary(ev)
            events.append((code, headers, value))
        if len(events) > 1 and rnd.random() < 0.02:
            events[0], events[1] = events[1], events[0]
        if rnd.random() < 0.01 * len(events):
            events.append(events[-1])  # a duplicate delivery (same ce_id)
        out.extend(events)
    return out[:n]


async def _produce(bootstrap: str, records: list[Any], rate: int) -> dict[str, float]:
    """Produce at ``rate``/s; returns the send time (epoch) of each ce_id."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5, max_batch_size=262144)
    await producer.start()
    sent: dict[str, float] = {}
    t0 = time.perf_counter()
    try:
        for i, (key, headers, value) in enumerate(records):
            target = t0 + i / rate
            delay = target - time.perf_counter()
            if delay > 0.002:
                await asyncio.sleep(delay)
            await producer.send(topics.AGENCY_STATUS_REPORTED, value, key=key.encode(), headers=headers)
            sent[dict(headers)["ce_id"].decode()] = time.time()
        await producer.flush()
    finally:
        await producer.stop()
    return sent


def _own_cpu_seconds() -> float:
    """User + system CPU time of this (the bench's) process so far."""
    t = os.times()
    return t.user + t.system


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used so far (Linux /proc)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


async def _applied(engine: Any, since_id: int) -> int:
    async with engine.connect() as conn:
        return int(
            await conn.scalar(text("SELECT count(*) FROM dossier_history WHERE id > :i"), {"i": since_id})
        )


async def last_history_id(engine: Any) -> int:
    """The newest dossier_history row's id (0 when empty): what is applied after it is counted by ``_applied``."""
    async with engine.connect() as conn:
        return int(await conn.scalar(text("SELECT coalesce(max(id), 0) FROM dossier_history")))


async def _run_phase(bootstrap: str, engine: Any, records: list[Any], rate: int) -> dict[str, Any]:
    start_id = await last_history_id(engine)
    unique = len({dict(h)["ce_id"] for _, h, _ in records})
    t0 = time.perf_counter()
    sent = await _produce(bootstrap, records, rate)
    produce_s = time.perf_counter() - t0
    deadline = time.monotonic() + 600
    while (done := await _applied(engine, start_id)) < unique and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    elapsed = time.perf_counter() - t0
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text("SELECT event_id, recorded_at FROM dossier_history WHERE id > :i"), {"i": start_id}
            )
        ).all()
    lat = sorted(max(0.0, r.recorded_at.timestamp() - sent[r.event_id]) for r in rows if r.event_id in sent)
    return {
        "events_produced": len(records),
        "unique_events": unique,
        "applied": done,
        "target_rate": rate,
        "produce_rate": round(len(records) / produce_s),
        "applied_per_s": round(done / elapsed),
        "p50_ms": round(statistics.median(lat) * 1000, 1) if lat else None,
        "p99_ms": round(lat[int(len(lat) * 0.99) - 1] * 1000, 1) if lat else None,
    }


async def _query_p99(engine: Any, dossier_url: str, token: str, n_rows: int) -> dict[str, Any]:
    """Load n_rows dossiers (+ one history row each) server-side, then time the two citizen queries."""
    t0 = time.perf_counter()
    async with engine.begin() as conn:
        await conn.execute(
            text(
                """INSERT INTO dossiers (code, procedure_code, procedure_version, procedure_name, agency_code,
                province_code, sector, channel, owner_sub, applicant_name, citizen_phone, fields, fee_vnd, status,
                sequence, submitted_at, due_date, updated_at)
                SELECT 'Q-' || g, 'BENCH-001', 1, 'Thủ tục thử tải', 'BHXH', lpad((g % 63 + 1)::text, 2, '0'),
                'BENCH', 'online', 'citizen-' || (g % 2000000), 'Nguyễn Văn A', NULL, '{}', 0, 'processing', 1,
                now() - (g % 1000) * interval '1 hour', current_date + 5, now()
                FROM generate_series(1, :n) g"""
            ),
            {"n": n_rows},
        )
        await conn.execute(
            text(
                """INSERT INTO dossier_history (dossier_code, sequence, kind, status, occurred_at, actor, applied)
                SELECT 'Q-' || g, 1, 'status', 'processing', now(), 'agency:BHXH', 1 FROM generate_series(1, :n) g"""
            ),
            {"n": n_rows},
        )
        await conn.execute(text("ANALYZE dossiers"))
        await conn.execute(text("ANALYZE dossier_history"))
    load_s = time.perf_counter() - t0
    rnd = random.Random(7)
    results: dict[str, Any] = {"dossiers_loaded": n_rows, "load_seconds": round(load_s, 1)}
    async with httpx.AsyncClient(base_url=dossier_url, timeout=10) as http:
        for name, make in (
            ("track_by_code", lambda: http.get(f"/track/Q-{rnd.randint(1, n_rows)}")),
            (
                "my_dossiers",
                lambda: http.get("/dossiers", headers={"authorization": f"Bearer {token}"}),
            ),
        ):
            times = []
            for _ in range(500):
                t = time.perf_counter()
                r = await make()
                times.append(time.perf_counter() - t)
                assert r.status_code == 200, r.text
            times.sort()
            results[f"{name}_p50_ms"] = round(times[len(times) // 2] * 1000, 2)
            results[f"{name}_p99_ms"] = round(times[int(len(times) * 0.99) - 1] * 1000, 2)
    return results


async def run(
    broker: DevBroker | None = None,
    *,
    events: int = EVENTS,
    rate: int = RATE,
    latency_rate: int = LATENCY_RATE,
    latency_events: int | None = None,
    dossiers: int = DOSSIERS,
    raw_n: int = 200_000,
    instances_n: int = INSTANCES,
) -> dict[str, Any]:
    """On ``broker`` if given (left running), else on a DevBroker of its own."""
    pg = provision_postgres()
    run_id = uuid.uuid4().hex[:5].upper()
    keys = load_or_create_dev_keys(KEYS_DIR)
    latency_events = latency_rate * 20 if latency_events is None else latency_events
    given: contextlib.AbstractContextManager[DevBroker] = (
        DevBroker() if broker is None else contextlib.nullcontext(broker)
    )
    with given as broker:
        await ensure_topics(broker.bootstrap, [(t, topics.partitions_for(t)) for t in topics.ALL_TOPICS])
        raw: dict[str, Any] = {}
        if raw_n:
            produce_rate, consume_rate = await _raw_rates(broker.bootstrap, f"bench-raw-{run_id}", raw_n)
            raw = {
                "raw_aiokafka_produce_per_s": round(produce_rate),
                "raw_aiokafka_consume_per_s": round(consume_rate),
            }
        db_url = await migrated_database(pg, "dvc_dossier")
        env = dossier_env(broker.bootstrap, db_url)
        instances = [
            ServiceProcess("dossier", free_port(), env, Path(f"/tmp/bench-dossier-{run_id}-{i}.log"))
            for i in range(instances_n)
        ]
        for instance in instances:
            instance.start()
        svc = instances[0]
        engine = create_async_engine(db_url)
        try:
            procs = await publish_procedures(broker.bootstrap)
            console.print(f"generating {events} status events …")
            warm = _stream(2000, run_id + "W", procs)
            await _run_phase(broker.bootstrap, engine, warm, 5000)  # warm-up: group joined, caches hot
            pids = [i.proc.pid for i in instances if i.proc is not None]
            broker_pids = [broker.pid] if broker.pid is not None else []
            stream = _stream(events, run_id + "T", procs)
            cpu0 = (_cpu_seconds(pids), _cpu_seconds(broker_pids), _own_cpu_seconds())
            throughput = await _run_phase(broker.bootstrap, engine, stream, rate)
            cpu1 = (_cpu_seconds(pids), _cpu_seconds(broker_pids), _own_cpu_seconds())
            applied = max(throughput["applied"], 1)
            for name, before, after in zip(("dossier", "broker", "bench"), cpu0, cpu1, strict=True):
                if name != "broker" or broker_pids:  # an external/container broker: not measured
                    throughput[f"{name}_cpu_us_per_event"] = round((after - before) / applied * 1e6)
            latency = None
            if latency_events:
                latency = await _run_phase(
                    broker.bootstrap, engine, _stream(latency_events, run_id + "L", procs), latency_rate
                )
            from dvckit.auth.jwt import issue_token

            token = issue_token(keys, sub="citizen-4242", role="citizen")
            queries = await _query_p99(engine, svc.url, token, dossiers) if dossiers else None
        finally:
            for instance in instances:
                instance.stop()
            await engine.dispose()
            await pg.drop_created()
    result: dict[str, Any] = {
        "broker": broker.kind,
        "dossier_instances": instances_n,
        **raw,
        "throughput_run": throughput,
    }
    if latency is not None:
        result[f"latency_run_at_{latency_rate}_per_s"] = latency
    if queries is not None:
        result["queries"] = queries
    table = Table(title=f"status sync ({broker.kind}, PostgreSQL, {os.cpu_count()} cores)")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for k, v in result.items():
        if isinstance(v, dict):
            for kk, vv in v.items():
                table.add_row(f"{k}.{kk}", str(vv))
        else:
            table.add_row(k, str(v))
    console.print(table)
    return result
