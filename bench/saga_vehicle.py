"""Saga scenario: vehicle registrations end to end with agencies answering instantly — the payment
sandbox calls back at once and a bench "police" consumes dossier-forwarded and reports the plate at once.
dossier, payment and notify run as processes on PostgreSQL and the real broker. Prints and writes:
sagas/s completed, p50/p99 from submission to the saga's completion.

Sizes: BENCH_SAGAS (default 300), BENCH_SAGA_CONCURRENCY (default 20).

``run(broker=...)`` runs on a broker the caller started (bench/brokers.py: both brokers in one run);
``n`` and ``concurrency`` override the sizes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import statistics
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from rich.console import Console
from rich.table import Table
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from dvc_contracts import clock, topics
from dvc_contracts.envelope import new_event, to_binary
from dvc_contracts.events import AgencyStatusReportedV1, ProcedurePublishedV1
from dvckit.auth.jwt import issue_token, load_or_create_dev_keys
from dvckit.devbroker import DevBroker, ensure_topics
from dvckit.testing import ServiceProcess, free_port, migrated_database, provision_postgres

N = int(os.environ.get("BENCH_SAGAS", "300"))
CONCURRENCY = int(os.environ.get("BENCH_SAGA_CONCURRENCY", "20"))
console = Console()


def _procedure(code: str) -> ProcedurePublishedV1:
    return ProcedurePublishedV1(
        code=code,
        version=1,
        name="Đăng ký xe ô tô (thử tải)",
        sector="GTVT",
        agency_code="BCA-CSGT",
        agency_name="Cục Cảnh sát giao thông",
        level="province",
        service_level=4,
        fee={
            "kind": "rule",
            "rule": {"type": "percent_of_value", "value_field": "vehicle_value_vnd", "percent": 10},
        },
        processing_days=2,
        allowed_agency_codes=["BTC-TCT"],
        chained_flow="vehicle-registration",
        published_at=clock.now(),
    )


async def _police(bootstrap: str, procedure: str, stop: asyncio.Event) -> None:
    """Answers every dossier-forwarded at once with a plate."""
    consumer = AIOKafkaConsumer(
        topics.DOSSIER_FORWARDED, bootstrap_servers=bootstrap, group_id=f"bench-police-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest", session_timeout_ms=2000, heartbeat_interval_ms=500,
        # "Answering instantly": the dev broker (Tansu) holds an empty fetch for the whole wait even when
        # records arrive meanwhile, and aiokafka's default wait is 500 ms, a hop's worth of latency.
        fetch_max_wait_ms=10,
    )  # fmt: skip
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=2)
    await consumer.start()
    await producer.start()
    try:
        while not stop.is_set():
            batch = await consumer.getmany(timeout_ms=200)
            for records in batch.values():
                for r in records:
                    d = json.loads(r.value)
                    if d.get("procedure_code") != procedure:
                        continue
                    report = AgencyStatusReportedV1(
                        dossier_code=d["dossier_code"], procedure_code=procedure, agency_code="BCA-CSGT",
                        province_code=d["province_code"], sequence=0, status="completed",
                        occurred_at=clock.now(), result="30K-000.00",
                    )  # fmt: skip
                    ev = new_event(
                        topics.AGENCY_STATUS_REPORTED, "/agency/BCA-CSGT", report, subject=d["dossier_code"]
                    )
                    headers, value = to_binary(ev)
                    await producer.send(topics.AGENCY_STATUS_REPORTED, value, key=r.key, headers=headers)
    finally:
        await consumer.stop()
        await producer.stop()


def _cpu_seconds(svc: ServiceProcess) -> tuple[float, float]:
    """User and system CPU time of a service process so far (Linux /proc)."""
    assert svc.proc is not None
    return _pid_cpu_seconds(svc.proc.pid)


def _pid_cpu_seconds(pid: int) -> tuple[float, float]:
    """User and system CPU time of a process so far (Linux /proc), e.g. the broker's."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


async def _transactions(admin_url: str, dbs: dict[str, str]) -> dict[str, tuple[int, int]]:
    """Commits and rollbacks so far in each service's database (rollbacks: reads, and pool pings)."""
    conn = await asyncpg.connect(admin_url)
    try:
        out = {}
        for name, url in dbs.items():
            row = await conn.fetchrow(
                "SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = $1",
                url.rsplit("/", 1)[1],
            )
            out[name] = (int(row["xact_commit"]), int(row["xact_rollback"]))
        return out
    finally:
        await conn.close()


def _own_cpu_seconds() -> tuple[float, float]:
    t = os.times()
    return t.user, t.system


def _cpu_per_saga(
    before: dict[str, tuple[float, float]], after: dict[str, tuple[float, float]], n: int
) -> dict[str, str]:
    """CPU ms per saga of each process, "total (sys)": system time is mostly socket round trips."""
    out = {}
    for k in before:
        user, sys_ = (after[k][i] - before[k][i] for i in (0, 1))
        out[k] = f"{(user + sys_) * 1000 / max(1, n):.1f} ({sys_ * 1000 / max(1, n):.1f})"
    return out


def _p50_p99(values: list[float]) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    p99 = ordered[max(0, int(len(ordered) * 0.99) - 1)]
    return f"{statistics.median(ordered) * 1000:.0f} / {p99 * 1000:.0f}"


async def _phases(
    dbs: dict[str, str], marks: dict[str, dict[str, float]], completed: dict[str, float]
) -> dict[str, str]:
    """Where each saga's time went (p50 / p99 ms per hop), from the client's clock and the services' rows."""
    pay_engine = create_async_engine(dbs["payment"])
    dossier_engine = create_async_engine(dbs["dossier"])
    try:
        async with pay_engine.connect() as conn:
            intents = {
                r.dossier_code: (r.created_at.timestamp(), r.paid_at)
                for r in await conn.execute(
                    text(
                        "SELECT p.dossier_code, p.created_at, h.at AS paid_at FROM payments p "
                        "LEFT JOIN payment_history h ON h.payment_id = p.id AND h.action = 'succeeded'"
                    )
                )
            }
        async with dossier_engine.connect() as conn:
            fee_paid = {
                r.dossier_code: r.recorded_at.timestamp()
                for r in await conn.execute(
                    text("SELECT dossier_code, recorded_at FROM dossier_history WHERE status = 'fee_paid'")
                )
            }
    finally:
        await pay_engine.dispose()
        await dossier_engine.dispose()
    hops: dict[str, list[float]] = {
        "submit (HTTP)": [],
        "→ intent created (dossier relay, payment consumer)": [],
        "→ checkout answered (client polling)": [],
        "pay click (HTTP; sandbox, callback)": [],
        "→ fee-paid applied by dossier (payment relay, dossier consumer)": [],
        "→ saga completed (dossier relay, police, dossier consumer)": [],
    }
    names = list(hops)
    for code, m in marks.items():
        if code not in intents or code not in fee_paid or code not in completed:
            continue
        created, _ = intents[code]
        hops[names[0]].append(m["submitted"] - m["start"])
        hops[names[1]].append(created - m["submitted"])
        hops[names[2]].append(m["checked_out"] - created)
        hops[names[3]].append(m["paid_click"] - m["checked_out"])
        hops[names[4]].append(fee_paid[code] - m["paid_click"])
        hops[names[5]].append(completed[code] - fee_paid[code])
    return {k: _p50_p99(v) for k, v in hops.items()}


async def run(
    broker: DevBroker | None = None, *, n: int = N, concurrency: int = CONCURRENCY
) -> dict[str, Any]:
    """On ``broker`` if given (left running), else on a DevBroker of its own."""
    pg = provision_postgres()
    keys_dir = Path(".run/bench-jwt")
    keys = load_or_create_dev_keys(keys_dir)
    run_id = uuid.uuid4().hex[:5].upper()
    procedure = f"BENCH-DKX-{run_id}"
    given: contextlib.AbstractContextManager[DevBroker] = (
        DevBroker() if broker is None else contextlib.nullcontext(broker)
    )
    with given as broker:
        await ensure_topics(broker.bootstrap, [(t, topics.partitions_for(t)) for t in topics.ALL_TOPICS])
        common = {
            "KAFKA_BOOTSTRAP": broker.bootstrap,
            "KAFKA_SESSION_TIMEOUT_MS": "2000",
            "AUTH_JWKS_FILE": str(keys_dir / "jwks.json"),
        }
        services = {}
        dbs: dict[str, str] = {}
        for name, extra in (
            ("dossier", {"DOSSIER_RELAY_IDLE_SECONDS": "0.02"}),
            (
                "payment",
                {"PAYMENT_SANDBOX_CALLBACK_DELAY_SECONDS": "0", "PAYMENT_RELAY_IDLE_SECONDS": "0.02"},
            ),
            ("notify", {"NOTIFY_RELAY_IDLE_SECONDS": "0.05"}),
        ):
            db = await migrated_database(pg, f"dvc_{name}")
            # Settings are read with the service's prefix: DOSSIER_LOG_LEVEL, not LOG_LEVEL.
            env = (
                common | {f"{name.upper()}_DATABASE_URL": db, f"{name.upper()}_LOG_LEVEL": "WARNING"} | extra
            )
            services[name] = ServiceProcess(
                name, free_port(), env, Path(f"/tmp/bench-saga-{name}-{run_id}.log")
            )
            dbs[name] = db
        for svc in services.values():
            svc.start()
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
        await producer.start()
        p = _procedure(procedure)
        headers, value = to_binary(new_event(topics.PROCEDURE_PUBLISHED, "/dvc/catalog", p, subject=p.code))
        await producer.send_and_wait(topics.PROCEDURE_PUBLISHED, value, key=p.code.encode(), headers=headers)
        await producer.stop()
        stop = asyncio.Event()
        police = asyncio.create_task(_police(broker.bootstrap, procedure, stop))
        engine = create_async_engine(dbs["dossier"])
        token = issue_token(
            keys, sub="bench-citizen", role="citizen", name="Nguyễn Thử Tải", phone="0912345678"
        )
        submitted: dict[str, float] = {}
        marks: dict[str, dict[str, float]] = {}
        sem = asyncio.Semaphore(concurrency)
        dossier_url, payment_url = services["dossier"].url, services["payment"].url

        async def one(http: httpx.AsyncClient, i: int) -> None:
            async with sem:
                body = {
                    "procedure_code": procedure,
                    "province_code": "01",
                    "fields": {"vehicle_value_vnd": 500_000_000 + i},
                }
                auth = {"authorization": f"Bearer {token}"}
                t_start = time.time()
                for _ in range(100):
                    r = await http.post(f"{dossier_url}/dossiers", json=body, headers=auth)
                    if r.status_code != 404:
                        break
                    await asyncio.sleep(0.1)
                r.raise_for_status()
                code = r.json()["code"]
                submitted[code] = t_start
                m = marks[code] = {"start": t_start, "submitted": time.time()}
                payment_id = None
                while True:  # the dossier page shows the saga and its payment
                    saga = (await http.get(f"{dossier_url}/dossiers/{code}", headers=auth)).json()["saga"]
                    if payment_id := saga and saga["payment_id"]:
                        break
                    await asyncio.sleep(0.05)
                while (
                    co := await http.post(  # the citizen who filed it pays with their own login
                        f"{payment_url}/payments/{payment_id}/checkout",
                        json={"provider": "momo"},
                        headers=auth,
                    )
                ).status_code == 404:
                    await asyncio.sleep(0.05)
                m["checked_out"] = time.time()
                pay_url = co.json()["pay_url"]
                await http.post(
                    pay_url,
                    content="action=pay&scenario=normal",
                    headers={"content-type": "application/x-www-form-urlencoded"},
                )
                m["paid_click"] = time.time()

        broker_pid = broker.pid  # None for an external/container broker: not measured

        def cpu_now() -> dict[str, tuple[float, float]]:
            out = {name: _cpu_seconds(svc) for name, svc in services.items()} | {"bench": _own_cpu_seconds()}
            return out | ({"broker": _pid_cpu_seconds(broker_pid)} if broker_pid is not None else {})

        cpu0 = cpu_now()
        xact0 = await _transactions(pg.admin_url, dbs)
        t0 = time.perf_counter()
        try:
            async with httpx.AsyncClient(timeout=30) as http:
                await asyncio.gather(*(one(http, i) for i in range(n)))
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                async with engine.connect() as conn:
                    done = await conn.scalar(text("SELECT count(*) FROM sagas WHERE state = 'completed'"))
                if done >= n:
                    break
                await asyncio.sleep(0.2)
            elapsed = time.perf_counter() - t0
            cpu1 = cpu_now()
            await asyncio.sleep(1.0)  # PostgreSQL publishes its counters about once a second
            xact1 = await _transactions(pg.admin_url, dbs)
            async with engine.connect() as conn:
                rows = (await conn.execute(text("SELECT dossier_code, updated_at, state FROM sagas"))).all()
            phases = await _phases(dbs, marks, {r.dossier_code: r.updated_at.timestamp() for r in rows})
        finally:
            stop.set()
            await police
            for svc in services.values():
                svc.stop()
            await engine.dispose()
            await pg.drop_created()
    lat = sorted(r.updated_at.timestamp() - submitted[r.dossier_code] for r in rows if r.state == "completed")
    result = {
        "broker": broker.kind,
        "sagas": n,
        "completed": len(lat),
        "concurrency": concurrency,
        "sagas_per_s": round(len(lat) / elapsed, 1),
        "p50_ms": round(statistics.median(lat) * 1000, 1) if lat else None,
        "p99_ms": round(lat[max(0, int(len(lat) * 0.99) - 1)] * 1000, 1) if lat else None,
        "phases_p50_p99_ms": phases,
        "cpu_ms_per_saga_total_sys": _cpu_per_saga(cpu0, cpu1, len(lat)),
        "cpu_ms_per_saga_all_processes": round(
            sum(sum(cpu1[k]) - sum(cpu0[k]) for k in cpu0) * 1000 / max(1, len(lat)), 1
        ),
        "db_transactions_per_saga_commit_rollback": {
            k: f"{(xact1[k][0] - xact0[k][0]) / max(1, len(lat)):.1f} / {(xact1[k][1] - xact0[k][1]) / max(1, len(lat)):.1f}"
            for k in xact0
        },
        "note": "end to end per saga, from the citizen pressing submit: submit → fee assessed → payment-requested → checkout + pay page → signed "
        "callback → fee-paid → forwarded → police completed (instant) → saga completed",
    }
    table = Table(title=f"vehicle-registration sagas ({broker.kind}, PostgreSQL, {os.cpu_count()} cores)")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for k, v in result.items():
        table.add_row(k, str(v))
    console.print(table)
    return result
