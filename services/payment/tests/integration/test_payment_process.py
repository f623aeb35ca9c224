"""The payment service as a process (uvicorn, configured by environment only, as under `make run` and in the
e2e stack), SIGKILLed after the citizen paid but before the provider's callback: after a restart,
reconciliation finds the payment and fee-paid is published exactly once."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from dvc_contracts import clock, topics
from dvc_contracts.envelope import new_event, to_binary
from dvc_contracts.events import PaymentRequestedV1
from dvckit.testing import PostgresServer, ServiceProcess, free_port, migrated_database

from .test_payment_kafka import Watcher

pytestmark = pytest.mark.integration


async def test_sigkill_between_payment_and_callback_then_restart_pays_once(
    pg: PostgresServer,
    kafka_bootstrap: str,
    auth_env: dict[str, str],
    tmp_path: Path,
    make_token: Callable[..., str],
) -> None:
    env = {
        "KAFKA_BOOTSTRAP": kafka_bootstrap,
        "KAFKA_SESSION_TIMEOUT_MS": "1000",
        "PAYMENT_DATABASE_URL": await migrated_database(pg, "dvc_payment"),
        "PAYMENT_CONSUMER_GROUP": f"dvc-payment-kill-{uuid.uuid4().hex[:6]}",
        "PAYMENT_RELAY_IDLE_SECONDS": "0.05",
        "PAYMENT_SANDBOX_CALLBACK_DELAY_SECONDS": "60",  # the callback would come long after the kill
        "PAYMENT_RECONCILE_INTERVAL_SECONDS": "0.5",
        **auth_env,
    }
    svc = ServiceProcess("payment", free_port(), env, tmp_path / "payment.log")
    watcher = Watcher(kafka_bootstrap)
    await watcher.start()
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    pid = f"pay-kill-{uuid.uuid4().hex[:10]}"
    try:
        await asyncio.to_thread(svc.start)
        data = PaymentRequestedV1(
            payment_id=pid, dossier_code="01-261121-KILL01", amount_vnd=1_200_000,
            description="Lệ phí cấp đăng ký, biển số ô tô", requested_at=clock.now(),
        )  # fmt: skip
        headers, value = to_binary(new_event(topics.PAYMENT_REQUESTED, "/dvc/dossier", data, subject=pid))
        await producer.send_and_wait(topics.PAYMENT_REQUESTED, value=value, key=pid.encode(), headers=headers)
        async with httpx.AsyncClient(base_url=svc.url, timeout=10) as http:
            deadline = time.monotonic() + 30
            while (await http.get(f"/payments/{pid}")).status_code != 200:
                assert time.monotonic() < deadline, "payment-requested not consumed"
                await asyncio.sleep(0.1)
            staff = {"authorization": f"Bearer {make_token('operator')}"}
            link = httpx.URL((await http.get(f"/payments/{pid}/history", headers=staff)).json()["pay_page"])
            checkout = await http.post(
                f"/payments/{pid}/checkout?{link.query.decode()}", json={"provider": "paygov"}
            )
            pay_url = checkout.json()["pay_url"]
            assert pay_url.startswith(svc.url)  # built from the request: the citizen's browser can open it
            page = await http.get(pay_url)
            assert "1.200.000 ₫" in page.text
            paid = await http.post(
                httpx.URL(pay_url).path, content="action=pay&scenario=normal",
                headers={"content-type": "application/x-www-form-urlencoded"},
            )  # fmt: skip
            assert paid.status_code == 303
        svc.kill()  # SIGKILL: the scheduled callback dies with the process
        await asyncio.to_thread(svc.start)
        [fee] = await watcher.wait_for(topics.FEE_PAID, pid, timeout=30)
        assert fee.value["amount_vnd"] == 1_200_000 and fee.value["late"] is False
        await asyncio.sleep(2)
        assert len(watcher.of(topics.FEE_PAID, pid)) == 1
        async with httpx.AsyncClient(base_url=svc.url, timeout=10) as http:
            assert (await http.get(f"/payments/{pid}")).json()["status"] == "succeeded"
    finally:
        svc.stop()
        await producer.stop()
        await watcher.stop()
