"""Notify scenario: citizen-facing events (dossier-submitted) stream into the real broker; the notify service
(its own process, PostgreSQL) renders the Vietnamese SMS, applies the per-service limits and the opt-out list,
sends through the sandbox provider and writes sms-sent through the outbox. Prints and writes: sustained SMS/s,
p50/p99 from event produce to sent at a steady rate, and the rate a limited sending service actually got.

Limits stay on throughout: the dossier flow has its own token bucket (BENCH_SMS_LIMIT, default 5000/s) and
daily quota. A last phase offers a payment flow (sms-requested) at twice its limit (BENCH_SMS_PAYMENT_LIMIT,
default 200/s) next to dossier events at BENCH_SMS_MIXED_RATE (default 1000/s) for BENCH_SMS_LIMITED_SECONDS
(10 s): payment must not get more than its bucket allows, must lose nothing, and must not slow the dossier flow.

Sizes: BENCH_SMS_EVENTS (throughput run, default 40000), BENCH_SMS_RATE (offered rate of the throughput run,
default 8000/s), BENCH_SMS_LATENCY_RATE (default 2000/s for BENCH_SMS_LATENCY_SECONDS=15 s).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer
from rich.console import Console
from rich.table import Table
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from dvc_contracts import clock, topics
from dvc_contracts.envelope import new_event, to_binary
from dvc_contracts.events import DossierSubmittedV1, SmsRequestedV1
from dvckit.auth.jwt import load_or_create_dev_keys
from dvckit.devbroker import DevBroker, ensure_topics
from dvckit.testing import ServiceProcess, free_port, migrated_database, provision_postgres

EVENTS = int(os.environ.get("BENCH_SMS_EVENTS", "40000"))
RATE = int(os.environ.get("BENCH_SMS_RATE", "8000"))
LATENCY_RATE = int(os.environ.get("BENCH_SMS_LATENCY_RATE", "2000"))
LATENCY_SECONDS = int(os.environ.get("BENCH_SMS_LATENCY_SECONDS", "15"))
LIMITED_SECONDS = int(os.environ.get("BENCH_SMS_LIMITED_SECONDS", "10"))
MIXED_RATE = int(os.environ.get("BENCH_SMS_MIXED_RATE", "1000"))
LIMIT = int(os.environ.get("BENCH_SMS_LIMIT", "5000"))
PAYMENT_LIMIT = int(os.environ.get("BENCH_SMS_PAYMENT_LIMIT", "200"))
console = Console()

Record = tuple[str, str, list[tuple[str, bytes]], bytes, str]  # topic, key, headers, value, trigger id


def _submitted(n: int, prefix: str) -> list[Record]:
    out: list[Record] = []
    procedures = [
        "Đổi giấy phép lái xe",
        "Cấp phiếu lý lịch tư pháp",
        "Đăng ký khai sinh",
        "Cấp hộ chiếu phổ thông",
    ]
    for i in range(n):
        code = f"{prefix}-{i:07d}"
        data = DossierSubmittedV1(
            dossier_code=code,
            procedure_code="BENCH-001",
            procedure_name=procedures[i % len(procedures)],
            procedure_version=1,
            agency_code="BENCH",
            province_code=f"{i % 63 + 1:02d}",
            sector="BENCH",
            channel="online",
            applicant_name="Nguyễn Văn An",
            citizen_phone=f"09{i % 100_000_000:08d}",
            submitted_at=clock.now(),
            due_date=date(2026, 12, 31),
        )
        ev = new_event(topics.DOSSIER_SUBMITTED, "/dvc/dossier", data, subject=code)
        headers, value = to_binary(ev)
        out.append((topics.DOSSIER_SUBMITTED, code, headers, value, ev.id))
    return out


def _requested(n: int, prefix: str) -> list[Record]:
    out: list[Record] = []
    for i in range(n):
        rid = f"{prefix}-{i:07d}"
        data = SmsRequestedV1(
            request_id=rid,
            phone=f"088{i % 10_000_000:07d}",  # 088: an allocated VinaPhone block (dvc_contracts.phone)
            template="payment-due",
            personalisation={"dossier_code": rid, "amount": 135_000, "due_at": "2026-12-01T10:00:00+07:00"},
            dossier_code=rid,
            sending_service="payment",
        )
        ev = new_event(topics.SMS_REQUESTED, "/dvc/payment", data, subject=rid)
        headers, value = to_binary(ev)
        out.append((topics.SMS_REQUESTED, rid, headers, value, f"payment:{rid}"))
    return out


async def _produce(bootstrap: str, records: list[Record], rate: int) -> dict[str, float]:
    """Produce at ``rate``/s; returns the send time (epoch) per trigger id."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5, max_batch_size=262144)
    await producer.start()
    sent: dict[str, float] = {}
    t0 = time.perf_counter()
    try:
        for i, (topic, key, headers, value, trigger) in enumerate(records):
            delay = t0 + i / rate - time.perf_counter()
            if delay > 0.002:
                await asyncio.sleep(delay)
            await producer.send(topic, value, key=key.encode(), headers=headers)
            sent[trigger] = time.time()
        await producer.flush()
    finally:
        await producer.stop()
    return sent


# A range on dossier_code (the indexed column), not LIKE: polling must not load the database under test.
_RANGE = "dossier_code >= :lo AND dossier_code < :hi AND status = 'sent'"


def _bounds(prefix: str) -> dict[str, str]:
    return {"lo": prefix + "-", "hi": prefix + "."}


async def _sent(engine: AsyncEngine, prefix: str) -> int:
    async with engine.connect() as conn:
        return int(
            await conn.scalar(text(f"SELECT count(*) FROM sms_messages WHERE {_RANGE}"), _bounds(prefix))
        )


async def _times(engine: AsyncEngine, prefix: str) -> list[tuple[str, datetime]]:
    async with engine.connect() as conn:
        q = text(f"SELECT trigger_event_id, sent_at FROM sms_messages WHERE {_RANGE}")
        return [(r[0], r[1]) for r in (await conn.execute(q, _bounds(prefix))).all()]


async def _wait(engine: AsyncEngine, prefix: str, n: int, timeout: float = 900) -> None:
    deadline = time.monotonic() + timeout
    while await _sent(engine, prefix) < n:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{prefix}: not all {n} SMS sent after {timeout} s")
        await asyncio.sleep(0.25)


def _pct(values: list[float], q: float) -> float:
    return round(values[min(len(values) - 1, int(len(values) * q))] * 1000, 1)


async def _latency(engine: AsyncEngine, prefix: str, produced: dict[str, float]) -> dict[str, float]:
    """Produce (the producer's send) → sent (committed with sms-sent), per message."""
    lat = sorted(
        max(0.0, sent_at.timestamp() - produced[trigger])
        for trigger, sent_at in await _times(engine, prefix)
        if trigger in produced
    )
    return {"p50_ms": _pct(lat, 0.5), "p99_ms": _pct(lat, 0.99), "max_ms": round(lat[-1] * 1000, 1)}


async def run() -> dict[str, Any]:
    pg = provision_postgres()
    run_id = uuid.uuid4().hex[:5].upper()
    keys_dir = Path(".run/bench-jwt")
    load_or_create_dev_keys(keys_dir)
    with DevBroker() as broker:
        await ensure_topics(broker.bootstrap, [(t, topics.partitions_for(t)) for t in topics.ALL_TOPICS])
        db_url = await migrated_database(pg, "dvc_notify")
        limits = {
            "dossier": {"rate_per_second": LIMIT, "burst": LIMIT, "daily": 10_000_000},
            "payment": {"rate_per_second": PAYMENT_LIMIT, "burst": PAYMENT_LIMIT, "daily": 10_000_000},
        }
        svc = ServiceProcess(
            "notify",
            free_port(),
            {
                "KAFKA_BOOTSTRAP": broker.bootstrap,
                "KAFKA_SESSION_TIMEOUT_MS": "2000",
                "NOTIFY_DATABASE_URL": db_url,
                "NOTIFY_PROVIDERS": '["sandbox"]',
                "NOTIFY_FAKE_GATEWAYS": "false",
                "NOTIFY_SERVICE_LIMITS": json.dumps(limits),
                "NOTIFY_CONSUMER_MAX_RECORDS": "1000",
                "NOTIFY_SENDER_BATCH_SIZE": "1000",
                "AUTH_JWKS_FILE": str(keys_dir / "jwks.json"),
                "NOTIFY_LOG_LEVEL": "WARNING",  # settings are read with the service prefix
            },
            Path(f"/tmp/bench-notify-{run_id}.log"),
        )
        svc.start()
        engine = create_async_engine(db_url)
        try:
            console.print("warm-up …")
            await _produce(broker.bootstrap, _submitted(2000, f"W{run_id}"), 2000)
            await _wait(engine, f"W{run_id}", 2000)

            console.print(f"throughput: {EVENTS} dossier-submitted offered at {RATE}/s …")
            prefix = f"T{run_id}"
            t0 = time.perf_counter()
            await _produce(broker.bootstrap, _submitted(EVENTS, prefix), RATE)
            produce_s = time.perf_counter() - t0
            await _wait(engine, prefix, EVENTS)
            elapsed = time.perf_counter() - t0
            sent_times = sorted(t for _, t in await _times(engine, prefix))
            busy = (sent_times[-1] - sent_times[0]).total_seconds()
            throughput = {
                "sms": EVENTS,
                "offered_per_s": round(EVENTS / produce_s),
                "sms_per_s_end_to_end": round(EVENTS / elapsed),
                "sms_per_s_first_to_last_sent": round(EVENTS / busy) if busy else None,
            }

            console.print(f"latency: {LATENCY_RATE}/s for {LATENCY_SECONDS} s …")
            n = LATENCY_RATE * LATENCY_SECONDS
            lprefix = f"L{run_id}"
            produced = await _produce(broker.bootstrap, _submitted(n, lprefix), LATENCY_RATE)
            await _wait(engine, lprefix, n)
            latency = await _latency(engine, lprefix, produced)
            latency = {"sms": n, "offered_per_s": LATENCY_RATE, **latency}

            # A sending service offered twice its limit, next to the dossier flow: its bucket holds it back
            # (nothing lost), and the others do not wait behind it.
            window = LIMITED_SECONDS
            n_pay, n_dos = PAYMENT_LIMIT * 2 * window, MIXED_RATE * window
            console.print(
                f"limits: payment offered {PAYMENT_LIMIT * 2}/s (limit {PAYMENT_LIMIT}/s) with dossier at"
                f" {MIXED_RATE}/s for {window} s …"
            )
            pprefix, mprefix = f"P{run_id}", f"M{run_id}"
            produced_pay, produced_mix = await asyncio.gather(
                _produce(broker.bootstrap, _requested(n_pay, pprefix), PAYMENT_LIMIT * 2),
                _produce(broker.bootstrap, _submitted(n_dos, mprefix), MIXED_RATE),
            )
            await _wait(engine, mprefix, n_dos)
            first = min(produced_pay.values())
            pay = [t.timestamp() for _, t in await _times(engine, pprefix)]
            in_window = sum(1 for t in pay if t <= first + window)
            allowed = PAYMENT_LIMIT + PAYMENT_LIMIT * window  # the burst, then the rate
            limited = {
                "limit_per_s": PAYMENT_LIMIT,
                "burst": PAYMENT_LIMIT,
                "offered_per_s": PAYMENT_LIMIT * 2,
                f"sent_in_first_{window}_s": in_window,
                "allowed_by_bucket": allowed,
                "honoured": in_window <= allowed,
                "queued_at_window_end": n_pay - in_window,
            }
            alongside = await _latency(engine, mprefix, produced_mix)
            limited |= {f"dossier_alongside_at_{MIXED_RATE}_per_s_{k}": v for k, v in alongside.items()}
            await _wait(engine, pprefix, n_pay)  # nothing lost: the queued ones go out later
            limited["all_sent_eventually"] = True
        finally:
            svc.stop()
            await engine.dispose()
            await pg.drop_created()
    result = {
        "broker": broker.kind,
        "provider": "sandbox",
        "dossier_limit_per_s": LIMIT,
        "throughput_run": throughput,
        f"latency_run_at_{LATENCY_RATE}_per_s": latency,
        "payment_flow_limited": limited,
    }
    table = Table(
        title=f"notify: SMS through the sandbox provider ({broker.kind}, PostgreSQL, {os.cpu_count()} cores)"
    )
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
