"""Rebuild the read model from scratch: ``python -m dvc_reporting.replay --database-url URL``.

Migrates a fresh (empty) database, then consumes every topic reporting reads from offset 0 with a new
consumer group, through the same handlers as the service, until the group has committed the end offsets
that the topics had when the replay started. Prints progress and a summary. Nothing is published while
replaying (the relay does not run; records refused again during the replay are not re-sent).

    .venv/bin/python -m dvc_reporting.replay --database-url sqlite+aiosqlite:///.run/reporting-rebuilt.db
    .venv/bin/python -m dvc_reporting.replay --database-url postgresql+asyncpg://postgres@127.0.0.1/reporting_new

Point the service at the rebuilt database (REPORTING_DATABASE_URL) once it has caught up.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, select

from dvc_contracts.clock import vn_today
from dvc_reporting.adapters.orm import dossiers, messaging
from dvc_reporting.adapters.pipeline import LagProbe
from dvc_reporting.adapters.queries.filters import Filters
from dvc_reporting.adapters.queries.report import ReportQueries
from dvc_reporting.config import Settings
from dvc_reporting.entrypoints.app import create_runtime
from dvc_reporting.entrypoints.subscriptions import TOPICS
from dvckit import migrate
from dvckit.logging import configure_logging

REPLAY_TOPICS = list(TOPICS)


@dataclass
class ReplayResult:
    group: str
    events: int
    seconds: float
    per_topic: dict[str, int] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


class ReplayError(RuntimeError):
    pass


async def rebuild(
    database_url: str,
    settings: Settings | None = None,
    *,
    group: str | None = None,
    stall_timeout: float = 60.0,
    force: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> ReplayResult:
    base = settings or Settings()
    group = group or f"dvc-reporting-replay-{uuid.uuid4().hex[:8]}"
    s = base.model_copy(update={"database_url": database_url, "consumer_group": group})
    await asyncio.to_thread(migrate.upgrade, "dvc_reporting", database_url)

    probe = LagProbe(s.kafka, [group], REPLAY_TOPICS)
    runtime = create_runtime(s)
    try:
        async with runtime.engine.connect() as conn:
            seen = await conn.scalar(select(func.count()).select_from(messaging.inbox))
            rows = await conn.scalar(select(func.count()).select_from(dossiers))
        if (seen or rows) and not force:
            raise ReplayError(
                f"the target database is not empty ({seen} events seen, {rows} dossiers): replay into a fresh one"
            )
        targets = {tp: hw for tp, hw in (await probe.highwaters()).items() if hw > 0}
        total = sum(targets.values())
        t0 = time.perf_counter()
        runtime.finalize()
        await runtime.broker.start()
        done, last_done, last_move = 0, -1, time.monotonic()
        while True:
            committed = await probe.committed(group)
            done = sum(min(committed.get(tp, 0), hw) for tp, hw in targets.items())
            if on_progress:
                on_progress(done, total)
            if done >= total:
                break
            if done != last_done:
                last_done, last_move = done, time.monotonic()
            elif time.monotonic() - last_move > stall_timeout:
                raise ReplayError(f"no progress for {stall_timeout:.0f} s at {done}/{total} records")
            await asyncio.sleep(0.25)
        seconds = time.perf_counter() - t0
        await runtime.broker.stop()
        async with runtime.uow() as uow:
            await uow.session.execute(delete(messaging.outbox))  # nothing is re-published by a replay
            await uow.commit()
        per_topic: dict[str, int] = {}
        for tp, hw in targets.items():
            per_topic[tp.topic] = per_topic.get(tp.topic, 0) + hw
        async with runtime.engine.connect() as conn:
            summary = await ReportQueries(conn).summary(Filters(), vn_today())
        return ReplayResult(group, total, seconds, dict(sorted(per_topic.items())), summary)
    finally:
        with contextlib.suppress(Exception):
            await runtime.broker.stop()
        await probe.close()
        await runtime.engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m dvc_reporting.replay",
        description="Rebuild reporting's read model from the topics (offset 0, fresh consumer group, fresh database).",
    )
    parser.add_argument(
        "--database-url", required=True, help="the fresh database to build (SQLAlchemy async URL)"
    )
    parser.add_argument(
        "--group", default=None, help="consumer group (default: a new dvc-reporting-replay-…)"
    )
    parser.add_argument(
        "--stall-timeout", type=float, default=60.0, help="give up after this long without progress"
    )
    parser.add_argument("--force", action="store_true", help="replay even if the database is not empty")
    args = parser.parse_args(argv)
    configure_logging("reporting-replay", "WARNING")

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    console = Console()
    with Progress(
        TextColumn("replaying topics"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("replay", total=None)

        def on_progress(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            result = asyncio.run(
                rebuild(
                    args.database_url,
                    group=args.group,
                    stall_timeout=args.stall_timeout,
                    force=args.force,
                    on_progress=on_progress,
                )
            )
        except ReplayError as exc:
            console.print(f"[red]replay failed:[/red] {exc}")
            sys.exit(1)
    table = Table(
        title=f"replay done: {result.events} records in {result.seconds:.1f} s ({result.rate:,.0f}/s)"
    )
    table.add_column("topic")
    table.add_column("records", justify="right")
    for topic, n in result.per_topic.items():
        table.add_row(topic, f"{n:,}")
    console.print(table)
    summary = Table(title="rebuilt read model (national)")
    summary.add_column("figure")
    summary.add_column("value", justify="right")
    for k, v in result.summary.items():
        summary.add_row(k, str(v) if isinstance(v, dict) else f"{v:,}")
    console.print(summary)
    console.print(f"consumer group: {result.group}; point REPORTING_DATABASE_URL at {args.database_url}")


if __name__ == "__main__":
    main()
