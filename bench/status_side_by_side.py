"""Status sync of two trees side by side: a dossier process of each (its own consumer group, its own
database) applies the same backlog of agency reports at the same time, so both meet the same machine.

Each round: both processes are paused (SIGSTOP) while ``events`` reports are produced, resumed together, and
read until the first has applied them all; each one's CPU per event is its CPU over that same window divided
by the reports it applied in it. The ratio of the two is the figure: this machine's own swings (a busy
neighbour, the other hyperthread) move both sides alike and cancel out of it, which run-after-run
alternation never managed (±25 % between rounds of one tree).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bench.machine import wait_quiet
from bench.status_sync import (
    KEYS_DIR,
    _applied,
    _cpu_seconds,
    _produce,
    _stream,
    dossier_env,
    last_history_id,
    publish_procedures,
)
from dvc_contracts import topics
from dvckit.auth.jwt import load_or_create_dev_keys
from dvckit.devbroker import DevBroker, ensure_topics
from dvckit.testing import PostgresServer, ServiceProcess, free_port, migrated_database


@dataclass
class Side:
    name: str
    service: ServiceProcess
    engine: AsyncEngine

    @property
    def pid(self) -> int:
        assert self.service.proc is not None
        return self.service.proc.pid


@contextlib.contextmanager
def _paused(sides: list[Side]) -> Iterator[None]:
    for side in sides:
        os.kill(side.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for side in sides:
            os.kill(side.pid, signal.SIGCONT)


async def _start(pg: PostgresServer, broker: DevBroker, name: str, path: str | None, run_id: str) -> Side:
    db_url = await migrated_database(pg, "dvc_dossier")
    env = dossier_env(broker.bootstrap, db_url) | {
        "DOSSIER_CONSUMER_GROUP": f"bench-side-{name}-{run_id}",
        "PYTHONPATH": path or "",
    }
    service = ServiceProcess("dossier", free_port(), env, Path(f"/tmp/bench-side-{name}-{run_id}.log"))
    await asyncio.to_thread(service.start)
    return Side(name, service, create_async_engine(db_url))


async def _one_round(bootstrap: str, sides: list[Side], records: list[Any]) -> dict[str, float]:
    """Both sides apply ``records`` from a backlog; CPU per event of each over the same window."""
    unique = len({dict(h)["ce_id"] for _, h, _ in records})
    since = {s.name: await last_history_id(s.engine) for s in sides}
    with _paused(sides):
        await _produce(bootstrap, records, rate=10**9)
        cpu0 = {s.name: _cpu_seconds([s.pid]) for s in sides}
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        cpu = {s.name: _cpu_seconds([s.pid]) for s in sides}
        done = {s.name: await _applied(s.engine, since[s.name]) for s in sides}
        if max(done.values()) >= unique:
            break
        await asyncio.sleep(0.05)
    while (
        time.monotonic() < deadline and min([await _applied(s.engine, since[s.name]) for s in sides]) < unique
    ):
        await asyncio.sleep(0.2)  # the next round starts with no backlog left on either side
    per_event = {f"{n}_cpu_us_per_event": round((cpu[n] - cpu0[n]) / max(1, done[n]) * 1e6, 1) for n in cpu}
    return per_event | {f"{n}_applied_in_window": done[n] for n in done}


async def run(
    broker: DevBroker, pg: PostgresServer, paths: dict[str, str | None], rounds: int, events: int
) -> list[dict[str, float]]:
    """``paths``: side name → PYTHONPATH of its tree (None: this tree). One dict of figures per round."""
    run_id = uuid.uuid4().hex[:5].upper()
    load_or_create_dev_keys(KEYS_DIR)
    await ensure_topics(broker.bootstrap, [(t, topics.partitions_for(t)) for t in topics.ALL_TOPICS])
    procs = await publish_procedures(broker.bootstrap)
    sides = [await _start(pg, broker, name, path, run_id) for name, path in paths.items()]
    try:
        await _one_round(broker.bootstrap, sides, _stream(2000, run_id + "W", procs))  # warm-up
        out = []
        for k in range(rounds):
            wait_quiet()
            out.append(await _one_round(broker.bootstrap, sides, _stream(events, f"{run_id}R{k}", procs)))
        return out
    finally:
        for side in sides:
            side.service.stop()
            await side.engine.dispose()
