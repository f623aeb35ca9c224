"""Rate limit per client: a token bucket (``burst`` requests at once, refilled at ``per_minute``) kept in
PostgreSQL, so every replica of the service counts against the same bucket. One atomic upsert per request
(the generic cell rate algorithm: the bucket is one number, the time it will be full again); buckets that are
full again are pruned by the maintenance job. The client is who ``dvckit.client_ip`` says it is: the TCP peer,
or behind the configured proxies the right-most X-Forwarded-For hop that is not one of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dvc_contracts import clock
from dvc_payment.service.common import UowFactory


@dataclass(frozen=True)
class Rate:
    burst: int
    per_minute: float

    def __post_init__(self) -> None:
        if self.burst < 1 or self.per_minute <= 0:
            raise ValueError("burst must be >= 1 and per_minute > 0")

    @property
    def interval(self) -> float:
        """Seconds per token."""
        return 60.0 / self.per_minute

    @property
    def tolerance(self) -> float:
        """How far ahead of now the bucket may be booked: burst - 1 tokens."""
        return (self.burst - 1) * self.interval


class SharedRateLimiter:
    def __init__(self, uow: UowFactory, rate: Rate, scope: str) -> None:
        self._uow = uow
        self.rate = rate
        self.scope = scope

    async def take(self, client: str) -> float | None:
        """Spend one token of ``client``'s bucket: None if allowed, else the seconds until the next token."""
        async with self._uow() as uow:
            wait = await uow.rate_limits.take(
                f"{self.scope}:{client}"[:200],
                now=clock.now().timestamp(),
                interval=self.rate.interval,
                tolerance=self.rate.tolerance,
            )
            await uow.commit()
        return wait

    @staticmethod
    def retry_after(wait: float) -> int:
        return max(1, math.ceil(wait))
