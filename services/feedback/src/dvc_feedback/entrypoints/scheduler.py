"""The service's scheduler (timeouts are events): flag overdue feedback, close answered feedback after
the reopen window. Safe with several replicas: rows are claimed with FOR UPDATE SKIP LOCKED."""

from __future__ import annotations

import asyncio
from typing import Any

from dvc_feedback.entrypoints.context import FeedbackContext
from dvc_feedback.service import handlers
from dvc_feedback.service.uow import FeedbackUnitOfWork
from dvckit.logging import get_logger
from dvckit.runtime import Runtime

log = get_logger("dvc_feedback.scheduler")
BATCH = 500


async def tick(runtime: Runtime[FeedbackUnitOfWork], ctx: FeedbackContext) -> dict[str, int]:
    """One pass: returns how many feedback were flagged overdue and auto-closed."""
    done = {"overdue": 0, "closed": 0}
    now = ctx.clock()
    while True:
        async with runtime.uow() as uow:
            n = await handlers.flag_overdue(uow, now, BATCH)
            await uow.commit()
        done["overdue"] += n
        if n < BATCH:
            break
    while True:
        async with runtime.uow() as uow:
            n = await handlers.auto_close(uow, now, ctx.policy, BATCH)
            await uow.commit()
        done["closed"] += n
        if n < BATCH:
            break
    return done


async def run_scheduler(runtime: Runtime[Any], ctx: FeedbackContext) -> None:
    while True:
        try:
            await tick(runtime, ctx)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the database may be down: try again next time
            log.error("scheduler.tick_failed", error=repr(exc)[:500])
        await asyncio.sleep(ctx.scheduler_interval_seconds)
