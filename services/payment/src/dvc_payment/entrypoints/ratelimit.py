"""Token bucket per client (IP): ``capacity`` requests at once, refilled at ``per_minute``.

In-process (each instance keeps its own buckets; behind several instances, the gateway in front shares the
limit). Memory is bounded: the least recently seen clients are forgotten first.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable


class TokenBucketLimiter:
    def __init__(
        self,
        capacity: int,
        per_minute: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = 100_000,
    ) -> None:
        if capacity < 1 or per_minute <= 0:
            raise ValueError("capacity must be >= 1 and per_minute > 0")
        self.capacity = capacity
        self.rate = per_minute / 60.0  # tokens per second
        self._clock = clock
        self._max = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, at)

    def take(self, key: str) -> float | None:
        """Spend one token: None if allowed, else the seconds until the next token."""
        now = self._clock()
        tokens, at = self._buckets.pop(key, (float(self.capacity), now))
        tokens = min(float(self.capacity), tokens + (now - at) * self.rate)
        allowed = tokens >= 1.0
        if allowed:
            tokens -= 1.0
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > self._max:
            self._buckets.popitem(last=False)
        return None if allowed else (1.0 - tokens) / self.rate

    @staticmethod
    def retry_after(wait: float) -> int:
        return max(1, math.ceil(wait))
