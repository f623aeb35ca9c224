"""The storm's result: one JSON document (every lost / duplicate count a number) and a table on stdout."""

from __future__ import annotations

import statistics
from typing import Any

from rich.console import Console
from rich.table import Table

from .checks_status import fetch
from .faults import Faults
from .ledger import Ledger


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000, 1)


def split_latency(
    ledger: Ledger, lat_by_id: dict[str, float], windows: list[tuple[float, float]]
) -> dict[str, Any]:
    """p50/p99 (ms) of report → applied, for reports first sent outside every fault window vs during one."""
    inside: list[float] = []
    outside: list[float] = []
    for s in ledger.events():
        if (lat := lat_by_id.get(s.stored_id)) is None or not s.first_sent:
            continue
        hit = any(w_start <= s.first_sent <= w_end for w_start, w_end in windows)
        (inside if hit else outside).append(lat)
    return {
        "p50_outside_ms": pct(outside, 0.5), "p99_outside_ms": pct(outside, 0.99), "n_outside": len(outside),
        "p50_inside_ms": pct(inside, 0.5), "p99_inside_ms": pct(inside, 0.99), "n_inside": len(inside),
    }  # fmt: skip


async def outage_drain(ledger: Ledger, dossier_db: str, run: str, faults: Faults) -> dict[str, Any]:
    """The reports sent while the whole cluster was down, and how long after it came back the last was applied."""
    f = faults.outage()
    if f is None:
        return {}
    during = {
        s.stored_id for s in ledger.events() if f.start <= s.first_sent <= f.end and s.expect != "rejected"
    }
    rows = await fetch(
        dossier_db, "SELECT event_id, recorded_at FROM dossier_history WHERE kind = 'status' AND dossier_code LIKE $1",
        f"%-FS{run}-%",
    )  # fmt: skip
    done = [r["recorded_at"].timestamp() for r in rows if r["event_id"] in during]
    return {
        "sagas_submitted_during_outage": sum(1 for s in ledger.sagas if f.start <= s.submitted_at <= f.end),
        "payments_clicked_during_outage": sum(1 for s in ledger.sagas if f.start <= s.paid_at <= f.end),
        "outage_s": round(f.end - f.start, 1),
        "reports_sent_during_outage": len(during),
        "applied_of_them": len(done),
        "time_to_drain_outage_backlog_s": round(max(done) - f.end, 1) if done else None,
    }


def print_table(result: dict[str, Any]) -> None:
    t = Table(title=f"make faults — fault storm ({result['machine_cores']} cores)")
    t.add_column("figure")
    t.add_column("value", justify="right")
    rows = [
        ("faults injected", ", ".join(f"{k} {v}" for k, v in result["faults_injected"].items())),
        ("network cut", result["network_cut"]),
        ("status events sent (unique / with retries+duplicates)", f"{result['events']['unique']} / {result['events']['sends']}"),
        ("lost", result["lost"]),
        ("duplicated (applied twice)", result["duplicated"]),
        ("invariant failures (all counts)", result["invariant_failures"]),
        ("sagas (kind -> state)", ", ".join(f"{k} {v}" for k, v in result["sagas"].items())),
        ("on-time payers: tightest click before the deadline, longest wait for the pay page (s)",
         f"{result['pay_timing']['on_time_click_margin_min_s']} / {result['pay_timing']['submit_to_intent_max_s']}"),
        ("time to drain the outage backlog (s)", result["drain"].get("time_to_drain_outage_backlog_s")),
        ("everything settled after the load (s)", result["drain"]["settled_after_load_s"]),
        ("p99 status latency outside fault windows (ms)", result["latency"]["p99_outside_ms"]),
        ("p99 status latency inside fault windows (ms)", result["latency"]["p99_inside_ms"]),
        ("held: ingest accepted/s, applied/s in window, 429s, drain after (s)", _intake(result["held"]["intake"])),
        ("held: /track readers, req/s, p50/p99 (ms), errors", _track(result["held"]["track"])),
        ("wall time (s)", result["wall_s"]),
    ]  # fmt: skip
    for k, v in rows:
        t.add_row(k, str(v))
    Console().print(t)
    bad = {k: v for k, v in result["invariants"].items() if v}
    Console().print(f"invariant counts not 0: {bad or 'none'}")


def _intake(h: dict[str, Any]) -> str:
    return (
        f"{h['senders']} senders: {h['accepted_per_s']} / {h['applied_per_s_in_window']}, "
        f"{h['refused_429']}, {h['drain_s_after_window']}"
    )


def _track(h: dict[str, Any]) -> str:
    return (
        f"{h['readers']}: {h['per_s']}, {h['p50_ms']}/{h['p99_ms']} (server ≤{h['server_p50_le_ms']}/"
        f"≤{h['server_p99_le_ms']}), {h['errors']} {h['errors_by_kind'] or ''}"
    )


def median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None
