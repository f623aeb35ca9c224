"""Per-sending-service limits (pure): a token bucket for the rate and a daily quota per Vietnamese day.

* Rate: a token bucket per sending service (``rate_per_second`` tokens added continuously, at most
  ``burst`` kept). One message takes one token. Messages over the rate are not lost: they stay queued and
  go out as tokens come back.
* Daily: at most ``daily`` messages started per sending service per calendar day in Asia/Ho_Chi_Minh.
  Over it, what happens depends on where the message came from (``over_daily_limit``):
  an ``sms-requested`` message is **rejected** (``permanent-failure``, reason ``daily_limit_exceeded``,
  an ``sms-failed`` tells the requesting service); a notification the portal owes a citizen (a dossier,
  payment or feedback event) is **held** until the next Vietnamese day, never dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from dvc_contracts.clock import vn_date, vn_midnight

Origin = Literal["event", "request"]


@dataclass(frozen=True, slots=True)
class Limit:
    rate_per_second: float
    burst: float
    daily: int

    def __post_init__(self) -> None:
        if self.rate_per_second <= 0 or self.burst < 1 or self.daily < 0:
            raise ValueError("rate_per_second > 0, burst >= 1 and daily >= 0 are required")


class TokenBucket:
    """A token bucket; time is passed in (seconds, monotonic)."""

    def __init__(self, rate_per_second: float, burst: float, now: float) -> None:
        self.rate = rate_per_second
        self.capacity = burst
        self.tokens = burst
        self.updated = now

    def _refill(self, now: float) -> None:
        if now > self.updated:
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now

    def available(self, now: float) -> int:
        self._refill(now)
        return int(self.tokens)

    def take(self, n: int, now: float) -> int:
        """Take up to ``n`` whole tokens; returns how many were granted."""
        self._refill(now)
        granted = max(0, min(n, int(self.tokens)))
        self.tokens -= granted
        return granted

    def give_back(self, n: int) -> None:
        """Return tokens taken for messages that were not sent after all (e.g. opted out)."""
        self.tokens = min(self.capacity, self.tokens + n)

    def wait_seconds(self, now: float) -> float:
        """Seconds until one whole token is available."""
        self._refill(now)
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


class RateLimiter:
    """One token bucket per sending service; unknown services get the default limit."""

    def __init__(self, default: Limit, per_service: Mapping[str, Limit] | None = None) -> None:
        self.default = default
        self.per_service = dict(per_service or {})
        self._buckets: dict[str, TokenBucket] = {}

    def limit(self, service: str) -> Limit:
        return self.per_service.get(service, self.default)

    def bucket(self, service: str, now: float) -> TokenBucket:
        b = self._buckets.get(service)
        if b is None:
            lim = self.limit(service)
            b = self._buckets[service] = TokenBucket(lim.rate_per_second, lim.burst, now)
        return b


def next_vn_midnight(at: datetime) -> datetime:
    """The start of the next Vietnamese day, as an aware datetime (in Vietnam time)."""
    return vn_midnight(vn_date(at) + timedelta(days=1))


def over_daily_limit(origin: Origin) -> Literal["reject", "hold"]:
    """sms-requested beyond the daily limit is rejected with a reason; the portal's own notifications wait."""
    return "reject" if origin == "request" else "hold"
