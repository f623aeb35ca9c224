"""Load held (issue 14), measured on the storm's own stack once it has drained, so every run re-measures it:

- **intake**: ``senders`` agency systems (HTTP ingest, their own tokens) post batches of ``batch`` new reports
  to ``POST /agency/status-events`` for ``hold_s`` seconds, honouring 429 + Retry-After; accepted/s and
  applied/s during the window, the 429s, and how long the backlog took to drain after it;
- **readers**: ``readers`` concurrent public readers of ``GET /track/{code}`` for ``hold_s`` seconds; p50/p99
  and every error by kind — an answer ≥ 500, the server closing a connection (``server_closed``), the client
  timing out (``client_timeout``) or never connecting (``connect``) — so a drop says whose it was."""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from dvc_contracts.envelope import new_id
from dvckit.auth.jwt import DevKeys, issue_token

from .checks_status import fetch
from .plan import HTTP_AGENCIES, PROVINCES, procedures
from .report import pct
from .stack import Stack


def _senders(n: int) -> list[tuple[str, str]]:
    """(agency, province) pairs: each is its own agency system with its own token (and its own 429s)."""
    return list(itertools.islice(itertools.product(HTTP_AGENCIES, PROVINCES), n))


def _report(agency: str, province: str, code: str, procedure: str, now: str) -> dict[str, Any]:
    data = {
        "dossier_code": code, "procedure_code": procedure, "agency_code": agency, "province_code": province,
        "sequence": 0, "status": "received", "occurred_at": now,
    }  # fmt: skip
    return {
        "specversion": "1.0", "id": new_id(), "source": f"/agency/{agency}", "type": "agency-status-reported",
        "subject": code, "time": now, "datacontenttype": "application/json", "data": data,
    }  # fmt: skip


def _batch(agency: str, province: str, run: str, procedure: str, start: int, n: int) -> list[dict[str, Any]]:
    """``n`` new dossiers' first report each: every one applies once."""
    now = datetime.now(UTC).isoformat()
    return [
        _report(agency, province, f"{province}-FH{run}-{agency}-{i:07d}", procedure, now)
        for i in range(start, start + n)
    ]


async def _applied(stack: Stack, run: str) -> int:
    rows = await fetch(
        stack.dbs["dossier"], "SELECT count(*) AS n FROM dossiers WHERE code LIKE $1", f"%-FH{run}-%"
    )
    return int(rows[0]["n"])


async def intake(stack: Stack, keys: DevKeys, *, senders: int, batch: int, seconds: float) -> dict[str, Any]:
    urls = [i.url for i in stack.of("dossier")]
    procedure = procedures(stack.run)[0]
    stats: Counter[str] = Counter()
    stop = time.monotonic() + seconds

    async def sender(http: httpx.AsyncClient, agency: str, province: str, k: int) -> None:
        sub = f"fh-{agency}-{province}"
        token = await asyncio.to_thread(
            issue_token, keys, role="agency", sub=sub, agency=agency, province=province
        )
        headers = {"authorization": f"Bearer {token}"}
        n = 0
        while time.monotonic() < stop:
            body = _batch(agency, province, stack.run, procedure, n, batch)
            try:
                r = await http.post(f"{urls[k % len(urls)]}/agency/status-events", json=body, headers=headers)
            except httpx.HTTPError as exc:
                stats[f"error {type(exc).__name__}"] += 1
                continue
            if r.status_code == 202:
                stats["accepted"] += r.json()["accepted"]
                stats["refused"] += r.json()["rejected"]
                n += batch
            elif r.status_code == 429:
                stats["429"] += 1
                await asyncio.sleep(
                    min(float(r.headers.get("retry-after", "1")), max(0.0, stop - time.monotonic()))
                )
            else:
                stats[f"http {r.status_code}"] += 1

    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=senders + 4)) as http:
        t0 = time.monotonic()
        await asyncio.gather(*(sender(http, a, p, k) for k, (a, p) in enumerate(_senders(senders))))
        window = time.monotonic() - t0
    in_window = await _applied(stack, stack.run)
    deadline = time.monotonic() + max(120.0, 20 * seconds)
    while (done := await _applied(stack, stack.run)) < stats["accepted"] and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    drain = time.monotonic() - t0 - window
    accepted = stats.pop("accepted", 0)
    return {
        "senders": senders, "batch": batch, "window_s": round(window, 1), "accepted": accepted,
        "accepted_per_s": round(accepted / window), "applied_in_window": in_window,
        "applied_per_s_in_window": round(in_window / window), "refused_429": stats.pop("429", 0),
        "drain_s_after_window": round(drain, 1), "not_applied_at_end": accepted - done,
        "other": dict(stats),
    }  # fmt: skip


TRACK = ("GET", "/track/{code}")


async def _server_buckets(http: httpx.AsyncClient, urls: list[str]) -> Counter[float]:
    """The dossier instances' own histogram of /track/{code} (cumulative bucket counts, summed)."""
    out: Counter[float] = Counter()  # bucket upper bound (s) -> requests
    for url in urls:
        text = (await http.get(f"{url}/metrics")).text
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                labels = sample.labels
                if sample.name.endswith("_bucket") and (labels.get("method"), labels.get("route")) == TRACK:
                    if family.name == "dvc_http_request_duration_seconds":
                        out[float(labels["le"])] += int(sample.value)
    return out


def _bucket_quantile(before: Counter[float], after: Counter[float], q: float) -> float | None:
    """The upper bound (ms) of the bucket holding quantile ``q`` of what the server timed in between."""
    delta = {le: after[le] - before[le] for le in sorted(after)}
    total = delta.get(float("inf"), 0)
    if not total:
        return None
    le = next(le for le, n in delta.items() if n >= q * total)
    return None if le == float("inf") else le * 1000


async def readers(stack: Stack, codes: list[str], *, readers: int, seconds: float) -> dict[str, Any]:
    """Client-side latency and errors, and the servers' own timing of the same requests: a gap between them
    is time spent outside the route (the client, the accept queue, the event loop)."""
    urls = [i.url for i in stack.of("dossier")]
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    stop = time.monotonic() + seconds
    rng = random.Random(14)

    async def get(http: httpx.AsyncClient, url: str) -> httpx.Response:
        """A GET whose kept-alive connection the server closed before answering is sent once more on a new
        one, as browsers do (RFC 9112 §9.3.1: idempotent); counted apart — a second close is an error."""
        try:
            return await http.get(url)
        except (httpx.RemoteProtocolError, httpx.ReadError):
            errors_retried["closed_before_answer_then_retried"] += 1
            return await http.get(url)

    errors_retried: Counter[str] = Counter()

    async def reader(http: httpx.AsyncClient, k: int) -> None:
        while time.monotonic() < stop:
            t = time.monotonic()
            try:
                r = await get(http, f"{urls[k % len(urls)]}/track/{rng.choice(codes)}")
            except httpx.TimeoutException:
                errors["client_timeout"] += 1
                continue
            except httpx.ConnectError:
                errors["connect"] += 1
                continue
            except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
                errors[f"server_closed {type(exc).__name__}"] += 1
                continue
            if r.status_code != 200:
                errors[f"http {r.status_code}"] += 1
            else:
                latencies.append(time.monotonic() - t)

    # an idle connection is let go after 2 s, before uvicorn closes it (5 s): with both at 5 s (httpx's default)
    # a reader stalled on a loaded machine sent its next request on a connection the server was closing, and
    # counted the keep-alive race as a server drop (3 of ~1,000 at 256 readers in the first full run; 1 in the
    # second, with 2 s: the saturated client stalls between taking a connection and writing on it)
    limits = httpx.Limits(max_connections=readers, max_keepalive_connections=readers, keepalive_expiry=2.0)
    async with httpx.AsyncClient(timeout=30, limits=limits) as http:
        before = await _server_buckets(http, urls)
        t0 = time.monotonic()
        await asyncio.gather(*(reader(http, k) for k in range(readers)))
        window = time.monotonic() - t0
        after = await _server_buckets(http, urls)
    return {
        "readers": readers, "window_s": round(window, 1), "requests": len(latencies) + sum(errors.values()),
        "per_s": round(len(latencies) / window), "p50_ms": pct(latencies, 0.5), "p99_ms": pct(latencies, 0.99),
        "errors": sum(errors.values()), "errors_by_kind": dict(errors), "retried": dict(errors_retried),
        "server_timed": int(after[float("inf")] - before[float("inf")]),
        "server_p50_le_ms": _bucket_quantile(before, after, 0.5),
        "server_p99_le_ms": _bucket_quantile(before, after, 0.99),
    }  # fmt: skip
