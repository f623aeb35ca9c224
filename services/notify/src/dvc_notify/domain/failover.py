"""Provider failover: a sliding window of send outcomes per provider, a threshold, a cool-down and a drift
back (pure; the caller passes the time, so tests use a fake clock).

* Every send attempt's outcome is recorded with its time. Over the last ``window_seconds``, once at least
  ``min_samples`` attempts were made, an error rate at or above ``error_threshold`` *trips* the provider:
  it is ``failing-over`` and gets no traffic for ``cooldown_seconds``.
* After the cool-down the provider is ``recovering``: it gets a share of the traffic routed to it that grows
  linearly from ``initial_share`` to 1 over ``drift_seconds`` (traffic drifts back rather than slamming back).
  Errors during recovery are judged the same way (from a fresh window) and trip it again.
* Then it is ``active`` again.

Shares are applied deterministically (an accumulator per provider, not random numbers): with a share of 0.25
exactly one message in four goes to the recovering provider; the others go to the next candidate.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

State = Literal["active", "failing-over", "recovering"]


@dataclass(frozen=True, slots=True)
class FailoverPolicy:
    window_seconds: float = 60.0
    min_samples: int = 20
    error_threshold: float = 0.5
    cooldown_seconds: float = 30.0
    drift_seconds: float = 60.0
    initial_share: float = 0.1

    def __post_init__(self) -> None:
        if not 0 < self.error_threshold <= 1:
            raise ValueError("error_threshold must be in (0, 1]")
        if not 0 < self.initial_share <= 1:
            raise ValueError("initial_share must be in (0, 1]")
        if self.window_seconds <= 0 or self.min_samples < 1:
            raise ValueError("window_seconds must be > 0 and min_samples >= 1")


class ProviderHealth:
    """One provider's recent outcomes and failover state."""

    def __init__(self, name: str, policy: FailoverPolicy) -> None:
        self.name = name
        self.policy = policy
        self._window: deque[tuple[float, bool]] = deque()
        self._errors = 0
        self._tripped_at: float | None = None
        self._recovering_since: float | None = None
        self._accumulator = 0.0
        self.trips = 0

    # --- outcomes -------------------------------------------------------------------------------

    def _prune(self, now: float) -> None:
        horizon = now - self.policy.window_seconds
        while self._window and self._window[0][0] <= horizon:
            _, ok = self._window.popleft()
            if not ok:
                self._errors -= 1

    def record(self, ok: bool, now: float) -> None:
        """Record one send attempt's outcome (``ok``: not a provider error)."""
        state = self.state(now)
        if state == "failing-over":
            return  # late answers to requests made before the trip do not count twice
        self._window.append((now, ok))
        if not ok:
            self._errors += 1
        self._prune(now)
        total = len(self._window)
        if total >= self.policy.min_samples and self._errors / total >= self.policy.error_threshold:
            self._trip(now)

    def _trip(self, now: float) -> None:
        self._tripped_at = now
        self._recovering_since = None
        self._window.clear()
        self._errors = 0
        self._accumulator = 0.0
        self.trips += 1

    # --- state ----------------------------------------------------------------------------------

    def state(self, now: float) -> State:
        p = self.policy
        if self._tripped_at is not None:
            if now < self._tripped_at + p.cooldown_seconds:
                return "failing-over"
            self._recovering_since = self._tripped_at + p.cooldown_seconds
            self._tripped_at = None
        if self._recovering_since is not None:
            if now < self._recovering_since + p.drift_seconds:
                return "recovering"
            self._recovering_since = None
        return "active"

    def share(self, now: float) -> float:
        """Fraction of the traffic routed to this provider that it takes now (0 … 1)."""
        state = self.state(now)
        if state == "failing-over":
            return 0.0
        if state == "active" or self._recovering_since is None:
            return 1.0
        p = self.policy
        elapsed = now - self._recovering_since
        return min(1.0, p.initial_share + (1.0 - p.initial_share) * elapsed / p.drift_seconds)

    def error_rate(self, now: float) -> float | None:
        """Error rate over the window, or None without any sample."""
        self._prune(now)
        return self._errors / len(self._window) if self._window else None

    def seconds_until_change(self, now: float) -> float | None:
        """While failing over: seconds until the cool-down ends."""
        if self.state(now) == "failing-over" and self._tripped_at is not None:
            return self._tripped_at + self.policy.cooldown_seconds - now
        return None

    def take(self, now: float) -> bool:
        """Should this provider take the next message routed to it? Applies the share deterministically."""
        share = self.share(now)
        if share >= 1.0:
            return True
        if share <= 0.0:
            return False
        self._accumulator += share
        if self._accumulator >= 1.0:
            self._accumulator -= 1.0
            return True
        return False

    def snapshot(self, now: float) -> dict[str, object]:
        rate = self.error_rate(now)
        return {
            "provider": self.name,
            "state": self.state(now),
            "share": round(self.share(now), 3),
            "error_rate": None if rate is None else round(rate, 3),
            "samples": len(self._window),
            "trips": self.trips,
            "cooldown_left_s": (None if (left := self.seconds_until_change(now)) is None else round(left, 1)),
        }


class Router:
    """Chooses a provider per message from its ordered candidates, skipping failing-over ones."""

    def __init__(self, providers: Iterable[str], policy: FailoverPolicy) -> None:
        self.policy = policy
        self.health: dict[str, ProviderHealth] = {p: ProviderHealth(p, policy) for p in providers}

    def choose(self, candidates: Sequence[str], now: float) -> str | None:
        """The first candidate that takes the message; None when every candidate is failing over
        (or declined its recovery share), i.e. the message waits."""
        for name in candidates:
            health = self.health.get(name)
            if health is not None and health.take(now):
                return name
        return None

    def record(self, provider: str, ok: bool, now: float) -> None:
        health = self.health.get(provider)
        if health is not None:
            health.record(ok, now)

    def state(self, provider: str, now: float) -> State:
        return self.health[provider].state(now)

    def snapshot(self, now: float) -> list[dict[str, object]]:
        return [h.snapshot(now) for h in self.health.values()]
