"""The sender: takes due messages, applies the limits and the opt-out list, chooses a provider per message,
sends, and records the outcome with sms-sent / sms-failed through the outbox.

One pass (``Sender.run_once``):

1. **Claim** (one transaction): per sending service, as many due messages as its token bucket allows
   (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several senders never take the same row).
   First attempts reserve the day's quota (``sms_daily_usage``, row-locked); beyond it an ``sms-requested``
   message is rejected (``daily_limit_exceeded``) and the portal's own notification is held until the next
   Vietnamese day. Opted-out numbers fail with ``opted_out``. Each remaining message gets a provider
   (``domain.routing`` candidates, ``domain.failover`` router); with none available it waits ``hold_seconds``.
   Transactional providers (sandbox, Kafka channel) send right here, in the same transaction as the status
   change and sms-sent: exactly once. Messages for HTTP gateways are marked ``sending`` with the claim time.
2. **Call** the HTTP gateways, outside any transaction, concurrently, with our message id as the client
   reference (both gateways deduplicate it).
3. **Record** (second transaction): sent + provider id + sms-sent; or a retry with exponential back-off
   (temporary/technical, avoiding the provider that just failed); or the final failure + sms-failed. Only
   if the row is still ``sending`` with our claim time (a receipt may have been faster, a recovery may have
   re-queued it). Receipts that arrived before this record are matched now.

The crash window: a sender that dies after the gateway accepted a message but before step 3 leaves the row
``sending``. After ``claim_timeout_seconds`` a later pass re-queues it *pinned* to the same gateway, which
recognises the client reference and answers with its first message id without sending again: no second SMS.
If that gateway is failing over by then, or a provider without deduplication was used, the retry goes
elsewhere and the citizen may get the SMS twice: at-least-once, never silently lost; every such re-queue is
logged as ``sms.claim_expired`` with ``duplicate_possible``.

Here: the pass, the HTTP batches in flight, the recovery. Step 1 is ``sender_claim`` (its sends through
transactional providers in ``sender_dispatch``), step 2 ``sender_dispatch``, step 3 ``sender_record``; what
they share is in ``sender_types``.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from dvc_notify.adapters.providers.base import Provider
from dvc_notify.domain.failover import Router
from dvc_notify.domain.limits import RateLimiter
from dvc_notify.service.sender_claim import Claimer
from dvc_notify.service.sender_dispatch import Dispatcher
from dvc_notify.service.sender_types import Clock, PassReport, SenderConfig, SystemClock
from dvc_notify.service.uow import NotifyUnitOfWork
from dvckit.logging import get_logger

log = get_logger("dvc_notify.sender")


class Sender:
    def __init__(
        self,
        uow_factory: Callable[[], NotifyUnitOfWork],
        providers: Mapping[str, Provider],
        router: Router,
        limiter: RateLimiter,
        config: SenderConfig,
        clock: Clock | None = None,
    ) -> None:
        self.uow_factory = uow_factory
        self.providers = dict(providers)
        self.router = router
        self.limiter = limiter
        self.config = config
        self.clock = clock or SystemClock()
        self._dispatcher = Dispatcher(uow_factory, router, config, self.clock)
        self._claimer = Claimer(self.providers, router, limiter, config, self._dispatcher)
        self._services: list[str] = []
        self._services_at = float("-inf")
        self._recovered_at = float("-inf")
        self._rotation = itertools.count()
        self._inflight: set[asyncio.Task[None]] = set()

    # --- one pass ---------------------------------------------------------------------------------------

    async def run_once(self) -> PassReport:
        report = PassReport()
        now, mono = self.clock.now(), self.clock.monotonic()
        async with self.uow_factory() as uow:
            services = await self._due_services(uow, now, mono)
            start = next(self._rotation) % len(services) if services else 0
            jobs = await self._claimer.claim(uow, services, start, now, mono, report)
            await uow.commit()
        if jobs:
            # HTTP calls run beside the next passes (a slow gateway must not hold up the sandbox or the Kafka
            # channel), at most max_inflight_batches at a time.
            while len(self._inflight) >= self.config.max_inflight_batches:
                await asyncio.wait(self._inflight, return_when=asyncio.FIRST_COMPLETED)
            task = asyncio.create_task(
                self._dispatcher.call_remote(jobs, report)
            )  # fills in report when done
            self._inflight.add(task)
            task.add_done_callback(self._inflight.discard)
            report.remote += len(jobs)
        if mono - self._recovered_at >= self.config.recovery_every_seconds:
            self._recovered_at = mono
            await self.recover_stale()
        return report

    async def _due_services(self, uow: NotifyUnitOfWork, now: datetime, mono: float) -> list[str]:
        if mono - self._services_at >= self.config.services_refresh_seconds or not self._services:
            self._services = sorted(await uow.messages.pending_services())
            self._services_at = mono
        return self._services

    async def drain(self) -> None:
        """Wait for the HTTP calls in flight and their records (on shutdown; each call is bounded by the
        gateway timeout)."""
        while self._inflight:
            await asyncio.gather(*self._inflight, return_exceptions=True)

    # --- crash recovery ---------------------------------------------------------------------------------

    async def recover_stale(self) -> int:
        """Re-queue messages left ``sending`` by a sender that died between the call and the record."""
        now = self.clock.now()
        older_than = now - timedelta(seconds=self.config.claim_timeout_seconds)
        async with self.uow_factory() as uow:
            rows = await uow.messages.claim_stale_sending(older_than, self.config.batch_size)
            for r in rows:
                provider = self.providers.get(r.provider or "")
                dedup = provider is not None and provider.idempotent
                await uow.messages.transition(
                    r.id,
                    "sending",
                    status="temporary-failure",
                    failure_reason="claim_expired",
                    next_attempt_at=now,
                    claimed_at=None,
                    pinned_provider=r.provider if dedup else None,
                    updated_at=now,
                )
                log.warning(
                    "sms.claim_expired",
                    message_id=r.id,
                    provider=r.provider,
                    duplicate_possible=not dedup,
                )
            await uow.commit()
        return len(rows)
