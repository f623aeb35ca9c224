"""Agency webhooks and refunds by API on PostgreSQL, with a real HTTP receiver (uvicorn on a free port): a
receiver that fails twice gets the same delivery three times and accepts it once; a delivery claimed by a
sender that died is sent after its lease by the next; agencies see only their own deliveries; refunds above
what remains are refused and two concurrent requests with one Idempotency-Key make one refund."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import func, select

from dvc_contracts import clock
from dvc_payment.adapters.orm import refunds
from dvc_payment.config import Settings
from dvc_payment.domain.webhooks import verify
from dvc_payment.entrypoints import jobs
from dvc_payment.entrypoints.app import create_app
from dvc_payment.service import refunds as refund_service
from dvckit.auth.jwt import DevKeys, TokenVerifier
from dvckit.testing import PostgresServer, eventually, free_port, migrated_database

from ..conftest import PaymentApp
from ..unit.test_service_flows import paid
from ..unit.test_staff_api import ask_refund, bearer, publish_procedure

pytestmark = pytest.mark.integration


class Receiver:
    """An agency's webhook receiver: answers 500 to the first ``fail_first`` requests, then 200."""

    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.received: list[tuple[float, dict[str, str], bytes, int]] = []
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hooks/dvc"

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        status = 500 if len(self.received) < self.fail_first else 200
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        self.received.append((time.monotonic(), headers, body, status))
        await send(
            {"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/plain")]}
        )
        await send({"type": "http.response.body", "body": b"ok" if status == 200 else b"busy"})


@pytest.fixture
async def receiver() -> AsyncIterator[Callable[[int], Awaitable[Receiver]]]:
    servers: list[tuple[uvicorn.Server, asyncio.Task[None]]] = []

    async def start(fail_first: int = 0) -> Receiver:
        r = Receiver(fail_first)
        config = uvicorn.Config(r, host="127.0.0.1", port=r.port, log_level="warning", lifespan="off")
        server = uvicorn.Server(config)
        servers.append((server, asyncio.create_task(server.serve())))

        async def started() -> bool:
            return server.started

        await eventually(started, timeout=30, every=0.02)
        return r

    yield start
    for server, task in servers:
        server.should_exit = True
        await task


@pytest.fixture
async def pa(pg: PostgresServer, dev_keys: tuple[DevKeys, Any]) -> AsyncIterator[PaymentApp]:
    settings = Settings(
        database_url=await migrated_database(pg, "dvc_payment"),
        sandbox_callback_delay_seconds=0,
        webhook_interval_seconds=0.05,
        webhook_backoff_base_seconds=0.3,
        webhook_backoff_max_seconds=2,
        webhook_lease_seconds=1.0,
        webhook_timeout_seconds=5,
    )
    app = create_app(settings)
    app.state.token_verifier = TokenVerifier(dev_keys[0].jwks, issuer="cong-dvc", audience="cong-dvc")
    ctx = app.state.payment
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://payment.test"
    ) as http:
        yield PaymentApp(app, ctx, http)
    if ctx.sandbox is not None:
        await ctx.sandbox.cancel_pending()
    await ctx.http.aclose()
    await ctx.webhooks.aclose()
    await ctx.runtime.engine.dispose()


async def register(pa: PaymentApp, token: str, url: str) -> dict[str, Any]:
    r = await pa.http.post("/v1/webhooks/endpoints", json={"url": url}, headers=bearer(token))
    assert r.status_code == 201, r.text
    return dict(r.json())


async def deliveries(pa: PaymentApp, token: str) -> list[dict[str, Any]]:
    r = await pa.http.get("/v1/webhooks/deliveries", headers=bearer(token))
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def sender(pa: PaymentApp) -> asyncio.Task[None]:
    return asyncio.create_task(jobs.webhook_job(pa.ctx)(pa.ctx.runtime))


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_retried_with_backoff_then_accepted_once_with_one_delivery_id(
    pa: PaymentApp, receiver: Any, make_token: Any
) -> None:
    hook = await receiver(2)
    await publish_procedure(pa, "GPLX-DOI-L4", "SO-GTVT")
    gtvt = make_token("agency", sub="gtvt-79", agency="SO-GTVT", province="79")
    secret = (await register(pa, gtvt, hook.url))["secret"]
    pid = await paid(pa, "momo")
    task = sender(pa)
    try:
        await eventually(lambda: _status(pa, gtvt, "delivered"), timeout=60)
    finally:
        await stop(task)
    [d] = await deliveries(pa, gtvt)
    assert (d["payment_id"], d["event_type"], d["attempts"]) == (pid, "payment.succeeded", 3)
    assert [a["status_code"] for a in d["log"]] == [500, 500, 200]
    assert all(a["latency_ms"] is not None for a in d["log"]) and d["log"][0]["error"] == "HTTP 500"
    assert [status for *_, status in hook.received] == [500, 500, 200]  # accepted once
    assert {h["x-dvc-delivery"] for _, h, _, _ in hook.received} == {d["delivery_id"]}
    assert {h["idempotency-key"] for _, h, _, _ in hook.received} == {d["delivery_id"]}
    assert len({body for _, _, body, _ in hook.received}) == 1  # the same bytes every time
    for _, headers, body, _ in hook.received:
        assert headers["x-dvc-event"] == "payment.succeeded"
        assert verify(secret, headers["x-dvc-signature"], body, now=int(time.time()))
        assert not verify(secret + "x", headers["x-dvc-signature"], body, now=int(time.time()))
    body = hook.received[0][2].decode()
    assert pid in body and "citizen_phone" not in body
    gaps = [b[0] - a[0] for a, b in zip(hook.received, hook.received[1:], strict=False)]
    assert gaps[0] >= 0.15 and gaps[1] >= 0.3  # at least half of 0.3 s, then of 0.6 s


async def _status(pa: PaymentApp, token: str, status: str) -> bool:
    return [d["status"] for d in await deliveries(pa, token)] == [status]


async def test_a_delivery_claimed_by_a_sender_that_died_is_sent_by_the_next(
    pa: PaymentApp, receiver: Any, make_token: Any
) -> None:
    hook = await receiver(0)
    await publish_procedure(pa, "GPLX-DOI-L4", "SO-GTVT")
    gtvt = make_token("agency", sub="gtvt-79", agency="SO-GTVT", province="79")
    await register(pa, gtvt, hook.url)
    await paid(pa, "vnpay")
    async with pa.ctx.uow() as uow:  # a sender takes it (its lease committed) … and dies before sending
        [claimed] = await uow.webhooks.claim_due(clock.now(), 10, pa.ctx.webhooks.lease)
        await uow.commit()
    task = sender(pa)  # the sender loop after a restart
    try:
        await eventually(lambda: _status(pa, gtvt, "delivered"), timeout=60)
    finally:
        await stop(task)
    assert [h["x-dvc-delivery"] for _, h, _, _ in hook.received] == [claimed.id]
    # another agency of the same province, and an operator of another province, see nothing of it
    assert await deliveries(pa, make_token("agency", sub="tp-79", agency="SO-TP", province="79")) == []
    assert await deliveries(pa, make_token("operator", province="01")) == []
    assert len(await deliveries(pa, make_token("operator", province="79"))) == 1


async def test_refunds_by_api_once_per_key_and_never_above_what_remains(
    pa: PaymentApp, receiver: Any, make_token: Any
) -> None:
    hook = await receiver(0)
    await publish_procedure(pa, "GPLX-DOI-L4", "SO-GTVT")
    gtvt = make_token("agency", sub="gtvt-79", agency="SO-GTVT", province="79")
    await register(pa, gtvt, hook.url)
    pid = await paid(pa, "paygov", 135_000)
    op = make_token("operator", province="79")
    both = await asyncio.gather(*(ask_refund(pa, op, pid, "same-key", amount_vnd=100_000) for _ in range(2)))
    assert sorted(r.status_code for r in both) == [200, 201]
    assert both[0].json()["refund_id"] == both[1].json()["refund_id"]
    async with pa.ctx.runtime.engine.connect() as conn:
        count = select(func.count()).select_from(refunds).where(refunds.c.payment_id == pid)
        assert await conn.scalar(count) == 1
    over = await ask_refund(pa, op, pid, "another-key", amount_vnd=35_001)
    assert over.status_code == 409 and over.json()["code"] == "amount_exceeds_refundable"
    while await refund_service.process_refunds(pa.ctx.uow, pa.ctx.providers, policy=pa.ctx.policy):
        pass
    task = sender(pa)
    try:
        await eventually(lambda: _delivered(pa, gtvt, 2), timeout=60)
    finally:
        await stop(task)
    kinds = sorted(d["event_type"] for d in await deliveries(pa, gtvt))
    assert kinds == ["payment.refunded", "payment.succeeded"]
    refunded = [b for _, h, b, _ in hook.received if h["x-dvc-event"] == "payment.refunded"]
    assert b'"amount_vnd":100000' in refunded[0]


async def _delivered(pa: PaymentApp, token: str, n: int) -> bool:
    return [d["status"] for d in await deliveries(pa, token)] == ["delivered"] * n
