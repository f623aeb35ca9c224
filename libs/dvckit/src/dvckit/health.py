"""What a service instance can do right now, as three separate signals (dvckit.app serves them):

- liveness (``/healthz``): the process answers and its event loop is not stuck. Restart it if not.
- readiness (``/readyz``): it can serve HTTP — its database answers. The broker is *not* part of it: while
  Kafka is away, citizens still submit, payments land and agencies ingest over HTTP; all of it waits in the
  outbox and drains when the broker is back. Take the pod out of the load balancer if not.
- broker health (``/readyz/broker``, ``dvc_broker_up``): the broker answers this instance. Consumers and the
  outbox relay wait for it on their own (retrying with backoff, forever); it is for dashboards and alerts.

Start-up never waits for the broker: ``supervise_broker`` connects in the background, as long as it takes.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import Gauge
from pydantic import Field

from dvckit.logging import get_logger
from dvckit.schemas import Out

log = get_logger("dvckit.health")


class Liveness(Out):
    status: str = Field(description="ok | stuck (503)")
    service: str
    loop_lag_ms: float = Field(description="how late the event loop ran a one-second timer, last check")


class Readiness(Out):
    ready: bool = Field(description="false (503): the database does not answer")
    database: str = Field(description="ok | error: <exception class>")
    broker: str = Field(description="up | down: reported, never required")


class BrokerState(Out):
    broker: str = Field(description="up | down (503)")
    connected: bool = Field(description="the broker client and the consumers were started (once)")
    for_seconds: float = Field(description="since the state last changed")
    checked_seconds_ago: float | None
    error: str | None


BROKER_UP = Gauge("dvc_broker_up", "1 while the Kafka broker answers this instance, else 0", ["service"])
LOOP_LAG = Gauge(
    "dvc_event_loop_lag_seconds", "How late the event loop ran a one-second timer, last check", ["service"]
)

LOOP_STALE_SECONDS = 30.0  # no loop heartbeat for this long: liveness fails


@dataclass
class BrokerHealth:
    service: str
    up: bool = False
    connected: bool = False  # the broker client and the consumers were started (once)
    changed_at: float = field(default_factory=time.monotonic)
    checked_at: float | None = None
    error: str | None = None

    def __post_init__(self) -> None:
        BROKER_UP.labels(self.service).set(0)

    def mark(self, up: bool, error: str | None = None) -> None:
        now = time.monotonic()
        self.checked_at = now
        self.error = None if up else (error or "no answer")
        if up != self.up:
            self.up, self.changed_at = up, now
            BROKER_UP.labels(self.service).set(1 if up else 0)
            if up:
                log.info("broker.up")
            else:
                log.warning("broker.down", error=self.error)

    def as_dict(self) -> dict[str, Any]:
        now = time.monotonic()
        return {
            "broker": "up" if self.up else "down",
            "connected": self.connected,
            "for_seconds": round(now - self.changed_at, 1),
            "checked_seconds_ago": None if self.checked_at is None else round(now - self.checked_at, 1),
            "error": self.error,
        }


async def supervise_broker(
    broker: Any,
    health: BrokerHealth,
    *,
    check_every: float = 5.0,
    ping_timeout: float = 2.0,
    first_backoff: float = 0.5,
    max_backoff: float = 10.0,
) -> None:
    """Start the FastStream broker (its producer and every subscriber), retrying with backoff for as long as
    the broker is away — start-up does not wait for it and never gives up — then ask it every
    ``check_every`` seconds whether it answers. aiokafka's consumers reconnect by themselves after an
    outage; the outbox relay retries on its own (dvckit.messaging.relay)."""
    backoff = first_backoff
    while True:
        try:
            await broker.start()
            break
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            with contextlib.suppress(Exception):
                await broker.stop()
            health.mark(False, repr(exc)[:200])
            log.warning("broker.not_ready", error=repr(exc)[:200], retry_in_s=backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, max_backoff)
    health.connected = True
    health.mark(True)
    log.info("broker.connected")
    while True:
        await asyncio.sleep(check_every)
        try:
            ok = await broker.ping(timeout=ping_timeout)
            health.mark(ok, None if ok else f"no answer within {ping_timeout} s")
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            health.mark(False, repr(exc)[:200])


@dataclass
class LoopHealth:
    service: str
    beat: float = field(default_factory=time.monotonic)
    lag: float = 0.0

    def stale(self) -> bool:
        return time.monotonic() - self.beat > LOOP_STALE_SECONDS


async def watch_loop(health: LoopHealth, every: float = 1.0) -> None:
    """A heartbeat: how late a one-second timer fires tells how busy (or blocked) the event loop is."""
    loop = asyncio.get_running_loop()
    while True:
        start = loop.time()
        await asyncio.sleep(every)
        health.lag = max(0.0, loop.time() - start - every)
        health.beat = time.monotonic()
        LOOP_LAG.labels(health.service).set(health.lag)
