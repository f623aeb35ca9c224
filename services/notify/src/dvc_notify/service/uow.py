"""Notify's unit of work: the kit's (outbox, inbox, commit) plus notify's repositories and metrics that
count only what was committed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

from pydantic import BaseModel

from dvc_notify.adapters.api_repository import ApiKeyRepository, ApiNotificationRepository
from dvc_notify.adapters.repository import (
    DailyUsageRepository,
    MessageRepository,
    OptOutRepository,
    ReceiptRepository,
)
from dvc_notify.metrics import PendingMetrics
from dvckit.uow import UnitOfWork


class NotifyUnitOfWork(UnitOfWork):
    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.metrics = PendingMetrics(self.after_commit)
        self.messages = MessageRepository(self.session)
        self.opt_outs = OptOutRepository(self.session)
        self.usage = DailyUsageRepository(self.session)
        self.receipts = ReceiptRepository(self.session)
        self.api_keys = ApiKeyRepository(self.session)
        self.api_notifications = ApiNotificationRepository(self.session)
        return self

    async def publish_many(self, type_: str, items: Sequence[tuple[str, BaseModel]]) -> None:
        """Write many events of one type to the outbox in one statement (``items``: key, payload)."""
        if items:
            await self.publish_events([(type_, self.new_event(type_, data, key=key)) for key, data in items])
