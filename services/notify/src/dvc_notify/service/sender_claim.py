"""Claiming (``service/sender.py`` step 1): per sending service, in rotation, as many due messages as its token
bucket allows (``SELECT … FOR UPDATE SKIP LOCKED``), then, in the same transaction: the day's quota (reserved by
first attempts; beyond it an ``sms-requested`` message is rejected, the portal's own held until the next
Vietnamese day), the opt-out list, the rate, and a provider per message (none available: held
``hold_seconds``). Transactional providers send right here (``sender_dispatch``); messages for HTTP gateways are
marked ``sending`` and returned as jobs for the call after commit."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from dvc_contracts.clock import vn_date
from dvc_notify.adapters.providers.base import Provider, TransactionalProvider
from dvc_notify.domain.failover import Router
from dvc_notify.domain.limits import RateLimiter, next_vn_midnight, over_daily_limit
from dvc_notify.domain.routing import candidates
from dvc_notify.metrics import SMS_HELD, SMS_RATE_LIMITED
from dvc_notify.service.sender_dispatch import Dispatcher
from dvc_notify.service.sender_record import fail_before_send
from dvc_notify.service.sender_types import PassReport, RemoteJob, SenderConfig, outgoing
from dvc_notify.service.uow import NotifyUnitOfWork
from dvckit.logging import get_logger

log = get_logger("dvc_notify.sender")


class Claimer:
    def __init__(
        self,
        providers: Mapping[str, Provider],
        router: Router,
        limiter: RateLimiter,
        config: SenderConfig,
        dispatcher: Dispatcher,
    ) -> None:
        self.providers = providers
        self.router = router
        self.limiter = limiter
        self.config = config
        self.dispatcher = dispatcher

    async def claim(
        self,
        uow: NotifyUnitOfWork,
        services: list[str],
        start: int,
        now: datetime,
        mono: float,
        report: PassReport,
    ) -> list[RemoteJob]:
        """Claim and dispatch up to ``batch_size`` messages, the services taken from ``start`` on."""
        jobs: list[RemoteJob] = []
        budget = self.config.batch_size
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
        return jobs

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
            await fail_before_send(uow, rejected, "daily_limit_exceeded", now, report)
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
            await fail_before_send(uow, [r for r in rows if r.phone in opted], "opted_out", now, report)
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
                await self.dispatcher.send_in_transaction(uow, provider, group, now, mono, report)
            else:
                await uow.messages.mark_sending([r.id for r in group], name, now)
                jobs += [RemoteJob(r, provider, outgoing(r), now) for r in group]
        return jobs
