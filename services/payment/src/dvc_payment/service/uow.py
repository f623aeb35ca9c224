from __future__ import annotations

from collections.abc import Callable
from typing import Self

from dvc_payment.adapters.repository import (
    AttemptRepository,
    CallbackLog,
    FineRepository,
    PaymentRepository,
    RateLimitRepository,
    RefundRepository,
)
from dvc_payment.adapters.webhook_repository import WebhookRepository
from dvckit.uow import UnitOfWork


class PaymentUnitOfWork(UnitOfWork):
    """The kit's unit of work with the payment repositories, and hooks run only after a commit (metrics)."""

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self._after_commit: list[Callable[[], None]] = []
        return self

    def after_commit(self, hook: Callable[[], None]) -> None:
        self._after_commit.append(hook)

    async def commit(self) -> None:
        await super().commit()
        hooks, self._after_commit = self._after_commit, []
        for hook in hooks:
            hook()

    @property
    def payments(self) -> PaymentRepository:
        return PaymentRepository(self.session)

    @property
    def attempts(self) -> AttemptRepository:
        return AttemptRepository(self.session)

    @property
    def refunds(self) -> RefundRepository:
        return RefundRepository(self.session)

    @property
    def callbacks(self) -> CallbackLog:
        return CallbackLog(self.session)

    @property
    def fines(self) -> FineRepository:
        return FineRepository(self.session)

    @property
    def rate_limits(self) -> RateLimitRepository:
        return RateLimitRepository(self.session)

    @property
    def webhooks(self) -> WebhookRepository:
        return WebhookRepository(self.session)
