"""Token bucket per client, kept in the database (one upsert per request): a burst, then one request per
refill interval; buckets that are full again are pruned. (Two replicas on PostgreSQL: integration.)"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from dvc_contracts import clock
from dvc_payment.adapters.orm import rate_limits
from dvc_payment.entrypoints.ratelimit import Rate, SharedRateLimiter
from dvc_payment.service import maintenance

from ..conftest import PaymentApp

T0 = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)


def limiter(pa: PaymentApp, burst: int, per_minute: float) -> SharedRateLimiter:
    return SharedRateLimiter(pa.ctx.uow, Rate(burst, per_minute), "test")


async def test_burst_then_refill(make_payment_app: Any) -> None:
    pa = await make_payment_app()
    lim = limiter(pa, 3, per_minute=6)  # one token every 10 s
    with clock.pinned(T0) as c:
        assert [await lim.take("1.2.3.4") for _ in range(3)] == [None, None, None]
        wait = await lim.take("1.2.3.4")
        assert wait is not None and 9.9 < wait <= 10.0
        assert SharedRateLimiter.retry_after(wait) == 10
        c.advance(seconds=5)
        assert await lim.take("1.2.3.4") == pytest.approx(5.0)  # a refused request books nothing
        c.advance(seconds=5)
        assert await lim.take("1.2.3.4") is None
        assert await lim.take("1.2.3.4") is not None
        c.advance(seconds=3600)  # a long pause refills the burst, no more
        assert [await lim.take("1.2.3.4") for _ in range(4)][-1] is not None


async def test_clients_have_their_own_buckets(make_payment_app: Any) -> None:
    pa = await make_payment_app()
    lim = limiter(pa, 1, per_minute=1)
    with clock.pinned(T0):
        assert await lim.take("a") is None
        assert await lim.take("a") is not None
        assert await lim.take("b") is None


async def test_full_buckets_are_pruned_and_busy_ones_stay(make_payment_app: Any) -> None:
    pa = await make_payment_app()
    lim = limiter(pa, 5, per_minute=60)  # a second per token
    with clock.pinned(T0) as c:
        await lim.take("quiet")
        c.advance(seconds=30)
        for _ in range(5):
            await lim.take("busy")
        await maintenance.prune(pa.ctx.uow, policy=pa.ctx.policy, now=clock.now())
        assert await _buckets(pa) == ["test:busy"]
        assert await lim.take("busy") is not None  # pruning did not reset it


async def _buckets(pa: PaymentApp) -> list[str]:
    async with pa.ctx.runtime.engine.connect() as conn:
        return list((await conn.execute(select(rate_limits.c.key).order_by(rate_limits.c.key))).scalars())


def test_the_rate_is_validated() -> None:
    with pytest.raises(ValueError):
        Rate(0, 10)
    assert (Rate(3, 6).interval, Rate(3, 6).tolerance) == (10.0, 20.0)
