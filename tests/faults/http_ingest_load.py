"""HTTP ingest load (issue 14; the figures in services/dossier/README.md, *Backpressure*): SENDERS agencies
post batches of BATCH status events to ``POST /agency/status-events`` for DURATION seconds; prints accepted/s,
applied/s while they post, and how long the backlog took to drain after. Dossier runs as its own process on a
private Apache Kafka and the test PostgreSQL; EXTRA_ENV (JSON) adds its settings, e.g.
``{"DOSSIER_INGEST_CONCURRENCY": "32", "DOSSIER_INGEST_MAX_BACKLOG": "0"}`` for the unbounded intake. PROFILE=
a path records a py-spy profile of the dossier process (raw collapsed stacks) when py-spy is installed.

    .venv/bin/python -m tests.faults.http_ingest_load        # not a test: a measurement, by hand
"""

import asyncio
import json
import os
import time
import uuid
from pathlib import Path

import httpx
from aiokafka import AIOKafkaProducer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from dvc_contracts import clock, topics
from dvc_contracts.envelope import new_event, to_binary
from dvc_contracts.events import ProcedurePublishedV1
from dvckit.auth.jwt import issue_token, load_or_create_dev_keys
from dvckit.devbroker import DevBroker, ensure_topics
from dvckit.testing import ServiceProcess, free_port, migrated_database, provision_postgres

SENDERS = int(os.environ.get("SENDERS", "32"))
BATCH = int(os.environ.get("BATCH", "100"))
SECONDS = float(os.environ.get("DURATION", "30"))
PROFILE = os.environ.get("PROFILE", "")
EXTRA = json.loads(os.environ.get("EXTRA_ENV", "{}"))
AGENCIES = [f"AG-{i:02d}" for i in range(SENDERS)]


def batch_body(agency: str, run: str, n: int, start: int) -> bytes:
    items = []
    for i in range(start, start + n):
        d, seq = divmod(i, 4)
        status = ("received", "processing", "forwarded", "completed")[seq]
        items.append(
            {
                "specversion": "1.0",
                "id": f"{run}-{i}",
                "source": f"/agency/{agency}",
                "type": "agency-status-reported",
                "subject": f"01-{agency}-{run}-{d}",
                "datacontenttype": "application/json",
                "data": {
                    "dossier_code": f"01-{agency}-{run}-{d}",
                    "procedure_code": "LOAD-001",
                    "agency_code": agency,
                    "province_code": "01",
                    "sequence": seq,
                    "status": status,
                    "occurred_at": f"2026-03-02T0{seq}:00:00Z",
                },
            }
        )
    return json.dumps(items).encode()


async def applied(engine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(text("SELECT count(*) FROM dossier_history")))


async def main() -> None:
    pg = provision_postgres()
    keys_dir = Path(".run/bench-jwt")
    keys = load_or_create_dev_keys(keys_dir)
    with DevBroker(kind="kafka", log_path=Path("/tmp/ingest-load-broker.log")) as broker:
        await ensure_topics(broker.bootstrap, [(t, topics.partitions_for(t)) for t in topics.ALL_TOPICS])
        db_url = await migrated_database(pg, "dvc_dossier")
        env = {
            "KAFKA_BOOTSTRAP": broker.bootstrap,
            "KAFKA_SESSION_TIMEOUT_MS": "6000",
            "DOSSIER_DATABASE_URL": db_url,
            "AUTH_JWKS_FILE": str(keys_dir / "jwks.json"),
            "DOSSIER_LOG_LEVEL": "WARNING",
            **EXTRA,
        }
        svc = ServiceProcess("dossier", free_port(), env, Path("/tmp/ingest-load-dossier.log"))
        svc.start()
        engine = create_async_engine(db_url)
        try:
            p = ProcedurePublishedV1(
                code="LOAD-001", version=1, name="Thử tải", sector="BENCH", agency_code=AGENCIES[0],
                agency_name="x", level="province", service_level=4, fee={"kind": "free"}, processing_days=5,
                allowed_agency_codes=AGENCIES[1:], published_at=clock.now(),
            )  # fmt: skip
            producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
            await producer.start()
            h, v = to_binary(new_event(topics.PROCEDURE_PUBLISHED, "/dvc/catalog", p, subject=p.code))
            await producer.send_and_wait(topics.PROCEDURE_PUBLISHED, v, key=b"LOAD-001", headers=h)
            await producer.stop()
            tokens = {a: issue_token(keys, role="agency", sub=a, agency=a, province="01") for a in AGENCIES}
            run = uuid.uuid4().hex[:5]
            stats = {"accepted": 0, "refused": 0, "429": 0, "errors": 0}
            async with httpx.AsyncClient(
                base_url=svc.url, timeout=60, limits=httpx.Limits(max_connections=SENDERS + 4)
            ) as http:
                while True:  # the catalog snapshot
                    r = await http.post(
                        "/agency/status-events",
                        content=batch_body(AGENCIES[0], "warm", 1, 0),
                        headers={
                            "authorization": f"Bearer {tokens[AGENCIES[0]]}",
                            "content-type": "application/json",
                        },
                    )
                    if r.status_code == 202 and r.json()["accepted"] == 1:
                        break
                    await asyncio.sleep(0.2)
                base = await applied(engine)
                stop = time.monotonic() + SECONDS

                async def sender(agency: str) -> None:
                    k = 0
                    hdr = {"authorization": f"Bearer {tokens[agency]}", "content-type": "application/json"}
                    while time.monotonic() < stop:
                        r = await http.post(
                            "/agency/status-events",
                            content=batch_body(agency, run, BATCH, k * BATCH),
                            headers=hdr,
                        )
                        if r.status_code == 202:
                            body = r.json()
                            stats["accepted"] += body["accepted"]
                            stats["refused"] += body["rejected"]
                            k += 1
                        elif r.status_code == 429:
                            stats["429"] += 1
                            await asyncio.sleep(float(r.headers.get("retry-after", "1")))
                        else:
                            stats["errors"] += 1
                            print("error", r.status_code, r.text[:200])

                prof = None
                if PROFILE:
                    prof = await asyncio.create_subprocess_exec(
                        os.environ.get("PY_SPY", "py-spy"), "record", "-p", str(svc.proc.pid),
                        "-d", str(int(SECONDS) - 2), "-r", "50", "-f", "raw", "-o", PROFILE, "--nonblocking",
                        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
                    )  # fmt: skip
                t0 = time.monotonic()
                tasks = [asyncio.create_task(sender(a)) for a in AGENCIES]
                samples = []
                while not all(t.done() for t in tasks):
                    await asyncio.sleep(1)
                    samples.append(
                        (round(time.monotonic() - t0, 1), stats["accepted"], await applied(engine) - base)
                    )
                await asyncio.gather(*tasks)
                window = time.monotonic() - t0
                in_window = await applied(engine) - base
                acc = stats["accepted"]
                while (done := await applied(engine) - base) < acc:
                    await asyncio.sleep(0.5)
                    if time.monotonic() - t0 > window + 600:
                        break
                total = time.monotonic() - t0
                if prof:
                    await prof.wait()
            print(
                json.dumps(
                    {
                        "senders": SENDERS,
                        "batch": BATCH,
                        "window_s": round(window, 1),
                        **stats,
                        "accepted_per_s": round(acc / window),
                        "applied_in_window": in_window,
                        "applied_per_s_in_window": round(in_window / window),
                        "drain_s_after_window": round(total - window, 1),
                        "drain_rate_per_s": round((acc - in_window) / max(total - window, 0.001)),
                        "overall_applied_per_s": round(done / total),
                        "extra": EXTRA,
                    }
                )
            )
            print("samples (t, accepted, applied):", samples[:: max(1, len(samples) // 10)])
        finally:
            await engine.dispose()
            svc.stop()


asyncio.run(main())
