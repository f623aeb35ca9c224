"""The fines lookup's rate limit on PostgreSQL, as deployed: two replicas of the service (two app instances on
one database) behind an ingress share each client's bucket (one atomic upsert per request, so concurrent
requests on both are counted exactly); a made-up X-Forwarded-For from a peer that is not a configured proxy
changes nothing; through the proxies, the right-most hop that is not one of them is the client."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from dvc_contracts import clock
from dvc_payment.adapters.orm import rate_limits
from dvc_payment.config import Settings
from dvc_payment.entrypoints.app import create_app
from dvc_payment.entrypoints.context import PaymentContext
from dvc_payment.service import maintenance
from dvckit.testing import PostgresServer, migrated_database

pytestmark = pytest.mark.integration

INGRESS, LOAD_BALANCER = "10.20.0.5", "10.20.0.9"
BURST = 3
Client = Callable[[str], httpx.AsyncClient]


@pytest.fixture(scope="module")
async def replicas(pg: PostgresServer) -> AsyncIterator[tuple[Client, Client, list[PaymentContext]]]:
    url = await migrated_database(pg, "dvc_payment")
    settings = Settings(
        database_url=url,
        trusted_proxies="10.20.0.0/16",
        fines_lookup_burst=BURST,
        fines_lookup_per_minute=1,
        sandbox_enabled=False,
    )
    apps = [create_app(settings) for _ in range(2)]
    clients: list[httpx.AsyncClient] = []

    def client_of(app: Any) -> Client:
        def connect(peer: str) -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=app, client=(peer, 40_000))
            clients.append(httpx.AsyncClient(transport=transport, base_url="http://payment.test"))
            return clients[-1]

        return connect

    contexts = [app.state.payment for app in apps]
    try:
        yield client_of(apps[0]), client_of(apps[1]), contexts
    finally:
        for c in clients:
            await c.aclose()
        for ctx in contexts:
            await ctx.http.aclose()
            await ctx.runtime.engine.dispose()


def a_citizen() -> str:
    n = uuid.uuid4().int
    return f"203.0.{n % 200}.{n // 200 % 250 + 1}"


async def look_up(http: httpx.AsyncClient, forwarded_for: str | None = None) -> int:
    headers = {"x-forwarded-for": forwarded_for} if forwarded_for else {}
    params = {"record_no": "BB-NOPE", "violation_date": "2026-11-12", "name": "Ai Đó"}
    return (await http.get("/fines/lookup", params=params, headers=headers)).status_code


async def test_two_replicas_share_one_bucket(replicas: Any) -> None:
    a, b, _ = replicas
    citizen = a_citizen()
    first = [
        await look_up(a(INGRESS), citizen),
        await look_up(b(INGRESS), citizen),
        await look_up(a(INGRESS), citizen),
    ]
    assert first == [404] * BURST
    assert await look_up(b(INGRESS), citizen) == 429  # not a fresh bucket on the other replica
    assert await look_up(a(INGRESS), citizen) == 429
    assert await look_up(b(INGRESS), a_citizen()) == 404  # another citizen behind the same ingress


async def test_concurrent_requests_on_both_replicas_are_counted_exactly(replicas: Any) -> None:
    a, b, _ = replicas
    citizen = a_citizen()
    codes = await asyncio.gather(*(look_up((a if i % 2 else b)(INGRESS), citizen) for i in range(16)))
    assert sorted(codes) == [404] * BURST + [429] * (16 - BURST)


async def test_a_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored(replicas: Any) -> None:
    a, b, _ = replicas
    direct = a_citizen()  # reaches the pods without the ingress and makes up an address each time
    codes = [await look_up((a, b)[i % 2](direct), a_citizen()) for i in range(BURST + 2)]
    assert codes == [404] * BURST + [429, 429]


async def test_through_trusted_proxies_the_right_most_untrusted_hop_is_the_client(replicas: Any) -> None:
    a, b, _ = replicas
    citizen = a_citizen()
    # The citizen writes a new left-most entry each time; the ingress appends the citizen, the balancer the ingress.
    chain = [f"{a_citizen()}, {citizen}, {INGRESS}" for _ in range(BURST + 1)]
    codes = [await look_up((a, b)[i % 2](LOAD_BALANCER), hops) for i, hops in enumerate(chain)]
    assert codes == [404] * BURST + [429]
    assert await look_up(a(INGRESS), citizen) == 429  # the same client, however it came in
    assert await look_up(b(LOAD_BALANCER), f"{citizen}, {a_citizen()}, {INGRESS}") == 404  # someone else


async def test_full_buckets_are_pruned_on_postgresql(replicas: Any) -> None:
    a, _, contexts = replicas
    citizen = a_citizen()
    await look_up(a(INGRESS), citizen)
    ctx = contexts[0]
    key = f"fines:{citizen}"
    assert key in await _keys(ctx)
    await maintenance.prune(ctx.uow, policy=ctx.policy, now=clock.now())
    assert key in await _keys(ctx)  # still counting down
    with clock.pinned(clock.now() + timedelta(hours=1)):
        while await maintenance.prune(ctx.uow, policy=ctx.policy, now=clock.now()):
            pass
    assert key not in await _keys(ctx)


async def _keys(ctx: PaymentContext) -> set[str]:
    async with ctx.runtime.engine.connect() as conn:
        return set((await conn.execute(select(rate_limits.c.key))).scalars())
