"""Feedback intake on PostgreSQL: submissions per second through the real handler (validation, routing from
the read model, duplicate search over the agency's recent feedback, history, outbox row), with concurrent
submitters; and the duplicate comparison on its own. The seeds' order of magnitude is 5,465 phản ánh,
kiến nghị in five months — the figure shows how much headroom one process has."""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from typing import Any

from rich.console import Console
from rich.table import Table

from dvc_contracts import clock, topics
from dvc_contracts.envelope import new_event
from dvc_contracts.events import ProcedureFeeV1, ProcedurePublishedV1
from dvc_feedback.adapters.orm import messaging
from dvc_feedback.domain.duplicates import Candidate, best_match, fingerprint
from dvc_feedback.domain.model import Actor
from dvc_feedback.domain.submission import Submission
from dvc_feedback.service import handlers
from dvc_feedback.service.uow import FeedbackUnitOfWork
from dvckit.db import make_engine, make_sessionmaker
from dvckit.messaging.typed import Event
from dvckit.testing import migrated_database, provision_postgres

N = int(os.environ.get("BENCH_FEEDBACK_N", "3000"))
CONCURRENCY = int(os.environ.get("BENCH_FEEDBACK_CONCURRENCY", "16"))
WORDS = (
    "hồ sơ đổi giấy phép lái xe trực tuyến quá hạn trả kết quả cán bộ yêu cầu nộp thêm bản sao chứng thực "
    "lệ phí đã thanh toán nhưng chưa được xác nhận bộ phận một cửa không hướng dẫn đề nghị Sở kiểm tra"
).split()


def _text(i: int) -> str:
    # distinct complaints built from a shared Vietnamese vocabulary: realistic candidates, few true duplicates
    return " ".join(WORDS[(i * 7 + k * (i % 11 + 1)) % len(WORDS)] for k in range(45))


async def run() -> dict[str, Any]:
    console = Console()
    pg = provision_postgres()
    url = await migrated_database(pg, "dvc_feedback")
    engine = make_engine(url, pool_size=CONCURRENCY)
    sm = make_sessionmaker(engine)

    def uow() -> FeedbackUnitOfWork:
        return FeedbackUnitOfWork(sm, messaging, service="feedback")

    try:
        proc = ProcedurePublishedV1(
            code="GPLX-DOI-L4", version=1, name="Đổi giấy phép lái xe", sector="GTVT", agency_code="SO-GTVT",
            agency_name="Sở Giao thông vận tải", level="province", service_level=4,
            fee=ProcedureFeeV1(kind="fixed", amount_vnd=135000), processing_days=5, published_at=clock.now(),
        )  # fmt: skip
        async with uow() as u:
            published = new_event(topics.PROCEDURE_PUBLISHED, "/bench", proc)
            await handlers.on_procedure_published(Event.of(published, ProcedurePublishedV1), u)
            await u.commit()

        latencies: list[float] = []
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in range(N):
            queue.put_nowait(i)

        async def worker() -> None:
            while not queue.empty():
                i = queue.get_nowait()
                sub = Submission(
                    kind="feedback", category="dossier_handling", title=f"Phản ánh số {i} về hồ sơ trễ hẹn",
                    content=_text(i), province_code="01", procedure_code="GPLX-DOI-L4",
                )  # fmt: skip
                t0 = time.perf_counter()
                async with uow() as u:
                    await handlers.submit_feedback(
                        u, Actor("citizen", f"bench-{i}"), sub, submitter_name=None,
                        policy=handlers.Policy(), now=clock.now(),
                    )  # fmt: skip
                    await u.commit()
                latencies.append(time.perf_counter() - t0)

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        elapsed = time.perf_counter() - t0
        rate = N / elapsed

        fps = [fingerprint(_text(i)) for i in range(300)]
        candidates = [Candidate(f"PA-{i}", fp, None) for i, fp in enumerate(fps)]
        probe = fingerprint(_text(10_001))
        reps = 200
        t1 = time.perf_counter()
        for _ in range(reps):
            best_match(probe, None, candidates)
        scan_ms = (time.perf_counter() - t1) / reps * 1000

        q = statistics.quantiles(latencies, n=100)
        result = {
            "submissions": N,
            "concurrency": CONCURRENCY,
            "submissions_per_second": round(rate, 1),
            "latency_ms_p50": round(q[49] * 1000, 2),
            "latency_ms_p95": round(q[94] * 1000, 2),
            "duplicate_scan_300_candidates_ms": round(scan_ms, 3),
            "database": pg.description,
        }
        table = Table(title="feedback intake (PostgreSQL, handler + outbox, no HTTP)")
        for k in ("submissions", "concurrency", "submissions_per_second", "latency_ms_p50", "latency_ms_p95",
                  "duplicate_scan_300_candidates_ms"):  # fmt: skip
            table.add_row(k, str(result[k]))
        console.print(table)
        return result
    finally:
        await engine.dispose()
        await pg.drop_created()
        pg.stop()


if __name__ == "__main__":
    print(asyncio.run(run()))
