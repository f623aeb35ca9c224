"""The HTTP ingest's admission gate (dvc_dossier.domain.intake): the backlog, sampled in the background, and
what each agency sent lately; plus a bound on how many ingest batches this instance works on at once, so
intake never takes the whole event loop from the consumer that applies the reports."""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

from prometheus_client import Gauge

from dvc_dossier.domain.intake import Admission, AgencyWindow, admit
from dvckit.logging import get_logger
from dvckit.messaging.lag import GroupLagSample

log = get_logger("dvc_dossier.intake")
BACKLOG = Gauge(
    "dvc_dossier_ingest_backlog", "HTTP-ingested reports not yet applied (outbox + group lag), last sample"
)


class Probe(Protocol):
    async def unsent(self) -> int: ...
    async def group_lag(self) -> GroupLagSample: ...
    async def close(self) -> None: ...


class IngestGate:
    def __init__(self, *, max_backlog: int, concurrency: int, window_seconds: float) -> None:
        self.max_backlog = max_backlog
        self.slots = asyncio.Semaphore(max(1, concurrency))
        self.window = AgencyWindow(window_seconds)
        self.unsent = 0  # outbox rows of the ingress topic, last sample
        self.lag = 0  # the group's lag on it, last known
        self.accepted_since_sample = 0  # what this instance accepted since (not in the sample yet)
        self.apply_rate: float | None = None  # events/s the group commits, smoothed
        self._committed: tuple[float, int] | None = None

    @property
    def backlog(self) -> int:
        return self.unsent + self.lag + self.accepted_since_sample

    def check(self, agency: str, events: int) -> Admission:
        return admit(
            backlog=self.backlog,
            max_backlog=self.max_backlog,
            agency=agency,
            events=events,
            window=self.window,
            now=time.monotonic(),
            apply_rate=self.apply_rate,
        )

    def accepted(self, agency: str, events: int) -> None:
        self.window.add(agency, events, time.monotonic())
        self.accepted_since_sample += events

    async def sample(self, probe: Probe) -> None:
        """One measurement; the lag keeps its last value while the broker does not answer (the unsent rows
        grow instead, and count)."""
        self.unsent, self.accepted_since_sample = await probe.unsent(), 0
        try:
            lag = await probe.group_lag()
        except Exception as exc:
            log.debug("intake.lag_unknown", error=repr(exc)[:200])
            self.apply_rate = 0.0 if self.lag else self.apply_rate
        else:
            self.lag = lag.lag
            self._rate(lag.committed)
        BACKLOG.set(self.unsent + self.lag)

    def _rate(self, committed: int) -> None:
        now = time.monotonic()
        if self._committed is not None and now > self._committed[0] and committed >= self._committed[1]:
            rate = (committed - self._committed[1]) / (now - self._committed[0])
            self.apply_rate = rate if self.apply_rate is None else 0.5 * self.apply_rate + 0.5 * rate
        self._committed = (now, committed)

    async def run(self, probe: Probe, every: float) -> None:
        """The background sampler (the app's lifespan runs it; nothing to sample without a bound)."""
        if self.max_backlog <= 0:
            return
        try:
            while True:
                try:
                    await self.sample(probe)
                except Exception as exc:  # the database away: keep the last figures
                    log.debug("intake.sample_failed", error=repr(exc)[:200])
                await asyncio.sleep(every)
        finally:
            await probe.close()
