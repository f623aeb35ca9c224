"""Issue 16's "no slower", measured in one run: status-sync CPU per event (the dossier processes) and saga CPU
per saga (dossier, payment and notify) with the services of two trees on one broker and one PostgreSQL —
**before** (``BENCH_BEFORE_REV``, default f9fe6f0: the last commit before typed subscriptions and the unit of
work's after_commit) and **after** (this tree). The harness is this tree's; each side's service processes
import that side's sources (PYTHONPATH of a ``git worktree`` of the revision, removed afterwards).

Status sync: a dossier process of each tree applies the same backlog at the same time
(``bench/status_side_by_side.py``); the figure is the ratio of their CPU per event over one window, so the
machine's swings cancel out (alternating runs of one tree differed by ±25 % on this shared machine). Sagas
cannot share a broker side by side (both payment services would take every request): they alternate,
``BENCH_ROUNDS`` rounds (default 2), each once the machine has settled after the last (``wait_quiet``),
and the medians are compared.

Figures (2026-12-05, 2 cores, machine otherwise idle, ``BENCH_ROUNDS=8``, default sizes):
status sync after / before in the same window, per round 1.166, 1.068, 0.974, 0.977, 0.967, 1.031, 0.927,
1.088 — **median 1.004** (117.6 → 117.8 µs/event; a 6-round run before it: median 0.985); saga CPU of dossier +
payment + notify **79.5 → 74.7 ms/saga (−6.0 %)**. No growth. Status sync does not shrink measurably: the
payload was parsed once before too, and a round's spread (±8 %) is larger than what typed delivery saves.

Sizes: BENCH_BA_EVENTS (status events per round, default 40000), BENCH_BA_SAGAS (default 150).
On demand: ``make bench SCENARIOS=typed-before-after`` (it needs the repository's history)."""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import saga_vehicle, status_side_by_side
from bench.machine import wait_quiet
from dvckit.devbroker import DevBroker
from dvckit.testing import provision_postgres

BEFORE = os.environ.get("BENCH_BEFORE_REV", "f9fe6f0")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
EVENTS = int(os.environ.get("BENCH_BA_EVENTS", "40000"))
SAGAS = int(os.environ.get("BENCH_BA_SAGAS", "150"))
SERVICES = ("catalog", "dossier", "feedback", "notify", "payment", "portal", "reporting")
console = Console()


def source_path(tree: Path) -> str:
    """PYTHONPATH that makes a process import ``tree``'s contracts, kit and services first."""
    parts = [tree / "contracts/src", tree / "libs/dvckit/src"]
    parts += [tree / f"services/{s}/src" for s in SERVICES if (tree / f"services/{s}/src").is_dir()]
    return os.pathsep.join(str(p) for p in parts)


@contextlib.contextmanager
def worktree(rev: str) -> Iterator[Path]:
    """A detached checkout of ``rev`` beside the repository, removed afterwards."""
    where = Path(tempfile.mkdtemp(prefix="dvc-bench-before-")) / "tree"
    subprocess.run(["git", "worktree", "add", "--detach", str(where), rev], check=True, capture_output=True)
    try:
        yield where
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(where)], check=False, capture_output=True)


@contextlib.contextmanager
def services_from(path: str | None) -> Iterator[None]:
    """Service processes started inside import ``path`` first (None: this tree, as installed)."""
    old = os.environ.get("PYTHONPATH")
    if path is not None:
        os.environ["PYTHONPATH"] = path
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = old


async def saga_round(broker: DevBroker, path: str | None) -> float:
    """CPU per saga of dossier + payment + notify, the services of ``path``'s tree (None: this one)."""
    with services_from(path):
        wait_quiet()
        saga = await saga_vehicle.run(broker, n=SAGAS)
    per_service = saga["cpu_ms_per_saga_total_sys"]
    return round(sum(float(per_service[s].split()[0]) for s in ("dossier", "payment", "notify")), 1)


async def status_sync_rounds(broker: DevBroker, old: str) -> list[dict[str, float]]:
    console.print(f"status sync: both trees side by side, {ROUNDS} rounds of {EVENTS} events")
    pg = provision_postgres()
    try:
        return await status_side_by_side.run(broker, pg, {"before": old, "after": None}, ROUNDS, EVENTS)
    finally:
        await pg.drop_created()


def _change(before: float, after: float) -> str:
    return f"{(after - before) / before * 100:+.1f} %" if before else "-"


async def run() -> dict[str, Any]:
    sagas: dict[str, list[float]] = {"before": [], "after": []}
    with worktree(BEFORE) as tree, DevBroker() as broker:
        old = source_path(tree)
        sync = await status_sync_rounds(broker, old)
        for k in range(ROUNDS):
            for side in ("before", "after") if k % 2 == 0 else ("after", "before"):
                console.print(f"sagas, round {k + 1}/{ROUNDS}: {side}")
                sagas[side].append(await saga_round(broker, old if side == "before" else None))
    rounds = {
        side: [
            {
                "status_sync_dossier_cpu_us_per_event": sync[k][f"{side}_cpu_us_per_event"],
                "saga_services_cpu_ms_per_saga": sagas[side][k],
            }
            for k in range(ROUNDS)
        ]
        for side in sagas
    }
    paired = statistics.median(r["after_cpu_us_per_event"] / r["before_cpu_us_per_event"] for r in sync)
    console.print(f"status sync, after / before in the same window: median of {ROUNDS} rounds {paired:.3f}")
    figures = list(rounds["before"][0])
    medians = {side: {f: statistics.median(r[f] for r in rounds[side]) for f in figures} for side in rounds}
    table = Table(title=f"typed subscriptions: before ({BEFORE}) and after, {os.cpu_count()} cores")
    for col in ("figure (median)", "before", "after", "change"):
        table.add_column(col, justify="left" if col.startswith("figure") else "right")
    for f in figures:
        b, a = medians["before"][f], medians["after"][f]
        table.add_row(f, f"{b:g}", f"{a:g}", _change(b, a))
    console.print(table)
    return {
        "before_rev": BEFORE,
        "rounds": rounds,
        "median": medians,
        "change": {f: _change(medians["before"][f], medians["after"][f]) for f in figures},
        "status_sync_side_by_side": sync,
        "status_sync_after_over_before_median": round(paired, 3),
        "sizes": {"status_events_per_round": EVENTS, "sagas_per_round": SAGAS, "rounds": ROUNDS},
    }
