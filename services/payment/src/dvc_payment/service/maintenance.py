"""Housekeeping: the callback replay guard is kept for ``callback_retention`` (a notification older than its
15-minute freshness window is refused as stale anyway, and a paid attempt is never paid twice), rate-limit
buckets that are full again are dropped, and the webhook delivery log keeps finished deliveries (with their
attempts) for ``webhook_log_retention`` (pending ones stay). All in batches; several replicas may run it at
once (the maintenance job, entrypoints/jobs.py, one of the app's background tasks)."""

from __future__ import annotations

from datetime import datetime

from dvc_payment.service.common import Policy, UowFactory, log


async def prune(uow_factory: UowFactory, *, policy: Policy, now: datetime, batch: int = 5000) -> int:
    """One batch of each; how many rows went (the job runs again at once while there are more)."""
    async with uow_factory() as uow:
        callbacks = await uow.callbacks.prune(now - policy.callback_retention, batch)
        buckets = await uow.rate_limits.prune(now.timestamp(), batch)
        deliveries = await uow.webhooks.prune_log(now - policy.webhook_log_retention, batch)
        await uow.commit()
    if callbacks or buckets or deliveries:
        log.info(
            "payment.pruned", provider_callbacks=callbacks, rate_limits=buckets, webhook_deliveries=deliveries
        )
    return callbacks + buckets + deliveries
