"""Gateway dispatch (``service/sender.py`` steps 1 and 2): transactional providers (sandbox, Kafka channel)
send in the claim's transaction, with the status change and sms-sent; HTTP gateways are called after it, outside
any transaction, concurrently (at most ``http_concurrency`` calls), with our message id as the client reference,
and their answers recorded in a second transaction (``sender_record.record``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

from dvc_contracts import topics
from dvc_notify.adapters.providers.base import TransactionalProvider
from dvc_notify.domain.failover import Router
from dvc_notify.domain.status import SubmitResult
from dvc_notify.service import events
from dvc_notify.service.sender_record import record
from dvc_notify.service.sender_types import Clock, PassReport, RemoteJob, SenderConfig, outgoing
from dvc_notify.service.uow import NotifyUnitOfWork
from dvckit.logging import get_logger

log = get_logger("dvc_notify.sender")


class Dispatcher:
    def __init__(
        self,
        uow_factory: Callable[[], NotifyUnitOfWork],
        router: Router,
        config: SenderConfig,
        clock: Clock,
    ) -> None:
        self.uow_factory = uow_factory
        self.router = router
        self.config = config
        self.clock = clock
        self._semaphore = asyncio.Semaphore(config.http_concurrency)

    async def send_in_transaction(
        self,
        uow: NotifyUnitOfWork,
        provider: TransactionalProvider,
        rows: list[Any],
        now: datetime,
        mono: float,
        report: PassReport,
    ) -> None:
        results = await provider.send_in(uow, [outgoing(r) for r in rows], now)
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

    async def call_remote(self, jobs: list[RemoteJob], report: PassReport) -> None:
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
                    await record(uow, job, res, now, report, self.config)
                await uow.commit()
        except Exception as exc:  # the rows stay "sending": re-queued, pinned, after the claim timeout
            log.error("sms.record_failed", messages=len(jobs), error=repr(exc)[:300])
