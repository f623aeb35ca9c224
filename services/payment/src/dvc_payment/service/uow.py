from __future__ import annotations

from dvc_payment.adapters.fine_repository import FineRepository
from dvc_payment.adapters.guard_repository import CallbackLog, RateLimitRepository
from dvc_payment.adapters.repository import AttemptRepository, PaymentRepository, RefundRepository
from dvc_payment.adapters.webhook_repository import WebhookRepository
from dvckit.uow import UnitOfWork


class PaymentUnitOfWork(UnitOfWork):
    """The kit's unit of work (metrics counted with its ``after_commit``) with the payment repositories."""

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
