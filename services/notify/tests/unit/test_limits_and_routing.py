"""Token bucket, Vietnamese days, daily-limit rule; carrier guess and provider candidates."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from dvc_contracts.clock import vn_date
from dvc_notify.domain.limits import (
    Limit,
    RateLimiter,
    TokenBucket,
    next_vn_midnight,
    over_daily_limit,
)
from dvc_notify.domain.routing import candidates, carrier_of


def test_token_bucket_burst_then_rate() -> None:
    b = TokenBucket(rate_per_second=10, burst=5, now=0.0)
    assert b.take(8, 0.0) == 5  # the burst
    assert b.take(1, 0.0) == 0
    assert b.wait_seconds(0.0) == pytest.approx(0.1)
    assert b.available(0.35) == 3  # 3.5 tokens refilled
    assert b.take(10, 0.35) == 3
    assert b.available(100.0) == 5  # never more than the burst
    b.give_back(2)
    assert b.available(100.0) == 5


def test_token_bucket_over_time_honours_the_rate() -> None:
    b = TokenBucket(rate_per_second=50, burst=50, now=0.0)
    sent = sum(b.take(1000, t / 100) for t in range(0, 1001))  # 10 s, polled every 10 ms
    assert 50 + 500 - 1 <= sent <= 50 + 500  # burst + rate × 10 s


def test_rate_limiter_per_service() -> None:
    limiter = RateLimiter(Limit(100, 100, 1000), {"payment": Limit(1, 2, 10)})
    assert limiter.limit("payment").daily == 10
    assert limiter.limit("anyone").rate_per_second == 100
    assert limiter.bucket("payment", 0.0) is limiter.bucket("payment", 5.0)
    assert limiter.bucket("payment", 0.0).take(5, 0.0) == 2


@pytest.mark.parametrize("bad", [(0, 1, 1), (1, 0.5, 1), (1, 1, -1)])
def test_limit_validation(bad: tuple[float, float, int]) -> None:
    with pytest.raises(ValueError):
        Limit(*bad)


@pytest.mark.parametrize(
    ("at", "day", "midnight_utc"),
    [
        (
            datetime(2026, 11, 21, 16, 59, tzinfo=UTC),
            date(2026, 11, 21),
            datetime(2026, 11, 21, 17, 0, tzinfo=UTC),
        ),
        (
            datetime(2026, 11, 21, 17, 0, tzinfo=UTC),
            date(2026, 11, 22),
            datetime(2026, 11, 22, 17, 0, tzinfo=UTC),
        ),
        (
            datetime(2026, 12, 31, 18, 0, tzinfo=UTC),
            date(2027, 1, 1),
            datetime(2027, 1, 1, 17, 0, tzinfo=UTC),
        ),
    ],
)
def test_vietnamese_day(at: datetime, day: date, midnight_utc: datetime) -> None:
    assert vn_date(at) == day
    assert next_vn_midnight(at) == midnight_utc


def test_daily_limit_rule() -> None:
    assert over_daily_limit("request") == "reject"
    assert over_daily_limit("event") == "hold"
    with pytest.raises(ValueError):
        vn_date(datetime(2026, 1, 1))


@pytest.mark.parametrize(
    ("phone", "carrier"),
    [
        ("+84961234567", "viettel"),
        ("+84351234567", "viettel"),
        ("+84912345678", "vinaphone"),
        ("+84881234567", "vinaphone"),
        ("+84901234567", "mobifone"),
        ("+84771234567", "mobifone"),
        ("+84921234567", "vietnamobile"),
        ("+84991234567", "gmobile"),
        ("+84871234567", "itel"),
        ("+84551234567", "reddi"),
        ("+84241234567", None),  # a Hà Nội landline prefix
        ("0912345678", None),  # not E.164
    ],
)
def test_carrier_guess(phone: str, carrier: str | None) -> None:
    assert carrier_of(phone) == carrier


DEFAULT = ("sandbox", "gw-rest", "gw-form", "kafka")
ROUTES = {"viettel": ["gw-form", "kafka"], "mobifone": ["kafka"]}


@pytest.mark.parametrize(
    ("phone", "pinned", "avoid", "expected"),
    [
        ("+84912345678", None, None, ["sandbox", "gw-rest", "gw-form", "kafka"]),
        ("+84961234567", None, None, ["gw-form", "kafka", "sandbox", "gw-rest"]),
        ("+84901234567", None, None, ["kafka", "sandbox", "gw-rest", "gw-form"]),
        ("+84961234567", None, "gw-form", ["kafka", "sandbox", "gw-rest", "gw-form"]),  # just refused it
        ("+84961234567", "gw-rest", "gw-form", ["gw-rest", "gw-form", "kafka", "sandbox"]),  # pinned wins
        ("+84912345678", "nowhere", None, ["sandbox", "gw-rest", "gw-form", "kafka"]),
    ],
)
def test_candidates(phone: str, pinned: str | None, avoid: str | None, expected: list[str]) -> None:
    assert candidates(phone, default=DEFAULT, carrier_routes=ROUTES, pinned=pinned, avoid=avoid) == expected


def test_a_single_provider_is_never_avoided_away() -> None:
    assert candidates("+84912345678", default=("gw-rest",), avoid="gw-rest") == ["gw-rest"]
