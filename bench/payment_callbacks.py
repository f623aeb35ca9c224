"""Payment scenario: payment-requested events stream into the real broker; the payment service (its own process,
PostgreSQL) creates the intents; each is checked out with the VNPay-like gateway and a signed IPN arrives for
it (as the gateway's servers would send them, concurrently). Prints and writes: intents/s created from
events, signed callbacks/s applied, callback HTTP latency p50/p99, and the time until every fee-paid is on
Kafka (outbox → relay). Replays of the same IPNs are all refused (409) and publish nothing more.

Sizes: BENCH_PAY_INTENTS (default 2000), BENCH_PAY_CONCURRENCY (concurrent callbacks, default 32).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from dvc_contracts import clock, topics
from dvc_contracts.envelope import new_event, to_binary
from dvc_contracts.events import PaymentRequestedV1
from dvc_payment.adapters.orm import payments
from dvc_payment.adapters.providers import vnpay
from dvc_payment.config import Settings
from dvckit.auth.jwt import issue_token, load_or_create_dev_keys
from dvckit.devbroker import DevBroker, ensure_topics
from dvckit.testing import ServiceProcess, free_port, migrated_database, provision_postgres

INTENTS = int(os.environ.get("BENCH_PAY_INTENTS", "2000"))
CONCURRENCY = int(os.environ.get("BENCH_PAY_CONCURRENCY", "32"))


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _count_fee_paid(bootstrap: str, keys: set[str], deadline: float) -> float:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    parts = [TopicPartition(topics.FEE_PAID, p) for p in range(topics.partitions_for(topics.FEE_PAID))]
    consumer.assign(parts)
    await consumer.seek_to_beginning(*parts)
    seen: set[str] = set()
    try:
        while seen != keys and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                seen.update(r.key.decode() for r in records if r.key and r.key.decode() in keys)
    finally:
        await consumer.stop()
    return time.monotonic()


async def run() -> dict[str, Any]:
    console = Console()
    tmp = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="bench-payment-"))
    broker = DevBroker(log_path=tmp / "broker.log")
    broker.start()
    pg = await asyncio.to_thread(provision_postgres)
    svc: ServiceProcess | None = None
    try:
        await ensure_topics(broker.bootstrap, [(t, topics.partitions_for(t)) for t in topics.ALL_TOPICS])
        db_url = await migrated_database(pg, "dvc_payment")
        keys = load_or_create_dev_keys(tmp / "jwt")
        citizen = {"authorization": f"Bearer {issue_token(keys, sub='bench-citizen', role='citizen')}"}
        env = {
            "KAFKA_BOOTSTRAP": broker.bootstrap,
            "KAFKA_SESSION_TIMEOUT_MS": "1500",
            "PAYMENT_DATABASE_URL": db_url,
            "PAYMENT_CONSUMER_GROUP": f"dvc-payment-bench-{uuid.uuid4().hex[:6]}",
            "PAYMENT_RELAY_IDLE_SECONDS": "0.05",
            "PAYMENT_RECONCILE_INTERVAL_SECONDS": "3600",  # measure callbacks, not reconciliation
            "AUTH_JWKS_FILE": str(tmp / "jwt" / "jwks.json"),
            "PAYMENT_LOG_LEVEL": "WARNING",  # settings are read with the service prefix
        }
        svc = ServiceProcess("payment", free_port(), env, tmp / "payment.log")
        await asyncio.to_thread(svc.start)
        engine = create_async_engine(db_url)
        ids = [f"pay-bench-{uuid.uuid4().hex[:12]}" for _ in range(INTENTS)]

        # 1. payment-requested → intents
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, acks="all", linger_ms=5)
        await producer.start()
        t0 = time.monotonic()
        for pid in ids:
            data = PaymentRequestedV1(
                payment_id=pid, dossier_code=f"79-B-{pid[-6:]}", amount_vnd=135_000, payer_sub="bench-citizen",
                description="Lệ phí đổi giấy phép lái xe", requested_at=clock.now(),
            )  # fmt: skip
            headers, value = to_binary(new_event(topics.PAYMENT_REQUESTED, "/dvc/dossier", data, subject=pid))
            await producer.send(topics.PAYMENT_REQUESTED, value=value, key=pid.encode(), headers=headers)
        await producer.flush()
        await producer.stop()
        while True:
            async with engine.connect() as conn:
                n = int(await conn.scalar(select(func.count()).select_from(payments)) or 0)
            if n >= INTENTS:
                break
            await asyncio.sleep(0.1)
        intents_s = INTENTS / (time.monotonic() - t0)

        # 2. checkout every intent (the citizen picks VNPay), then the gateway's signed IPNs, concurrently
        secret = Settings().vnpay_hash_secret.get_secret_value()
        sem = asyncio.Semaphore(CONCURRENCY)
        async with httpx.AsyncClient(base_url=svc.url, timeout=30) as http:

            async def checkout(pid: str) -> dict[str, str]:
                async with sem:
                    r = await http.post(
                        f"/payments/{pid}/checkout", json={"provider": "vnpay"}, headers=citizen
                    )
                params = dict(parse_qsl(urlsplit(r.json()["pay_url"]).query))
                ipn = {
                    "vnp_TmnCode": params["vnp_TmnCode"], "vnp_Amount": params["vnp_Amount"],
                    "vnp_TxnRef": params["vnp_TxnRef"], "vnp_ResponseCode": "00", "vnp_TransactionStatus": "00",
                    "vnp_TransactionNo": uuid.uuid4().hex[:10], "vnp_PayDate": vnpay.vnp_time(clock.now()),
                    "vnp_BankCode": "NCB", "vnp_OrderInfo": params["vnp_OrderInfo"],
                }  # fmt: skip
                return ipn

            ipns = await asyncio.gather(*(checkout(pid) for pid in ids))
            latencies: list[float] = []

            async def callback(ipn: dict[str, str]) -> int:
                async with sem:
                    start = time.monotonic()
                    r = await http.get(f"/callbacks/vnpay?{vnpay.signed_query(ipn, secret)}")
                    latencies.append(time.monotonic() - start)
                return r.status_code

            t1 = time.monotonic()
            codes = await asyncio.gather(*(callback(ipn) for ipn in ipns))
            t2 = time.monotonic()
            done = await _count_fee_paid(broker.bootstrap, set(ids), time.monotonic() + 120)
            replays = await asyncio.gather(*(callback(ipn) for ipn in ipns[:200]))
        await engine.dispose()
        result = {
            "intents": INTENTS,
            "intents_per_s_from_events": round(intents_s, 1),
            "callbacks_per_s": round(INTENTS / (t2 - t1), 1),
            "callback_p50_ms": round(statistics.median(latencies) * 1000, 1),
            "callback_p99_ms": round(_pct(latencies, 0.99) * 1000, 1),
            "all_fee_paid_on_kafka_s": round(done - t1, 2),
            "callbacks_applied": codes.count(200),
            "replays_refused": replays.count(409),
            "concurrency": CONCURRENCY,
        }
        table = Table(title="payment: signed callbacks → fee-paid")
        for k in ("key", "value"):
            table.add_column(k)
        for k, v in result.items():
            table.add_row(k, str(v))
        console.print(table)
        return result
    finally:
        if svc is not None:
            svc.stop()
        await pg.drop_created()
        pg.stop()
        broker.stop()
