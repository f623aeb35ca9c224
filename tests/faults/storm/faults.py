"""The fault schedule, run during the load and logged with wall-clock start and end: brokers SIGKILLed and
restarted one at a time, PostgreSQL restarted, one broker cut off by its network namespace, the whole cluster
down; and, on a second track at the same time, every service instance SIGKILLed and started again."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from dataclasses import asdict, dataclass

from .config import Sizes
from .log import say
from .stack import Stack

BROKER_DOWN_S = 2.0
# the busiest instances first: a small run kills these, a full one every instance in turn
KILL_ORDER = (
    "dossier-1",
    "notify-1",
    "payment-1",
    "dossier-2",
    "notify-2",
    "reporting-1",
    "feedback-1",
    "catalog-1",
)
RESTART_S = {"broker_kill": 14.0, "pg_restart": 3.0, "partition": 3.0, "outage": 15.0}


@dataclass
class Fault:
    kind: str
    target: str
    start: float
    end: float = 0.0
    how: str = ""

    def row(self) -> dict[str, object]:
        return asdict(self) | {"seconds": round(self.end - self.start, 1)}


def infra_plan(sizes: Sizes) -> list[tuple[str, str]]:
    """Broker kills of node 1, 2, 3, 1, …; PostgreSQL restarts, the cut and the outage spread between them."""
    plan = [("broker_kill", str(k % 3 + 1)) for k in range(sizes.broker_kills)]
    inserts = [(0.6, ("outage", "cluster")), (0.35, ("partition", "3"))]
    inserts += [
        ((k + 1) / (sizes.pg_restarts + 1), ("pg_restart", "postgres")) for k in range(sizes.pg_restarts)
    ]
    for share, item in sorted(inserts, reverse=True):
        plan.insert(round(share * len(plan)), item)
    return plan


def planned(sizes: Sizes) -> list[tuple[str, float, float]]:
    """(kind, start, end) of each infrastructure fault, seconds into the storm, as planned."""
    held = {
        "broker_kill": BROKER_DOWN_S,
        "pg_restart": 0.0,
        "partition": sizes.partition_s,
        "outage": sizes.outage_s,
    }
    out, t = [], 0.0
    for kind, _target in infra_plan(sizes):
        t += sizes.gap_s
        out.append((kind, t, t + held[kind] + RESTART_S[kind]))
        t = out[-1][2]
    return out


def planned_seconds(sizes: Sizes) -> float:
    return planned(sizes)[-1][2] + sizes.gap_s


class Faults:
    def __init__(self, stack: Stack) -> None:
        self.stack, self.sizes = stack, stack.sizes
        self.log: list[Fault] = []
        self.killed_pids: list[int] = []
        self.failed_launches = 0

    def windows(self) -> list[tuple[float, float]]:
        return [(f.start, f.end or time.time()) for f in self.log]

    def outage(self) -> Fault | None:
        return next((f for f in self.log if f.kind == "outage"), None)

    async def run_infra(self) -> None:
        for kind, target in infra_plan(self.sizes):
            await asyncio.sleep(self.sizes.gap_s)
            fault = Fault(kind, target, time.time())
            self.log.append(fault)
            await getattr(self, f"_{kind}")(fault)
            fault.end = time.time()
            say(f"fault: {kind} {fault.target}, {fault.end - fault.start:.1f} s")

    async def _broker_kill(self, f: Fault) -> None:
        cluster = self.stack.cluster
        assert cluster is not None
        f.how = "SIGKILL, restart on the same ports and storage"
        cluster.kill(int(f.target))
        await asyncio.sleep(BROKER_DOWN_S)
        await asyncio.to_thread(cluster.restart, int(f.target))

    async def _pg_restart(self, f: Fault) -> None:
        assert self.stack.pg is not None
        mode = "immediate" if sum(x.kind == "pg_restart" for x in self.log) % 2 == 0 else "fast"
        f.how = f"pg_ctl restart -m {mode}" + (
            " (a crash: no shutdown checkpoint)" if mode == "immediate" else ""
        )
        await asyncio.to_thread(self.stack.pg.restart, mode)

    async def _partition(self, f: Fault) -> None:
        cluster, cage = self.stack.cluster, self.stack.cage
        assert cluster is not None
        if cage is not None:
            f.how, f.target = (
                "network namespace: link down (packets dropped, not refused)",
                str(cluster.caged_node),
            )
            await asyncio.to_thread(cage.cut)
            await asyncio.sleep(self.sizes.partition_s)
            await asyncio.to_thread(cage.heal)
            return
        node = cluster.node(int(f.target))
        assert node.proc is not None
        f.how = "SIGSTOP / SIGCONT (no network namespace here)"
        os.killpg(node.proc.pid, signal.SIGSTOP)
        await asyncio.sleep(self.sizes.partition_s)
        os.killpg(node.proc.pid, signal.SIGCONT)

    async def _outage(self, f: Fault) -> None:
        cluster = self.stack.cluster
        assert cluster is not None
        f.how = f"every broker SIGKILLed, {self.sizes.outage_s:.0f} s, then all restarted"
        await asyncio.to_thread(cluster.kill_all)
        await asyncio.sleep(self.sizes.outage_s)
        await asyncio.to_thread(cluster.start_all)

    async def run_services(self, seconds: float) -> None:
        """``service_kills`` SIGKILLs, evenly over ``seconds``, of the instances in turn (KILL_ORDER); each is
        started again at once, in the background: the next kill does not wait for it (a slow start on a busy
        machine must not stretch the schedule), only a kill of the same instance does."""
        names = [n for n in KILL_ORDER if n in self.stack.instances]
        total, t0 = self.sizes.service_kills, time.monotonic()
        back: dict[str, asyncio.Task[None]] = {}
        for k in range(total):
            await asyncio.sleep(max(0.0, t0 + (k + 0.5) * seconds / total - time.monotonic()))
            name = names[k % len(names)]
            if name in back:
                await back[name]
            back[name] = asyncio.create_task(self._kill_service(name))
        await asyncio.gather(*back.values())

    async def _kill_service(self, name: str) -> None:
        inst = self.stack.instances[name]
        fault = Fault("service_kill", name, time.time(), how="SIGKILL, started again at once")
        self.log.append(fault)
        if inst.pid is not None:
            self.killed_pids.append(inst.pid)
        inst.kill()
        self.failed_launches += await asyncio.to_thread(inst.relaunch)
        fault.end = time.time()
        say(f"fault: service_kill {name}, back after {fault.end - fault.start:.1f} s")

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for f in self.log:
            out[f.kind] = out.get(f.kind, 0) + 1
        return out
