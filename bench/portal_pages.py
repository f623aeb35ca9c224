"""Portal pages: the issue's performance budget, measured — server time p95 < 50 ms per page with 1M dossiers
loaded, page weight < 200 KB without cache.

1. Load. The dossier service's database gets N dossiers (BENCH_PORTAL_DOSSIERS, default 1,000,000; e.g. 20000 for
   a quick run) generated inside PostgreSQL (generate_series, seeded random(): the same rows every run; secondary
   indexes dropped first and rebuilt from their own definitions after, then VACUUM ANALYZE), in the shape the
   service writes: three history rows each (submitted, received, processing); one citizen (the bench's) owns
   BENCH_PORTAL_MINE of them (default 40), each in a licence-renewal saga waiting for payment with its saga and
   shared-data rows (what the dossier page shows); the rest belong to N/4 other citizens. The catalog is the seed
   catalog plus generated procedures up to 3,000 (``python -m dvc_catalog.seed --generate``).
2. Serve. catalog, dossier, notify (a dossier page lists the SMS about it) and the portal run as processes
   (uvicorn, PostgreSQL, a development broker), as under ``make run``; the bench signs in with the portal's
   development sign-in (the citizen owning the 40).
3. Measure, per page, BENCH_PORTAL_REPEAT sequential requests (default 300) after 20 of warm-up: the portal's
   own server time from its ``Server-Timing`` header (``app;dur``: the whole handling, waiting for the other
   services included; ``upstream;dur``: that waiting), and the client's time (request to last byte) —
   p50/p95/p99. Pages: home, search (a rotation of what people type), procedure (a rotation of codes), public
   tracking (a random code among the N), my dossiers, a dossier page (a rotation of the citizen's).
4. Weigh, per page, without cache: the HTML and every asset it references (stylesheets, scripts, images, icons,
   and the ``url()``s of the stylesheets), fetched once each by a fresh client: bytes transferred, against
   200 KB (204,800 bytes); and, where Debian's Chromium is installed, the same page loaded by a fresh headless
   browser (empty cache) weighed by the browser's own Resource Timing (bench/portal_weight.py).
   BENCH_PORTAL_SCREENSHOT=<path.png> also saves a phone-sized screenshot of a dossier page (the README's).

Prints a table and returns the figures (``python -m bench portal-pages`` writes bench/results/portal-pages.json).
Part of a plain ``make bench`` (``make bench SCENARIOS=portal-pages`` alone). First full run, 2026-12-05, 2 cores:
1,000,000 dossiers (3,000,120 history rows) loaded in 17.5 s; server p95 home 2.7, search 36.0 (catalog 32.6 of
it), procedure 7.4, tracking 8.5, my dossiers 11.9, dossier page 17.3 ms (with its SMS from notify); 15–38 KB a
page, in Chromium too.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from rich.console import Console
from rich.table import Table

from bench import portal_weight
from bench.portal_weight import weight
from dvc_contracts.topics import ALL_TOPICS, partitions_for
from dvckit.auth.jwt import load_or_create_dev_keys
from dvckit.devbroker import DevBroker, ensure_topics
from dvckit.testing import ServiceProcess, eventually, free_port, migrated_database, provision_postgres

N = int(os.environ.get("BENCH_PORTAL_DOSSIERS", "1000000"))
MINE = int(os.environ.get("BENCH_PORTAL_MINE", "40"))
REPEAT = int(os.environ.get("BENCH_PORTAL_REPEAT", "300"))
CATALOG_SIZE = int(os.environ.get("BENCH_PORTAL_PROCEDURES", "3000"))
BUDGET_MS = 50.0
BUDGET_BYTES = 200 * 1024
CITIZEN = {"name": "Nguyễn Văn An", "citizen_id": "001099012345", "phone": "0912345678"}
CHUNK = 250_000
SEARCHES = ["đổi bằng lái", "đăng ký xe", "khai sinh", "phạt nguội", "lý lịch tư pháp", "giấy độc thân"]
LICENCE_NAME = "Đổi giấy phép lái xe do ngành Giao thông vận tải cấp (dịch vụ công mức độ 4)"
PROCEDURES = ["GPLX-DOI-L4", "DKX-OTO", "HT-KHAI-SINH", "HT-XN-HON-NHAN", "LLTP-CAP-PHIEU", "CT-BAN-SAO-DT"]
console = Console()

# Dossier codes: province-yymmdd-<6 hex of the row number> (the service's shape: 01-261205-7KQ2MX).
DOSSIERS_SQL = """
INSERT INTO dossiers (code, procedure_code, procedure_version, procedure_name, agency_code, province_code, sector,
  channel, owner_sub, applicant_name, citizen_phone, fields, fee_vnd, status, sequence, submitted_at, due_date,
  updated_at)
SELECT province || '-' || to_char(at, 'YYMMDD') || '-' || upper(lpad(to_hex(g), 6, '0')), pc, 1,
  CASE WHEN mine THEN $7 ELSE 'Thủ tục ' || pc END, 'SO-GTVT', province, 'DUONG-BO', 'online',
  CASE WHEN mine THEN $4 ELSE 'citizen-' || (g % $5) END, 'Nguyễn Văn A', '+84912345678',
  '{"licence_number": "010203040506", "licence_class": "B2"}', 135000,
  CASE WHEN mine THEN 'processing' ELSE (ARRAY['received', 'processing', 'processing', 'completed'])[1 + floor(r * 4)::int] END,
  3, at, (at + interval '7 days')::date, at + interval '1 day'
FROM (
  SELECT g, g <= $3 AS mine, (ARRAY['01', '79', '31', '48', '92', '24', '75', '11'])[1 + floor(random() * 8)::int] AS province,
    CASE WHEN g <= $3 THEN 'GPLX-DOI-L4'
         ELSE ($6::text[])[1 + floor(random() * array_length($6::text[], 1))::int] END AS pc,
    now() - make_interval(days => floor(random() * 365)::int, mins => floor(random() * 1440)::int) AS at,
    random() AS r
  FROM generate_series($1::int, $2::int) AS g
) x
"""
HISTORY_SQL = """
INSERT INTO dossier_history (dossier_code, sequence, kind, old_status, status, occurred_at, recorded_at, actor,
  applied, note)
SELECT code, s.seq, 'status', s.old, s.st, submitted_at + s.after, submitted_at + s.after,
  CASE WHEN s.seq = 1 THEN 'citizen:' || coalesce(owner_sub, '') ELSE 'agency:SO-GTVT' END, 1, NULL
FROM dossiers d, (VALUES (1, NULL, 'submitted', interval '0'), (2, 'submitted', 'received', interval '2 hours'),
                         (3, 'received', 'processing', interval '1 day')) AS s(seq, old, st, after)
WHERE d.code BETWEEN $1 AND $2
"""
# The bench citizen's dossiers: a licence renewal waiting for payment, with what the saga wrote.
SAGAS_SQL = """
INSERT INTO sagas (dossier_code, flow, state, payment_id, amount_vnd, context, created_at, updated_at)
SELECT code, 'licence-renewal-l4', 'awaiting_payment', 'PAY-' || code, 135000, '{}', submitted_at, submitted_at
FROM dossiers WHERE owner_sub = $1
"""
SAGA_NOTES_SQL = """
INSERT INTO dossier_history (dossier_code, kind, status, occurred_at, recorded_at, actor, applied, note)
SELECT code, n.kind, 'processing', submitted_at + n.after, submitted_at + n.after, 'portal', 1, n.note
FROM dossiers, (VALUES
  ('data_access', interval '1 minute', 'Đã sử dụng dữ liệu giấy khám sức khỏe điện tử (Bộ Y tế) để kiểm tra điều kiện'),
  ('data_access', interval '2 minutes', 'Đã tra cứu quyết định xử phạt giao thông chưa nộp (Bộ Công an): không có'),
  ('saga', interval '3 minutes', 'Chờ nộp lệ phí đổi giấy phép lái xe 135.000 đồng')) AS n(kind, after, note)
WHERE owner_sub = $1
"""


class PortalProcess(ServiceProcess):
    """The portal consumes nothing: ready when its database answers (no /readyz/broker)."""

    def wait_ready(self, timeout: float, **_: Any) -> None:
        super().wait_ready(timeout, broker=False)


async def load(url: str, n: int, owner: str, procedures: list[str]) -> dict[str, Any]:
    """N dossiers, their history, the citizen's sagas: generated in PostgreSQL, indexes rebuilt after."""
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute("SET synchronous_commit = off; SET maintenance_work_mem = '512MB'")
        await conn.execute("SELECT setseed(0.42)")
        indexes = await conn.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('dossiers', 'dossier_history') "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        )
        for ix in indexes:
            await conn.execute(f'DROP INDEX "{ix["indexname"]}"')
        others = max(n // 4, 1)
        for start in range(1, n + 1, CHUNK):
            end = min(start + CHUNK - 1, n)
            await conn.execute(DOSSIERS_SQL, start, end, MINE, owner, others, procedures, LICENCE_NAME)
            console.print(f"  dossiers {end:,}/{n:,}")
        await conn.execute(HISTORY_SQL, "", "~")  # every code sorts between '' and '~'
        await conn.execute(SAGAS_SQL, owner)
        await conn.execute(SAGA_NOTES_SQL, owner)
        for ix in indexes:
            await conn.execute(ix["indexdef"])
        await conn.execute("VACUUM ANALYZE dossiers")
        await conn.execute("VACUUM ANALYZE dossier_history")
        await conn.execute("VACUUM ANALYZE sagas")
        counts = {
            t: int(await conn.fetchval(f"SELECT count(*) FROM {t}")) for t in ("dossiers", "dossier_history")
        }
        mine = [r["code"] for r in await conn.fetch("SELECT code FROM dossiers WHERE owner_sub = $1", owner)]
        sample = [
            r["code"] for r in await conn.fetch("SELECT code FROM dossiers ORDER BY random() LIMIT 2000")
        ]
        return counts | {"mine": mine, "sample": sample}
    finally:
        await conn.close()


def server_times(header: str) -> tuple[float, float]:
    """(app, upstream) milliseconds of a ``Server-Timing: app;dur=…, upstream;dur=…`` header."""
    found = dict(re.findall(r"(\w+);dur=([\d.]+)", header))
    return float(found["app"]), float(found.get("upstream", 0.0))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 2)


async def latencies(client: httpx.AsyncClient, make: Callable[[], str], repeat: int) -> dict[str, float]:
    for _ in range(20):  # warm-up: connection pools, caches, the query plans
        (await client.get(make())).raise_for_status()
    app, upstream, total = [], [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        r = await client.get(make())
        total.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, (r.status_code, r.url, r.text[:300])
        assert 'id="dossier-sms-problem"' not in r.text, f"{r.url}: the page could not list the SMS (notify)"
        a, u = server_times(r.headers["server-timing"])
        app.append(a)
        upstream.append(u)
    return {
        "server_p50_ms": pct(app, 0.5), "server_p95_ms": pct(app, 0.95), "server_p99_ms": pct(app, 0.99),
        "upstream_p95_ms": pct(upstream, 0.95), "own_p95_ms": pct([a - u for a, u in zip(app, upstream, strict=True)], 0.95),
        "client_p50_ms": pct(total, 0.5), "client_p95_ms": pct(total, 0.95),
        "server_mean_ms": round(statistics.fmean(app), 2),
    }  # fmt: skip


async def sign_in(client: httpx.AsyncClient) -> None:
    page = await client.get("/dang-nhap")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf, page.text[:500]
    r = await client.post("/dang-nhap", data={"csrf": csrf.group(1), **CITIZEN, "tiep": "/ho-so"})
    assert r.status_code == 303 and "dvc_portal_session" in client.cookies, (r.status_code, r.text[:300])


async def run() -> dict[str, Any]:
    pg = provision_postgres()
    run_id = uuid.uuid4().hex[:6]
    keys_dir = Path(f"/tmp/dvc-bench-portal-jwt-{run_id}")
    logs = Path(f"/tmp/bench-portal-{run_id}")
    await asyncio.to_thread(load_or_create_dev_keys, keys_dir)
    await asyncio.to_thread(logs.mkdir, parents=True, exist_ok=True)
    result: dict[str, Any] = {"dossiers": N, "mine": MINE, "repeat": REPEAT, "cores": os.cpu_count()}
    result["budget"] = {"server_p95_ms": BUDGET_MS, "page_bytes": BUDGET_BYTES}
    services: list[ServiceProcess] = []
    try:
        urls = {
            s: await migrated_database(pg, f"dvc_{s}") for s in ("catalog", "dossier", "notify", "portal")
        }
        with DevBroker() as broker:
            await ensure_topics(broker.bootstrap, [(t, partitions_for(t)) for t in ALL_TOPICS])
            common = {
                "KAFKA_BOOTSTRAP": broker.bootstrap,
                "KAFKA_SESSION_TIMEOUT_MS": "2000",
                "AUTH_JWKS_FILE": str(keys_dir / "jwks.json"),
                "AUTH_JWKS_URL": "",
                "LOG_LEVEL": "WARNING",
            }
            seeded = await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-m", "dvc_catalog.seed", "--generate", str(CATALOG_SIZE)],
                env=os.environ | common | {"CATALOG_DATABASE_URL": urls["catalog"]},
                capture_output=True, text=True, timeout=900,
            )  # fmt: skip
            assert seeded.returncode == 0, seeded.stderr[-2000:]
            t0 = time.perf_counter()
            console.print(f"loading {N:,} dossiers …")
            loaded = await load(urls["dossier"], N, CITIZEN["citizen_id"], PROCEDURES)
            result["load_seconds"] = round(time.perf_counter() - t0, 1)
            result["rows"] = {k: v for k, v in loaded.items() if isinstance(v, int)}
            catalog = ServiceProcess("catalog", free_port(), common | {"CATALOG_DATABASE_URL": urls["catalog"]},
                                     logs / "catalog.log")  # fmt: skip
            dossier = ServiceProcess("dossier", free_port(), common | {"DOSSIER_DATABASE_URL": urls["dossier"]},
                                     logs / "dossier.log")  # fmt: skip
            notify = ServiceProcess(
                "notify", free_port(), common | {"NOTIFY_DATABASE_URL": urls["notify"]}, logs / "notify.log"
            )  # the dossier page lists the SMS about it
            nowhere = f"http://127.0.0.1:{free_port()}"  # payment, feedback: no page measured calls them
            portal = PortalProcess(
                "portal",
                free_port(),
                common
                | {
                    "PORTAL_DATABASE_URL": urls["portal"],
                    "PORTAL_DEV_KEYS_DIR": str(keys_dir),
                    "PORTAL_CATALOG_URL": catalog.url,
                    "PORTAL_DOSSIER_URL": dossier.url,
                    "PORTAL_NOTIFY_URL": notify.url,
                    **{f"PORTAL_{s}_URL": nowhere for s in ("PAYMENT", "FEEDBACK")},
                },
                logs / "portal.log",
            )
            services = [catalog, dossier, notify, portal]
            await asyncio.gather(*(asyncio.to_thread(s.start, 120) for s in services))
            await settled(urls)
            result["pages"] = await measure(portal.url, loaded)
    finally:
        for s in services:
            await asyncio.to_thread(s.stop)
        await pg.drop_created()
    return report(result)


async def settled(urls: dict[str, str]) -> None:
    """Measure on a quiet stack: the seed's procedure-published events relayed by catalog and applied by dossier
    (its procedures read model as large as catalog's) before the first request."""

    async def count(url: str, sql: str) -> int:
        conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            return int(await conn.fetchval(sql))
        finally:
            await conn.close()

    published = await count(urls["catalog"], "SELECT count(DISTINCT code) FROM procedures")

    async def applied() -> bool:
        return await count(urls["dossier"], "SELECT count(*) FROM procedures") >= published

    await eventually(applied, timeout=600, every=1.0)
    console.print(f"  dossier holds the catalog's {published:,} procedures")


async def measure(base: str, loaded: dict[str, Any]) -> dict[str, Any]:
    rnd = random.Random(5)
    mine, sample = loaded["mine"], loaded["sample"]
    pages: dict[str, tuple[str, Callable[[], str]]] = {
        "home": ("/", lambda: "/"),
        "search": ("/tim-kiem?q=đổi bằng lái", lambda: f"/tim-kiem?q={rnd.choice(SEARCHES)}"),
        "procedure": ("/thu-tuc/GPLX-DOI-L4", lambda: f"/thu-tuc/{rnd.choice(PROCEDURES)}"),
        "tracking": (f"/tra-cuu?ma={sample[0]}", lambda: f"/tra-cuu?ma={rnd.choice(sample)}"),
        "my dossiers": ("/ho-so", lambda: "/ho-so"),
        "dossier page": (f"/ho-so/{mine[0]}", lambda: f"/ho-so/{rnd.choice(mine)}"),
    }
    out: dict[str, Any] = {}
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        await sign_in(client)
        for name, (first, make) in pages.items():
            console.print(f"  {name} …")
            out[name] = await latencies(client, make, REPEAT)
            out[name]["weight"] = await weight(base, first, client.cookies)
            out[name]["path"] = first
        session = str(client.cookies["dvc_portal_session"])
    if portal_weight.available():
        paths = {name: p["path"] for name, p in out.items()}
        for name, seen in (await asyncio.to_thread(portal_weight.weigh, base, session, paths)).items():
            out[name]["weight"]["browser"] = seen
        shot = os.environ.get("BENCH_PORTAL_SCREENSHOT")
        if shot:
            size = await asyncio.to_thread(
                portal_weight.screenshot, base, session, f"/ho-so/{mine[0]}", Path(shot)
            )
            console.print(f"  screenshot of /ho-so/{mine[0]}: {shot} ({size / 1024:.0f} KB)")
    return out


def report(result: dict[str, Any]) -> dict[str, Any]:
    pages = result["pages"]
    result["meets_server_budget"] = all(p["server_p95_ms"] < BUDGET_MS for p in pages.values())
    result["meets_weight_budget"] = all(
        max(p["weight"]["bytes"], p["weight"].get("browser", {}).get("transfer", 0)) < BUDGET_BYTES
        for p in pages.values()
    )
    rows = result["rows"]
    console.print(
        f"loaded {rows['dossiers']:,} dossiers, {rows['dossier_history']:,} history rows in "
        f"{result['load_seconds']} s; {result['mine']} of them the signed-in citizen's (licence renewals "
        "waiting for payment)"
    )
    table = Table(
        title=f"portal pages: {N:,} dossiers, {REPEAT} sequential requests per page, {os.cpu_count()} cores "
        "(catalog, dossier, notify, portal as processes on PostgreSQL)"
    )
    for col in ("page", "server p50", "server p95", "server p99", "of which upstream p95", "client p95",
                "weight KB (assets)", "in Chromium KB"):  # fmt: skip
        table.add_column(col, justify="left" if col == "page" else "right")
    for name, p in pages.items():
        w = p["weight"]
        late, heavy = p["server_p95_ms"] >= BUDGET_MS, w["bytes"] >= BUDGET_BYTES
        table.add_row(
            name, f"{p['server_p50_ms']} ms", f"{p['server_p95_ms']} ms", f"{p['server_p99_ms']} ms",
            f"{p['upstream_p95_ms']} ms", f"{p['client_p95_ms']} ms",
            f"{w['bytes'] / 1024:.1f} ({len(w['assets'])})",
            f"{w['browser']['transfer'] / 1024:.1f}" if "browser" in w else "—",
            style="red" if late or heavy else None,
        )  # fmt: skip
    console.print(table)
    console.print(
        f"budget: server p95 < {BUDGET_MS:.0f} ms — {'met' if result['meets_server_budget'] else 'NOT met'}; "
        f"page weight < 200 KB without cache — {'met' if result['meets_weight_budget'] else 'NOT met'}"
    )
    return result
