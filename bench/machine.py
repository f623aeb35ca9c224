"""The machine the bench runs on: how busy it is, and waiting for it to settle between parts."""

from __future__ import annotations

import time
from pathlib import Path


def _busy_fraction(seconds: float = 1.0) -> float:
    """How busy the machine's CPUs were over ``seconds`` (Linux /proc/stat: all but idle and iowait)."""

    def sample() -> tuple[int, int]:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return sum(fields), fields[3] + fields[4]

    total0, idle0 = sample()
    time.sleep(seconds)
    total1, idle1 = sample()
    return 1 - (idle1 - idle0) / max(1, total1 - total0)


def wait_quiet(limit_s: float = 60) -> float:
    """Wait (at most ``limit_s``) until the last run's leftovers — processes stopping, PostgreSQL's
    checkpoint and autovacuum — have settled: under 15 % busy for a second. Returns the busy fraction seen."""
    deadline = time.monotonic() + limit_s
    while (busy := _busy_fraction()) > 0.15 and time.monotonic() < deadline:
        pass
    return busy
