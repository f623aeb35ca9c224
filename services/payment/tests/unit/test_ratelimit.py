"""Token bucket per client: a burst, then one request per refill interval."""

from __future__ import annotations

from dvc_payment.entrypoints.ratelimit import TokenBucketLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_refill() -> None:
    clock = Clock()
    limiter = TokenBucketLimiter(3, per_minute=6, clock=clock)  # one token every 10 s
    assert [limiter.take("1.2.3.4") for _ in range(3)] == [None, None, None]
    wait = limiter.take("1.2.3.4")
    assert wait is not None and 9.9 < wait <= 10.0
    assert TokenBucketLimiter.retry_after(wait) == 10
    clock.now += 10
    assert limiter.take("1.2.3.4") is None
    assert limiter.take("1.2.3.4") is not None


def test_clients_have_their_own_buckets() -> None:
    limiter = TokenBucketLimiter(1, per_minute=1, clock=Clock())
    assert limiter.take("a") is None
    assert limiter.take("a") is not None
    assert limiter.take("b") is None


def test_memory_is_bounded() -> None:
    limiter = TokenBucketLimiter(1, per_minute=1, clock=Clock(), max_clients=100)
    for i in range(1000):
        limiter.take(f"10.0.{i // 256}.{i % 256}")
    assert len(limiter._buckets) == 100
