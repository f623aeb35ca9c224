"""The callback replay guard is kept for PAYMENT_CALLBACK_RETENTION_DAYS (30) and then pruned by the
maintenance job, in batches; recent notifications stay (a replay of them is still refused)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from dvc_contracts import clock
from dvc_payment.adapters.orm import callbacks
from dvc_payment.config import Settings
from dvc_payment.entrypoints import jobs
from dvc_payment.service import maintenance

from ..conftest import PaymentApp, until

NOW = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)  # 23:30 in Hà Nội, the last day of the year


async def seen(pa: PaymentApp, key: str, at: datetime) -> bool:
    async with pa.ctx.uow() as uow:
        fresh = await uow.callbacks.record(
            "paygov", [key], attempt_ref="DVCREF", source="callback", outcome="success", at=at
        )
        await uow.commit()
    return fresh


async def kept(pa: PaymentApp) -> list[str]:
    async with pa.ctx.runtime.engine.connect() as conn:
        q = select(callbacks.c.dedup_key).order_by(callbacks.c.dedup_key)
        return list((await conn.execute(q)).scalars())


async def test_old_notifications_go_and_recent_ones_stay(make_payment_app: Any) -> None:
    pa = await make_payment_app()
    for key, age in [("a-31d", 31), ("b-30d1s", 30), ("c-29d", 29), ("d-today", 0)]:
        extra = timedelta(seconds=1) if key == "b-30d1s" else timedelta()
        assert await seen(pa, key, NOW - timedelta(days=age) - extra)
    with clock.pinned(NOW):
        assert await maintenance.prune(pa.ctx.uow, policy=pa.ctx.policy, now=clock.now()) == 2
        assert await maintenance.prune(pa.ctx.uow, policy=pa.ctx.policy, now=clock.now()) == 0
    assert await kept(pa) == ["c-29d", "d-today"]
    assert not await seen(pa, "d-today", NOW)  # still a replay


async def test_pruning_goes_in_batches(make_payment_app: Any) -> None:
    pa = await make_payment_app()
    for i in range(5):
        await seen(pa, f"old-{i}", NOW - timedelta(days=40))
    assert await maintenance.prune(pa.ctx.uow, policy=pa.ctx.policy, now=NOW, batch=2) == 2
    assert len(await kept(pa)) == 3


async def test_the_background_job_prunes_with_the_configured_retention(make_payment_app: Any) -> None:
    pa = await make_payment_app(callback_retention_days=7, maintenance_interval_seconds=0.01)
    await seen(pa, "eight-days", NOW - timedelta(days=8))
    await seen(pa, "six-days", NOW - timedelta(days=6))
    with clock.pinned(NOW):
        task = asyncio.create_task(jobs.maintenance_job(pa.ctx)(pa.ctx.runtime))
        try:
            await until(lambda: _only(pa, ["six-days"]))
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


async def _only(pa: PaymentApp, keys: list[str]) -> bool:
    return await kept(pa) == keys


def test_a_retention_shorter_than_replays_live_is_refused() -> None:
    with pytest.raises(ValidationError):
        Settings(callback_retention_days=1)
