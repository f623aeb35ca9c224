"""Admission of HTTP-ingested agency reports: accept only what can be applied in time.

Pure rules, no I/O. The *backlog* is every accepted report not yet applied: the outbox rows of the shared
ingress topic still to publish plus the dossier consumer group's lag on it (adapters.backlog measures it,
the whole group's, a few times a second). Against a bound ``max_backlog``:

- below the bound every batch is accepted;
- from the bound to twice the bound, an agency is accepted only while it has sent less than its fair share
  of what this instance accepted lately (``AgencyWindow``: the last few seconds, per agency): the agencies
  with the most unapplied reports in flight are pushed back first, a small agency still gets through;
- from twice the bound, every batch is refused.

A refusal is HTTP 429 with Retry-After: the time the group needs, at its measured apply rate, to bring the
backlog back under the bound (1 to 60 s).
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from dataclasses import dataclass, field

MAX_RETRY_AFTER = 60


@dataclass(frozen=True)
class Admission:
    admitted: bool
    reason: str | None = None  # backlog_full (everyone waits) | agency_over_share (this agency waits first)
    retry_after: int = 0  # seconds


@dataclass
class AgencyWindow:
    """Events accepted per agency over the last ``seconds`` (one-second buckets), on this instance."""

    seconds: float = 10.0
    _buckets: deque[tuple[int, dict[str, int]]] = field(default_factory=deque)
    _totals: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def _expire(self, now: float) -> None:
        oldest = math.floor(now - self.seconds)
        while self._buckets and self._buckets[0][0] <= oldest:
            _, counts = self._buckets.popleft()
            for agency, n in counts.items():
                self._totals[agency] -= n
                if self._totals[agency] <= 0:
                    del self._totals[agency]

    def add(self, agency: str, n: int, now: float) -> None:
        self._expire(now)
        second = math.floor(now)
        if not self._buckets or self._buckets[-1][0] != second:
            self._buckets.append((second, defaultdict(int)))
        self._buckets[-1][1][agency] += n
        self._totals[agency] += n

    def recent(self, agency: str, now: float) -> int:
        self._expire(now)
        return self._totals.get(agency, 0)

    def fair_share(self, now: float) -> float:
        """What each active agency would have sent had they shared the recent intake equally."""
        self._expire(now)
        return sum(self._totals.values()) / len(self._totals) if self._totals else math.inf


def retry_after(backlog: int, max_backlog: int, apply_rate: float | None) -> int:
    """Seconds until the backlog is back under the bound at the measured apply rate (events/s)."""
    excess = (
        max(0, backlog - max_backlog) + max_backlog // 10
    )  # a margin, so the retries do not all land at once
    if not apply_rate or apply_rate <= 0:
        return MAX_RETRY_AFTER // 2  # nothing is being applied (the broker or the consumers are away)
    return max(1, min(MAX_RETRY_AFTER, math.ceil(excess / apply_rate)))


def admit(
    *,
    backlog: int,
    max_backlog: int,
    agency: str,
    events: int,
    window: AgencyWindow,
    now: float,
    apply_rate: float | None,
) -> Admission:
    """Whether a batch of ``events`` from ``agency`` is accepted now (``max_backlog`` 0: no bound)."""
    if max_backlog <= 0 or backlog < max_backlog:
        return Admission(True)
    wait = retry_after(backlog, max_backlog, apply_rate)
    if backlog >= 2 * max_backlog:
        return Admission(False, "backlog_full", wait)
    if window.recent(agency, now) + events <= window.fair_share(now):
        return Admission(True)
    return Admission(False, "agency_over_share", wait)
