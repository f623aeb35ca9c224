"""Background jobs started with the app: expiry, reconciliation, refunds, webhooks, maintenance. Each loops on its own interval;
a failure is logged and retried, never fatal. Several instances can run them: rows are claimed with
SKIP LOCKED leases (PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from dvc_contracts import clock
from dvc_payment.entrypoints.context import PaymentContext
from dvc_payment.service import maintenance, refunds, sweeps, webhooks
from dvckit.logging import get_logger
from dvckit.runtime import Runtime

log = get_logger("dvc_payment.jobs")


async def _loop(name: str, interval: float, step: Callable[[], Awaitable[int]]) -> None:
    while True:
        try:
            done = await step()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.error("payment.job_failed", job=name, error=repr(exc)[:300])
            done = 0
            await asyncio.sleep(min(5.0, interval * 5))
        if not done:
            await asyncio.sleep(interval)


def expiry_job(ctx: PaymentContext) -> Callable[[Runtime[Any]], Coroutine[Any, Any, None]]:
    async def run_expiry(_: Runtime[Any]) -> None:
        await _loop(
            "expiry",
            ctx.settings.expiry_interval_seconds,
            lambda: sweeps.expire_due(ctx.uow, ctx.providers, policy=ctx.policy),
        )

    return run_expiry


def reconciliation_job(ctx: PaymentContext) -> Callable[[Runtime[Any]], Coroutine[Any, Any, None]]:
    async def run_reconciliation(_: Runtime[Any]) -> None:
        interval = min(ctx.settings.reconcile_interval_seconds, 1.0)  # next_poll_at decides who is due
        await _loop(
            "reconciliation",
            interval,
            lambda: sweeps.reconcile_due(ctx.uow, ctx.providers, policy=ctx.policy),
        )

    return run_reconciliation


def refund_job(ctx: PaymentContext) -> Callable[[Runtime[Any]], Coroutine[Any, Any, None]]:
    async def run_refunds(_: Runtime[Any]) -> None:
        await _loop(
            "refunds",
            ctx.settings.refund_interval_seconds,
            lambda: refunds.process_refunds(ctx.uow, ctx.providers, policy=ctx.policy),
        )

    return run_refunds


def maintenance_job(ctx: PaymentContext) -> Callable[[Runtime[Any]], Coroutine[Any, Any, None]]:
    async def run_maintenance(_: Runtime[Any]) -> None:
        await _loop(
            "maintenance",
            ctx.settings.maintenance_interval_seconds,
            lambda: maintenance.prune(ctx.uow, policy=ctx.policy, now=clock.now()),
        )

    return run_maintenance


def webhook_job(ctx: PaymentContext) -> Callable[[Runtime[Any]], Coroutine[Any, Any, None]]:
    async def run_webhooks(_: Runtime[Any]) -> None:
        await _loop(
            "webhooks",
            ctx.settings.webhook_interval_seconds,
            lambda: webhooks.send_due(ctx.uow, ctx.webhooks),
        )

    return run_webhooks
