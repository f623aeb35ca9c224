"""``run_storm(sizes)``: the stack up, the load and the faults at the same time, the drain, the invariants, the
report. Returns the result (also what bench/results/faults.json holds)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import Awaitable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from . import held, report, screens, verdict
from .catalog import publish_all
from .config import Sizes
from .drain import abandoned_groups, settle
from .extras import run_extras
from .faults import Faults, planned, planned_seconds
from .ledger import Ledger
from .log import say
from .plan import make_ledger
from .sagas import Citizens, Police, make_sagas, run_citizens
from .senders import run_agencies
from .stack import Stack
from .web import Web, signed

SAGA_SHARE = 0.6  # sagas, fines and feedback start within the first 60 % of the storm (and the outage)


async def _load(stack: Stack, ledger: Ledger, web: Web, procs: tuple[str, list[str]], seconds: float) -> None:
    assert stack.keys is not None
    urls = {s: [i.url for i in stack.of(s)] for s in ("dossier", "payment", "feedback")}
    citizens = Citizens(web, urls["dossier"], urls["payment"], stack.keys, procs[0])
    rate = stack.sizes.events / seconds
    outage_end = max((end for kind, _start, end in planned(stack.sizes) if kind == "outage"), default=0.0)
    citizens_s = max(seconds * SAGA_SHARE, outage_end + stack.sizes.gap_s)  # some submit and pay during it
    await asyncio.gather(
        _timed("agencies", run_agencies(ledger, stack.bootstrap, urls["dossier"], stack.keys, rate)),
        _timed("citizens", run_citizens(citizens, ledger.sagas, citizens_s)),
        _timed("fines and feedback", run_extras(
            web, stack.bootstrap, urls, stack.keys, ledger, stack.run, procs[1][0],
            (stack.sizes.fines, stack.sizes.feedback), citizens_s,
        )),
    )  # fmt: skip


def _progress(ledger: Ledger, police: Police) -> None:
    events = ledger.events()
    started = sum(1 for s in events if s.sends)
    say(
        f"load: {started}/{len(events)} reports handed over ({sum(s.sends for s in events)} sends), "
        f"retries {dict(ledger.retries)}; sagas paid {sum(1 for s in ledger.sagas if s.paid_at)}/"
        f"{len(ledger.sagas)}, police answered {police.answered} {dict(police.errors) or ''}"
    )


async def _watch(ledger: Ledger, police: Police, kind_of: dict[str, str], stop: asyncio.Event) -> None:
    """The police learn each saga's kind as soon as its citizen knows the dossier code; progress lines."""
    ticks = 0
    while not stop.is_set():
        kind_of.update({s.code: s.kind for s in ledger.sagas if s.code})
        await asyncio.sleep(0.5)
        ticks += 1
        if ticks % 30 == 0:
            _progress(ledger, police)


async def _timed(what: str, work: Awaitable[None]) -> None:
    await work
    say(f"{what}: done")


async def _storm(stack: Stack, ledger: Ledger, web: Web, faults: Faults) -> dict[str, Any]:
    assert stack.keys is not None
    procs = await publish_all(web, stack, await signed(stack.keys, role="operator", sub="fs-operator"))
    kind_of: dict[str, str] = {}
    police = Police(web, stack.bootstrap, [i.url for i in stack.of("dossier")], stack.keys, stack.run)
    stop = asyncio.Event()
    seconds, t0 = planned_seconds(stack.sizes), time.time()
    shots = asyncio.create_task(screens.keep_shooting(stack, t0, stop))
    helpers = [
        asyncio.create_task(police.keep_running(procs[0], kind_of.get, stop)),
        asyncio.create_task(_watch(ledger, police, kind_of, stop)),
    ]
    await asyncio.gather(
        _load(stack, ledger, web, procs, seconds), faults.run_infra(), faults.run_services(seconds)
    )
    load_end = time.time()
    say(f"load and faults done ({load_end - t0:.0f} s); draining")
    abandoned = abandoned_groups(stack, faults.killed_pids)
    settled_s, left = await settle(stack, ledger, abandoned, stack.sizes.drain_timeout_s)
    stop.set()
    await asyncio.gather(*helpers)
    screenshots = await shots
    ledger.retries.update({f"police {k}": v for k, v in police.errors.items()})
    ledger.retries.update({f"citizens {k}": v for k, v in web.failures.items()})
    return {
        "t0": t0, "load_s": round(load_end - t0, 1), "settled_after_load_s": settled_s, "pending": left,
        "abandoned": abandoned, "screenshots": screenshots,
    }  # fmt: skip


async def _held(stack: Stack, ledger: Ledger) -> dict[str, Any]:
    """The load held, on the drained stack (after the invariants: its reports are not the ledger's)."""
    assert stack.keys is not None
    sz = stack.sizes
    say(f"load held: {sz.senders} ingest senders, then {sz.readers} /track readers, {sz.hold_s:.0f} s each")
    ingest = await held.intake(stack, stack.keys, senders=sz.senders, batch=sz.batch, seconds=sz.hold_s)
    codes = [d.code for d in ledger.dossiers if any(s.expect == "applied" for s in d.items)]
    track = await held.readers(stack, codes, readers=sz.readers, seconds=sz.hold_s)
    return {"intake": ingest, "track": track}


def write(result: dict[str, Any], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(result | {"at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}, indent=2, default=str)
        + "\n"
    )
    say(f"wrote {out}")


async def run_storm(sizes: Sizes | None = None, out: Path | None = None) -> dict[str, Any]:
    sizes = sizes or Sizes.from_env()
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # brokers come and go: that is the point
    # restarts wait in threads (a service's readiness, a broker's): never queue a fault behind them
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(32, thread_name_prefix="faults"))
    t_wall, stack, web, load_before = time.monotonic(), Stack(sizes), Web(), os.getloadavg()
    try:
        ledger = make_ledger(sizes, stack.run)
        make_sagas(ledger, sizes.sagas, stack.run)
        say(f"ledger: {len(ledger.events())} status events, {len(ledger.sagas)} sagas; starting the stack")
        await stack.start()
        say(f"stack up {stack.setup_s}; storm planned {planned_seconds(sizes):.0f} s")
        faults = Faults(stack)
        storm = await _storm(stack, ledger, web, faults)
        say(f"settled {storm['settled_after_load_s']} s after the load; checking")
        checked = await verdict.check(stack, ledger, faults, storm)
        checked["held"] = await _held(stack, ledger)
        result = verdict.summary(sizes, stack, ledger, faults, storm, checked)
        result["wall_s"] = round(time.monotonic() - t_wall, 1)
        cpu = os.times()
        result["machine"] = {
            "cores": os.cpu_count(), "load_average_before": load_before, "load_average_after": os.getloadavg(),
            "harness_cpu_s": round(cpu.user + cpu.system, 1),
        }  # fmt: skip
        result["logs"] = str(stack.workdir)
        report.print_table(result)
        if out is not None:
            write(result, out)
        if os.environ.get("FAULTS_KEEP"):  # to look around: the stack stays up until Ctrl-C
            say(
                f"kept: PostgreSQL {stack.pg.admin_url if stack.pg else '-'}, Kafka {stack.bootstrap}; Ctrl-C ends"
            )
            await asyncio.Event().wait()
        return result
    finally:
        await web.close()
        await asyncio.to_thread(stack.stop)
