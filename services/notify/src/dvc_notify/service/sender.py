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
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from dvc_contracts import clock, topics
from dvc_contracts.clock import vn_date
from dvc_notify.adapters.providers.base import (
    OutgoingSms,
    Provider,
    RemoteProvider,
    TransactionalProvider,
)
from dvc_notify.domain.failover import Router
from dvc_notify.domain.limits import RateLimiter, next_vn_midnight, over_daily_limit
from dvc_notify.domain.routing import candidates
from dvc_notify.domain.status import SubmitResult, decide_submit
from dvc_notify.metrics import SMS_HELD, SMS_RATE_LIMITED
from dvc_notify.service import events
from dvc_notify.service.receipts import match_pending
from dvc_notify.service.uow import NotifyUnitOfWork
from dvckit.logging import get_logger

log = get_logger("dvc_notify.sender")


class Clock(Protocol):
    def now(self) -> datetime: ...

    def monotonic(self) -> float: ...


class SystemClock:
    def now(self) -> datetime:
        return clock.now()

    def monotonic(self) -> float:
        return time.monotonic()


@dataclass(frozen=True)
class SenderConfig:
    default_order: tuple[str, ...]
    carrier_routes: Mapping[str, Sequence[str]] = field(default_factory=dict)
    batch_size: int = 500
    max_attempts: int = 5
    retry_base_seconds: float = 2.0
    retry_cap_seconds: float = 300.0
    claim_timeout_seconds: float = 60.0
    hold_seconds: float = 1.0
    http_concurrency: int = 64
    max_inflight_batches: int = 4
    services_refresh_seconds: float = 1.0
    recovery_every_seconds: float = 5.0


@dataclass
class PassReport:
    sent: int = 0  # accepted by a provider in this pass
    failed: int = 0  # final failures decided in this pass
    retrying: int = 0
    held: int = 0
    remote: int = 0  # handed to HTTP gateways
    rate_limited: list[str] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return self.sent + self.failed + self.retrying + self.held


@dataclass(frozen=True)
class RemoteJob:
    row: Any
    provider: RemoteProvider
    sms: OutgoingSms
    claimed_at: datetime


def _outgoing(row: Any) -> OutgoingSms:
    return OutgoingSms(
        message_id=row.id, phone=row.phone, text=row.text, encoding=row.encoding, segments=row.segments
    )


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
        self._semaphore = asyncio.Semaphore(config.http_concurrency)
        self._services: list[str] = []
        self._services_at = float("-inf")
        self._recovered_at = float("-inf")
        self._rotation = itertools.count()
        self._inflight: set[asyncio.Task[None]] = set()

    # --- one pass ---------------------------------------------------------------------------------------

    async def run_once(self) -> PassReport:
        report = PassReport()
        now, mono = self.clock.now(), self.clock.monotonic()
        jobs: list[RemoteJob] = []
        async with self.uow_factory() as uow:
            services = await self._due_services(uow, now, mono)
            budget = self.config.batch_size
            start = next(self._rotation) % len(services) if services else 0
            for service in services[start:] + services[:start]:  # rotate: no service starves the others
                if budget <= 0:
                    break
                bucket = self.limiter.bucket(service, mono)
                tokens = bucket.available(mono)
                if tokens < 1:
                    report.rate_limited.append(service)
                    SMS_RATE_LIMITED.labels(service).inc()
                    continue
                rows = await uow.messages.claim_due(service, now, min(tokens, budget))
                if not rows:
                    continue
                budget -= len(rows)
                jobs += await self._dispatch(uow, service, rows, now, mono, report)
            await uow.commit()
        if jobs:
            # HTTP calls run beside the next passes (a slow gateway must not hold up the sandbox or the Kafka
            # channel), at most max_inflight_batches at a time.
            while len(self._inflight) >= self.config.max_inflight_batches:
                await asyncio.wait(self._inflight, return_when=asyncio.FIRST_COMPLETED)
            task = asyncio.create_task(self._call_remote(jobs, report))  # fills in report when done
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

    async def _dispatch(
        self,
        uow: NotifyUnitOfWork,
        service: str,
        rows: list[Any],
        now: datetime,
        mono: float,
        report: PassReport,
    ) -> list[RemoteJob]:
        limit = self.limiter.limit(service)
        bucket = self.limiter.bucket(service, mono)

        # 1. The daily quota, reserved by first attempts (retries were counted already).
        first = [r for r in rows if r.attempts == 0]
        granted = await uow.usage.reserve(service, vn_date(now), len(first), limit.daily)
        over = first[granted:]
        if over:
            over_ids = {r.id for r in over}
            rows = [r for r in rows if r.id not in over_ids]
            rejected = [r for r in over if over_daily_limit(r.origin) == "reject"]
            held = [r for r in over if over_daily_limit(r.origin) == "hold"]
            await self._fail_before_send(uow, rejected, "daily_limit_exceeded", now, report)
            if held:
                until = next_vn_midnight(now).astimezone(UTC)
                await uow.messages.hold([r.id for r in held], until, now)
                report.held += len(held)
                SMS_HELD.labels("daily_limit").inc(len(held))
                log.warning(
                    "sms.daily_limit_hold", sending_service=service, held=len(held), until=until.isoformat()
                )

        # 2. The opt-out list (also checked when the message was created; it may have changed since).
        opted = await uow.opt_outs.which(r.phone for r in rows)
        if opted:
            await self._fail_before_send(uow, [r for r in rows if r.phone in opted], "opted_out", now, report)
            rows = [r for r in rows if r.phone not in opted]

        # 3. The rate: one token per message (claimed no more than the bucket had, so all are granted).
        granted_tokens = bucket.take(len(rows), mono)
        if granted_tokens < len(rows):
            late = rows[granted_tokens:]
            rows = rows[:granted_tokens]
            until = now + timedelta(seconds=max(0.05, bucket.wait_seconds(mono)))
            await uow.messages.hold([r.id for r in late], until, now)
            report.held += len(late)
            SMS_HELD.labels("rate_limit").inc(len(late))

        # 4. A provider per message.
        by_provider: dict[str, list[Any]] = {}
        waiting: list[Any] = []
        for r in rows:
            order = candidates(
                r.phone,
                default=self.config.default_order,
                carrier_routes=self.config.carrier_routes,
                pinned=r.pinned_provider,
                avoid=r.provider if r.status == "temporary-failure" else None,
            )
            chosen = self.router.choose([p for p in order if p in self.providers], mono)
            if chosen is None:
                waiting.append(r)
            else:
                by_provider.setdefault(chosen, []).append(r)
        if waiting:
            await uow.messages.hold(
                [r.id for r in waiting], now + timedelta(seconds=self.config.hold_seconds), now
            )
            bucket.give_back(len(waiting))
            report.held += len(waiting)
            SMS_HELD.labels("no_provider").inc(len(waiting))

        # 5. Send (transactional providers) or mark for the HTTP call after commit.
        jobs: list[RemoteJob] = []
        for name, group in by_provider.items():
            provider = self.providers[name]
            if isinstance(provider, TransactionalProvider):
                await self._send_in_transaction(uow, provider, group, now, mono, report)
            else:
                await uow.messages.mark_sending([r.id for r in group], name, now)
                jobs += [RemoteJob(r, provider, _outgoing(r), now) for r in group]
        return jobs

    async def _fail_before_send(
        self, uow: NotifyUnitOfWork, rows: Sequence[Any], reason: str, now: datetime, report: PassReport
    ) -> None:
        if not rows:
            return
        await uow.messages.finish_many(
            [{"_id": r.id, "_status": "permanent-failure", "_reason": reason} for r in rows], now
        )
        await uow.publish_many(
            topics.SMS_FAILED,
            [
                (r.id, events.failed_row(r, provider=None, status="permanent-failure", reason=reason, at=now))
                for r in rows
            ],
        )
        uow.metrics.sms("permanent-failure", None, len(rows))
        report.failed += len(rows)
        log.warning("sms.not_sent", reason=reason, count=len(rows), sending_service=rows[0].sending_service)

    async def _send_in_transaction(
        self,
        uow: NotifyUnitOfWork,
        provider: TransactionalProvider,
        rows: list[Any],
        now: datetime,
        mono: float,
        report: PassReport,
    ) -> None:
        results = await provider.send_in(uow, [_outgoing(r) for r in rows], now)
        accepted = [(r, res) for r, res in zip(rows, results, strict=True) if res.kind == "accepted"]
        if len(accepted) != len(rows) or any(res.provider_ref != r.id for r, res in accepted):
            raise RuntimeError(
                f"{provider.name}: in-transaction providers accept all, with our id as reference"
            )
        await uow.messages.mark_sent_many([r.id for r in rows], provider.name, now)
        await uow.publish_many(
            topics.SMS_SENT, [(r.id, events.sent(r, provider.name, now)) for r, _ in accepted]
        )
        uow.metrics.sms("sent", provider.name, len(accepted))
        for r, _ in accepted:
            uow.metrics.billed(provider.name, r.encoding, r.segments)
        for _ in accepted:
            self.router.record(provider.name, True, mono)
        report.sent += len(accepted)

    # --- HTTP gateways ---------------------------------------------------------------------------------

    async def drain(self) -> None:
        """Wait for the HTTP calls in flight and their records (on shutdown; each call is bounded by the
        gateway timeout)."""
        while self._inflight:
            await asyncio.gather(*self._inflight, return_exceptions=True)

    async def _call_remote(self, jobs: list[RemoteJob], report: PassReport) -> None:
        async def call(job: RemoteJob) -> SubmitResult:
            async with self._semaphore:
                try:
                    return await job.provider.send(job.sms)
                except Exception as exc:  # an adapter bug must not lose the batch's outcomes
                    log.error("sms.provider_crashed", provider=job.provider.name, error=repr(exc)[:300])
                    return SubmitResult("technical", code="adapter_error", detail=repr(exc)[:200])

        results = await asyncio.gather(*(call(j) for j in jobs))
        now, mono = self.clock.now(), self.clock.monotonic()
        for job, res in zip(jobs, results, strict=True):
            self.router.record(job.provider.name, not res.is_provider_error, mono)
        try:
            async with self.uow_factory() as uow:
                for job, res in zip(jobs, results, strict=True):
                    await self._record(uow, job, res, now, report)
                await uow.commit()
        except Exception as exc:  # the rows stay "sending": re-queued, pinned, after the claim timeout
            log.error("sms.record_failed", messages=len(jobs), error=repr(exc)[:300])

    async def _record(
        self, uow: NotifyUnitOfWork, job: RemoteJob, res: SubmitResult, now: datetime, report: PassReport
    ) -> None:
        row, name = job.row, job.provider.name
        attempts = row.attempts + 1
        if res.kind == "accepted" and res.provider_ref:
            recorded = await uow.messages.record_claimed(
                row.id,
                job.claimed_at,
                {
                    "status": "sent",
                    "provider_ref": res.provider_ref,
                    "sent_at": now,
                    "claimed_at": None,
                    "failure_reason": None,
                    "updated_at": now,
                },
            )
            if recorded:
                await uow.publish(topics.SMS_SENT, events.sent(row, name, now), key=row.id)
                uow.metrics.sms("sent", name)
                uow.metrics.billed(name, row.encoding, row.segments)
                report.sent += 1
                log.info(
                    "sms.sent", message_id=row.id, provider=name, phone=row.phone_masked, attempt=attempts
                )
            else:  # a receipt was faster (and emitted sms-sent), or the claim expired meanwhile
                await uow.messages.set_provider_ref_if_missing(row.id, res.provider_ref)
            await match_pending(uow, name, res.provider_ref, row.id, now)
            return
        decision = decide_submit(
            res,
            attempts=attempts,
            max_attempts=self.config.max_attempts,
            now=now,
            base_seconds=self.config.retry_base_seconds,
            cap_seconds=self.config.retry_cap_seconds,
        )
        pin = name if (res.ambiguous and job.provider.idempotent and not decision.final) else None
        recorded = await uow.messages.record_claimed(
            row.id,
            job.claimed_at,
            {
                "status": decision.status,
                "failure_reason": res.reason,
                "next_attempt_at": decision.next_attempt_at,
                "pinned_provider": pin,
                "claimed_at": None,
                "failed_at": now if decision.final else None,
                "updated_at": now,
            },
        )
        if not recorded:
            return
        uow.metrics.sms(decision.status, name)
        if decision.final and decision.failure_status is not None:
            failed = events.failed(
                message_id=row.id,
                dossier_code=row.dossier_code,
                phone_masked=row.phone_masked or "",
                template=row.template,
                provider=name,
                status=decision.failure_status,
                reason=res.reason,
                attempts=attempts,
                at=now,
                trigger_event_id=row.trigger_event_id,
            )
            await uow.publish(topics.SMS_FAILED, failed, key=row.id)
            report.failed += 1
            log.warning("sms.failed", message_id=row.id, provider=name, reason=res.reason, attempts=attempts)
        else:
            report.retrying += 1
            log.info(
                "sms.retry",
                message_id=row.id,
                provider=name,
                reason=res.reason,
                attempt=attempts,
                next_attempt_at=decision.next_attempt_at.isoformat() if decision.next_attempt_at else None,
            )

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
