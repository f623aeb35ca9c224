"""Both development brokers in one run: Apache Kafka (kind ``kafka``) then Tansu (kind ``tansu``), each started
on a free port. On each: the raw aiokafka produce/consume rates (bench/outbox_relay.py's code) with the CPU per
message of the client (this process) and of the broker process, then the status-sync and saga-vehicle
scenarios (bench/status_sync.py, bench/saga_vehicle.py) on that same broker. Prints and writes, per broker:
raw rates, scenario throughput, CPU per event, and the ratios scenario / raw rate measured in the same run —
the figures to compare on a shared, noisy machine — plus kafka/tansu for each figure.

Sizes (environment; the defaults are small, the whole run takes ~5 min on 2 cores):
BENCH_BROKERS_KINDS (default "kafka tansu"), BENCH_BROKERS_RAW_N (raw messages, default 100000),
BENCH_BROKERS_SYNC_EVENTS (status events for the throughput run, default 50000), BENCH_BROKERS_SYNC_RATE
(their target rate, default 20000/s), BENCH_BROKERS_SYNC_LATENCY_EVENTS and BENCH_BROKERS_SYNC_LATENCY_RATE
(the latency run, default 5000 events at 1000/s; 0 events skips it), BENCH_SYNC_INSTANCES (dossier processes,
default 2), BENCH_BROKERS_SAGAS (default 200), BENCH_BROKERS_SAGA_CONCURRENCY (default 20). The large-table
query test of status-sync does not depend on the broker and is skipped here.

Full size (the sizes of the single-broker scenarios; roughly 10-15 min on 2 cores, not measured here):

    BENCH_BROKERS_RAW_N=200000 BENCH_BROKERS_SYNC_EVENTS=200000 BENCH_BROKERS_SYNC_LATENCY_EVENTS=100000 \\
    BENCH_BROKERS_SYNC_LATENCY_RATE=5000 BENCH_BROKERS_SAGAS=300 .venv/bin/python -m bench brokers
"""

from __future__ import annotations

import os
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import saga_vehicle, status_sync
from bench.outbox_relay import raw_consume, raw_produce
from dvckit.devbroker import DevBroker, ensure_topics

KINDS = os.environ.get("BENCH_BROKERS_KINDS", "kafka tansu").split()
RAW_N = int(os.environ.get("BENCH_BROKERS_RAW_N", "100000"))
SYNC_EVENTS = int(os.environ.get("BENCH_BROKERS_SYNC_EVENTS", "50000"))
SYNC_RATE = int(os.environ.get("BENCH_BROKERS_SYNC_RATE", "20000"))
SYNC_LATENCY_EVENTS = int(os.environ.get("BENCH_BROKERS_SYNC_LATENCY_EVENTS", "5000"))
SYNC_LATENCY_RATE = int(os.environ.get("BENCH_BROKERS_SYNC_LATENCY_RATE", "1000"))
SAGAS = int(os.environ.get("BENCH_BROKERS_SAGAS", "200"))
SAGA_CONCURRENCY = int(os.environ.get("BENCH_BROKERS_SAGA_CONCURRENCY", "20"))
console = Console(width=max(Console().width, 130))  # the summary table's figure names stay readable


def _cpu(pid: int | None) -> tuple[float, float]:
    """CPU seconds (user + system) so far of this process and of ``pid`` (the broker; 0 if unknown)."""
    t = os.times()
    broker = 0.0
    if pid is not None:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        broker = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return t.user + t.system, broker


async def _raw(broker: DevBroker, n: int) -> dict[str, Any]:
    """Raw produce then consume of n messages, with the CPU µs per message of client and broker."""
    topic = f"bench-raw-{uuid.uuid4().hex[:6]}"
    await ensure_topics(broker.bootstrap, [(topic, 12)])
    # Warm-up: a fresh topic on Apache Kafka answers NotLeaderForPartition for a moment (aiokafka retries,
    # which would count in the rate); the consume below reads these first, same size as the rest.
    await raw_produce(broker.bootstrap, topic, 2000)
    out: dict[str, Any] = {"messages": n}
    for name, step in (("produce", raw_produce), ("consume", raw_consume)):
        c0 = _cpu(broker.pid)
        rate = await step(broker.bootstrap, topic, n)
        c1 = _cpu(broker.pid)
        out[f"{name}_per_s"] = round(rate)
        out[f"{name}_client_cpu_us_per_msg"] = round((c1[0] - c0[0]) / n * 1e6, 1)
        out[f"{name}_broker_cpu_us_per_msg"] = round((c1[1] - c0[1]) / n * 1e6, 1)
    return out


async def _one(broker: DevBroker) -> dict[str, Any]:
    """Raw rates, status-sync and saga-vehicle on one running broker; a failed part is reported, not fatal."""
    out: dict[str, Any] = {
        "describe": broker.describe(),
        "start_seconds": round(broker.start_seconds or 0, 1),
    }
    parts: tuple[tuple[str, Callable[[], Awaitable[dict[str, Any]]]], ...] = (
        ("raw", lambda: _raw(broker, RAW_N)),
        (
            "status_sync",
            lambda: status_sync.run(
                broker,
                events=SYNC_EVENTS,
                rate=SYNC_RATE,
                latency_rate=SYNC_LATENCY_RATE,
                latency_events=SYNC_LATENCY_EVENTS,
                dossiers=0,
                raw_n=0,
            ),
        ),
        ("saga_vehicle", lambda: saga_vehicle.run(broker, n=SAGAS, concurrency=SAGA_CONCURRENCY)),
    )
    for name, part in parts:
        console.rule(f"{broker.kind}: {name}")
        t0 = time.perf_counter()
        try:
            out[name] = await part()
        except Exception as exc:
            traceback.print_exc()
            out[name] = {"error": f"{type(exc).__name__}: {exc}"[:500]}
        out[name]["wall_seconds"] = round(time.perf_counter() - t0, 1)
    return out


def _ratio(a: Any, b: Any, digits: int = 4) -> float | None:
    if not isinstance(a, int | float) or not isinstance(b, int | float) or not b:
        return None
    return round(a / b, digits)


def _summary(r: dict[str, Any]) -> dict[str, Any]:
    """The comparable figures of one broker: rates, CPU per unit of work, scenario / raw ratios."""
    raw, sync, saga = r.get("raw", {}), r.get("status_sync", {}), r.get("saga_vehicle", {})
    tp = sync.get("throughput_run", {})
    lat: dict[str, Any] = next((v for k, v in sync.items() if k.startswith("latency_run")), {})
    produce, consume = raw.get("produce_per_s"), raw.get("consume_per_s")
    broker_cpu_saga = saga.get("cpu_ms_per_saga_total_sys", {}).get("broker")
    return {
        "raw_produce_per_s": produce,
        "raw_consume_per_s": consume,
        "raw_produce_cpu_us_per_msg_client_broker": (
            raw.get("produce_client_cpu_us_per_msg"),
            raw.get("produce_broker_cpu_us_per_msg"),
        ),
        "raw_consume_cpu_us_per_msg_client_broker": (
            raw.get("consume_client_cpu_us_per_msg"),
            raw.get("consume_broker_cpu_us_per_msg"),
        ),
        "sync_applied_per_s": tp.get("applied_per_s"),
        "sync_applied_of_produced": f"{tp.get('applied')}/{tp.get('unique_events')}",
        "sync_produce_per_s": tp.get("produce_rate"),
        "sync_p50_p99_ms_at_throughput": (tp.get("p50_ms"), tp.get("p99_ms")),
        f"sync_p50_p99_ms_at_{SYNC_LATENCY_RATE}_per_s": (lat.get("p50_ms"), lat.get("p99_ms")),
        "sync_cpu_us_per_event_dossier": tp.get("dossier_cpu_us_per_event"),
        "sync_cpu_us_per_event_broker": tp.get("broker_cpu_us_per_event"),
        "sync_cpu_us_per_event_bench": tp.get("bench_cpu_us_per_event"),
        "sync_applied_over_raw_consume": _ratio(tp.get("applied_per_s"), consume),
        "sync_produce_over_raw_produce": _ratio(tp.get("produce_rate"), produce),
        "saga_per_s": saga.get("sagas_per_s"),
        "saga_completed": f"{saga.get('completed')}/{saga.get('sagas')}",
        "saga_p50_p99_ms": (saga.get("p50_ms"), saga.get("p99_ms")),
        "saga_cpu_ms_per_saga_all_processes": saga.get("cpu_ms_per_saga_all_processes"),
        "saga_cpu_ms_per_saga_broker_total_sys": broker_cpu_saga,
        "saga_per_1000_raw_produce": _ratio(saga.get("sagas_per_s"), (produce or 0) / 1000),
    }


async def run() -> dict[str, Any]:
    saved = os.environ.get("KAFKA_IDEMPOTENCE")
    results: dict[str, Any] = {}
    try:
        for kind in KINDS:
            # DevBroker.start() sets KAFKA_IDEMPOTENCE=false for Tansu (no InitProducerId), and the services
            # inherit os.environ: Apache Kafka gets the default back.
            if kind == "kafka":
                os.environ["KAFKA_IDEMPOTENCE"] = "true"
            console.rule(f"broker {kind}")
            try:
                with DevBroker(kind=kind) as broker:
                    console.print(broker.describe())
                    results[kind] = await _one(broker)
            except Exception as exc:  # the broker did not start: say so, go on with the next
                traceback.print_exc()
                results[kind] = {"error": f"{type(exc).__name__}: {exc}"[:500]}
    finally:
        if saved is None:
            os.environ.pop("KAFKA_IDEMPOTENCE", None)
        else:
            os.environ["KAFKA_IDEMPOTENCE"] = saved

    summary = {kind: _summary(r) for kind, r in results.items()}
    table = Table(title=f"brokers in one run ({os.cpu_count()} cores; ratios vs the same run's raw rates)")
    table.add_column("figure")
    for kind in summary:
        table.add_column(kind, justify="right")
    both = "kafka" in summary and "tansu" in summary
    if both:
        table.add_column("kafka/tansu", justify="right")
    figures = list(next(iter(summary.values()), {}))
    for fig in figures:
        row = [str(summary[k].get(fig)) for k in summary]
        if both:
            ratio = _ratio(summary["kafka"].get(fig), summary["tansu"].get(fig), 2)
            row.append("" if ratio is None else str(ratio))
        table.add_row(fig, *row)
    console.print(table)
    sizes = {
        "raw_n": RAW_N,
        "sync_events": SYNC_EVENTS,
        "sync_rate": SYNC_RATE,
        "sync_latency_events": SYNC_LATENCY_EVENTS,
        "sync_latency_rate": SYNC_LATENCY_RATE,
        "sync_instances": status_sync.INSTANCES,
        "sagas": SAGAS,
        "saga_concurrency": SAGA_CONCURRENCY,
    }
    return {"sizes": sizes, "summary": summary, "brokers": results}
