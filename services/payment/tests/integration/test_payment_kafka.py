"""The payment service on the real broker and PostgreSQL (its own consumer group and database), with its
background jobs and provider sandboxes running: what the dossier saga and the police will see on Kafka.

- payment-requested → sandbox pay page → signed callback → fee-paid
- a forged callback is refused and changes nothing
- expiry → payment-expired; a late success after expiry (reconciliation) → fee-paid(late) + fee-refunded
- refund-requested → fee-refunded
- fine-issued (structured mode) → lookup → pay → fine-settled; a bad decision → dead-letter; rate limit
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from dvc_contracts import clock, topics
from dvc_contracts.clock import VN_TZ
from dvc_contracts.envelope import new_event, to_binary, to_structured
from dvc_contracts.events import PaymentRequestedV1, RefundRequestedV1
from dvc_payment.adapters.providers import momo
from dvc_payment.config import Settings
from dvc_payment.entrypoints.app import create_app
from dvckit.auth.jwt import DevKeys
from dvckit.settings import AuthSettings, KafkaSettings
from dvckit.testing import PostgresServer, migrated_database, running_app

pytestmark = pytest.mark.integration

WATCHED = (
    topics.FEE_PAID,
    topics.PAYMENT_FAILED,
    topics.PAYMENT_EXPIRED,
    topics.FEE_REFUNDED,
    topics.REFUND_FAILED,
    topics.FINE_SETTLED,
    topics.DEAD_LETTER,
)
ICT = VN_TZ  # Indochina Time, UTC+7


@dataclass
class Seen:
    topic: str
    key: str | None
    headers: dict[str, str]
    value: Any


class Watcher:
    """Reads the topics payment writes, from the beginning, without a consumer group (no rebalance wait)."""

    def __init__(self, bootstrap: str) -> None:
        self.consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        self.seen: list[Seen] = []
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.consumer.start()
        parts = [TopicPartition(t, p) for t in WATCHED for p in range(topics.partitions_for(t))]
        self.consumer.assign(parts)
        await self.consumer.seek_to_beginning(*parts)
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            batch = await self.consumer.getmany(timeout_ms=200)
            for records in batch.values():
                for r in records:
                    try:
                        value = json.loads(r.value)
                    except (TypeError, ValueError):
                        value = r.value
                    headers = {k: v.decode("utf-8", "replace") for k, v in r.headers or ()}
                    self.seen.append(Seen(r.topic, r.key.decode() if r.key else None, headers, value))

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.consumer.stop()

    def of(self, topic: str, key: str) -> list[Seen]:
        return [s for s in self.seen if s.topic == topic and s.key == key]

    async def wait_for(self, topic: str, key: str, count: int = 1, timeout: float = 30.0) -> list[Seen]:
        deadline = time.monotonic() + timeout
        while len(self.of(topic, key)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"no {topic} for {key} within {timeout} s")
            await asyncio.sleep(0.05)
        return self.of(topic, key)


@dataclass
class Harness:
    http: httpx.AsyncClient
    producer: AIOKafkaProducer
    watcher: Watcher
    settings: Settings
    staff: dict[str, str]

    async def send(self, topic: str, key: str, headers: list[tuple[str, bytes]], value: bytes) -> None:
        await self.producer.send_and_wait(topic, value=value, key=key.encode(), headers=headers)

    async def request_payment(
        self, payment_id: str, *, amount: int = 135_000, expires_in: float | None = None
    ) -> None:
        data = PaymentRequestedV1(
            payment_id=payment_id,
            dossier_code=f"79-261121-{payment_id[-6:].upper()}",
            procedure_code="DKX-OTO",
            province_code="79",
            amount_vnd=amount,
            description="Lệ phí trước bạ ô tô",
            citizen_phone="0912345678",
            requested_at=clock.now(),
            expires_at=clock.now() + timedelta(seconds=expires_in) if expires_in else None,
        )
        event = new_event(topics.PAYMENT_REQUESTED, "/dvc/dossier", data, subject=payment_id)
        await self.send(topics.PAYMENT_REQUESTED, payment_id, *to_binary(event))
        await self.until(lambda: self._exists(payment_id))

    async def _exists(self, payment_id: str) -> bool:
        return (await self.http.get(f"/payments/{payment_id}")).status_code == 200

    async def until(self, check: Callable[[], Any], timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not await check():
            if time.monotonic() > deadline:
                raise AssertionError("condition not met in time")
            await asyncio.sleep(0.05)

    async def pay_link(self, payment_id: str) -> str:
        """The signed pay link the service hands staff for the citizen (query part)."""
        r = await self.http.get(f"/payments/{payment_id}/history", headers=self.staff)
        return "?" + httpx.URL(r.json()["pay_page"]).query.decode()

    async def checkout(self, payment_id: str, provider: str) -> str:
        link = await self.pay_link(payment_id)
        r = await self.http.post(f"/payments/{payment_id}/checkout{link}", json={"provider": provider})
        assert r.status_code == 201, r.text
        return str(r.json()["pay_url"])

    async def click(self, pay_url: str, *, action: str = "pay", scenario: str = "normal") -> httpx.Response:
        page = await self.http.get(pay_url)
        assert page.status_code == 200 and "Thanh toán" in page.text and "Hủy" in page.text
        return await self.http.post(
            httpx.URL(pay_url).path,
            content=f"action={action}&scenario={scenario}",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )

    async def status(self, payment_id: str) -> str:
        return str((await self.http.get(f"/payments/{payment_id}")).json()["status"])


@pytest.fixture(scope="module")
async def payment(
    pg: PostgresServer, kafka_bootstrap: str, dev_keys: tuple[DevKeys, Path], make_token: Callable[..., str]
) -> AsyncIterator[Harness]:
    settings = Settings(
        database_url=await migrated_database(pg, "dvc_payment"),
        consumer_group=f"dvc-payment-it-{uuid.uuid4().hex[:6]}",
        relay_idle_seconds=0.05,
        kafka=KafkaSettings(bootstrap=kafka_bootstrap, session_timeout_ms=1000),
        auth=AuthSettings(jwks_file=str(dev_keys[1]), jwks_url=None),
        sandbox_callback_delay_seconds=0.05,
        sandbox_slow_seconds=12.0,  # settles well after a 6 s expiry, however slow the machine
        expiry_interval_seconds=0.2,
        reconcile_interval_seconds=0.3,
        refund_interval_seconds=0.2,
        trusted_proxies="127.0.0.1",  # the test client plays the ingress
        fines_lookup_burst=5,
        fines_lookup_per_minute=1,  # the burst alone decides, however slow the requests
    )
    watcher = Watcher(kafka_bootstrap)
    await watcher.start()
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        async with running_app(create_app(settings)) as client:
            staff = {"authorization": f"Bearer {make_token('operator')}"}
            yield Harness(client, producer, watcher, settings, staff)
    finally:
        await producer.stop()
        await watcher.stop()


def new_id(prefix: str = "pay-it") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def test_payment_requested_then_sandbox_pay_then_fee_paid_on_kafka(payment: Harness) -> None:
    pid = new_id()
    await payment.request_payment(pid, amount=24_000_000)
    resp = await payment.click(await payment.checkout(pid, "vnpay"))
    assert resp.status_code == 303 and f"/payments/{pid}/result" in resp.headers["location"]
    [fee] = await payment.watcher.wait_for(topics.FEE_PAID, pid)
    assert fee.headers["ce_type"] == "fee-paid" and fee.headers["ce_source"] == "/dvc/payment"
    assert fee.headers["ce_subject"] == pid
    v = fee.value
    assert (v["payment_id"], v["amount_vnd"], v["provider"], v["late"], v["purpose"]) == (
        pid, 24_000_000, "vnpay", False, "dossier_fee",
    )  # fmt: skip
    assert v["dossier_code"].startswith("79-261121-") and v["provider_txn_id"] and v["paid_at"]
    assert await payment.status(pid) == "succeeded"


async def test_forged_callback_is_refused_and_nothing_is_published(payment: Harness) -> None:
    pid = new_id()
    await payment.request_payment(pid)
    pay_url = await payment.checkout(pid, "momo")
    ref = pay_url.rsplit("/", 1)[1]
    forged: dict[str, Any] = {
        "partnerCode": payment.settings.momo_partner_code, "orderId": ref, "requestId": "x", "amount": 135_000,
        "orderInfo": "Lệ phí trước bạ ô tô", "orderType": "momo_wallet", "transId": 4123, "resultCode": 0,
        "message": "Thành công.", "payType": "qr", "responseTime": int(clock.now().timestamp() * 1000), "extraData": "",
    }  # fmt: skip
    forged["signature"] = momo.sign(
        forged, momo.IPN_FIELDS, payment.settings.momo_access_key, "not-the-secret"
    )
    r = await payment.http.post("/callbacks/momo", json=forged)
    assert r.status_code == 400
    await asyncio.sleep(0.5)
    assert await payment.status(pid) == "pending"
    assert payment.watcher.of(topics.FEE_PAID, pid) == []


async def test_expiry_emits_payment_expired(payment: Harness) -> None:
    pid = new_id()
    await payment.request_payment(pid, expires_in=0.5)
    [expired] = await payment.watcher.wait_for(topics.PAYMENT_EXPIRED, pid, timeout=15)
    assert expired.value["payment_id"] == pid and expired.value["amount_vnd"] == 135_000
    assert await payment.status(pid) == "expired"


async def test_late_success_after_expiry_is_reconciled_published_and_refunded(payment: Harness) -> None:
    pid = new_id()
    await payment.request_payment(pid, expires_in=6)
    # The wallet takes 12 s to settle and never notifies: only reconciliation can find the money.
    await payment.click(await payment.checkout(pid, "momo"), scenario="slow_no_ipn")
    await payment.watcher.wait_for(topics.PAYMENT_EXPIRED, pid, timeout=30)
    assert payment.watcher.of(topics.FEE_PAID, pid) == []
    [fee] = await payment.watcher.wait_for(topics.FEE_PAID, pid, timeout=40)
    assert fee.value["late"] is True and fee.value["provider"] == "momo"
    assert fee.value["refund_reason"] == "payment_expired"
    [refund] = await payment.watcher.wait_for(topics.FEE_REFUNDED, pid, timeout=30)
    assert refund.value["automatic"] is True and refund.value["amount_vnd"] == 135_000
    assert refund.value["reason"] == "payment_expired"
    await payment.until(lambda: _status_is(payment, pid, "refunded"))


async def _status_is(payment: Harness, pid: str, status: str) -> bool:
    return await payment.status(pid) == status


async def test_refund_requested_then_fee_refunded(payment: Harness) -> None:
    pid = new_id()
    await payment.request_payment(pid, amount=500_000)
    await payment.click(await payment.checkout(pid, "paygov"))
    await payment.watcher.wait_for(topics.FEE_PAID, pid)
    data = RefundRequestedV1(
        refund_id=f"rf-{pid}", payment_id=pid, amount_vnd=500_000, reason="police_rejected",
        requested_at=clock.now(),
    )  # fmt: skip
    event = new_event(topics.REFUND_REQUESTED, "/dvc/dossier", data, subject=pid)
    await payment.send(topics.REFUND_REQUESTED, pid, *to_binary(event))
    await payment.send(topics.REFUND_REQUESTED, pid, *to_binary(event))  # redelivered: refunded once
    [refund] = await payment.watcher.wait_for(topics.FEE_REFUNDED, pid)
    assert (refund.value["refund_id"], refund.value["provider"], refund.value["automatic"]) == (
        f"rf-{pid}",
        "paygov",
        False,
    )
    await asyncio.sleep(0.5)
    assert len(payment.watcher.of(topics.FEE_REFUNDED, pid)) == 1


def fine(decision_no: str, **overrides: Any) -> dict[str, Any]:
    return {
        "decision_no": decision_no,
        "record_no": f"BB-{decision_no}",
        "violation_date": "2026-11-12",
        "offender_name": "Phạm Thị Hương",
        "plate": "51G-888.88",
        "amount": 6_000_000,
        "issuing_unit": "Đội CSGT Đường bộ số 1, Phòng CSGT Công an TP. Hồ Chí Minh",
        "province_code": "79",
        "decided_at": (clock.vn_now() - timedelta(days=8)).isoformat(),
    } | overrides


async def test_fine_issued_lookup_pay_then_fine_settled_on_kafka(payment: Harness) -> None:
    no = f"QD-{uuid.uuid4().hex[:8].upper()}"
    event = new_event(topics.FINE_ISSUED, "urn:agency:HCM-CSGT", fine(no), subject=no)
    # Structured mode, as a Java or .NET client would send it.
    await payment.send(topics.FINE_ISSUED, no, *to_structured(event))
    ip = {"x-forwarded-for": f"10.1.{uuid.uuid4().int % 250}.1"}
    query = {"record_no": f"BB-{no}", "violation_date": "2026-11-12", "name": "pham thi  HUONG"}

    async def found() -> bool:  # (polled from many addresses: one citizen's budget is for the rest)
        poll_ip = {"x-forwarded-for": f"10.2.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"}
        return (await payment.http.get("/fines/lookup", params=query, headers=poll_ip)).status_code == 200

    await payment.until(found)
    shown = (await payment.http.get("/fines/lookup", params=query, headers=ip)).json()
    assert (shown["amount"], shown["discount_vnd"], shown["amount_due"], shown["status"]) == (
        6_000_000, 600_000, 5_400_000, "unpaid",
    )  # fmt: skip
    body = {
        "record_no": f"BB-{no}",
        "violation_date": "2026-11-12",
        "name": "Phạm Thị Hương",
        "provider": "vnpay",
    }
    started = await payment.http.post(f"/fines/{no}/pay", json=body, headers=ip)
    assert started.status_code == 201, started.text
    await payment.click(started.json()["pay_url"])
    [settled] = await payment.watcher.wait_for(topics.FINE_SETTLED, no)
    assert settled.headers["ce_type"] == "fine-settled"
    v = settled.value
    assert (v["decision_no"], v["amount_due"], v["discount_vnd"], v["amount_paid"], v["province_code"]) == (
        no, 6_000_000, 600_000, 5_400_000, "79",
    )  # fmt: skip
    assert v["payment_id"] == started.json()["payment_id"] and v["plate"] == "51G-888.88"
    again = await payment.http.post(f"/fines/{no}/pay", json=body, headers=ip)
    assert again.status_code == 409


async def test_a_bad_decision_goes_to_dead_letter_with_its_reason(payment: Harness) -> None:
    no = f"QD-{uuid.uuid4().hex[:8].upper()}"
    event = new_event(topics.FINE_ISSUED, "urn:agency:HCM-CSGT", fine(no, amount=6_000_000.0), subject=no)
    headers, value = to_binary(event)
    await payment.send(topics.FINE_ISSUED, no, headers, value)
    [dead] = await payment.watcher.wait_for(topics.DEAD_LETTER, no)
    assert (
        dead.headers["dvc_reason"] == "invalid_payload"
        and dead.headers["dvc_original_topic"] == "fine-issued"
    )
    assert dead.headers["dvc_rejected_by"] == "payment"
    assert dead.value["amount"] == 6_000_000.0  # the original bytes, as sent


async def test_the_lookup_is_rate_limited_per_client(payment: Harness) -> None:
    ip = {"x-forwarded-for": "203.0.113.77"}
    query = {"record_no": "BB-NOPE", "violation_date": "2026-11-12", "name": "Ai Đó"}
    codes = [
        (await payment.http.get("/fines/lookup", params=query, headers=ip)).status_code for _ in range(6)
    ]
    assert codes == [404] * 5 + [429]
    limited = await payment.http.get("/fines/lookup", params=query, headers=ip)
    assert limited.status_code == 429 and "Vui lòng thử lại sau" in limited.json()["detail"]
