"""App factory: ``uvicorn --factory dvc_payment.entrypoints.app:create_app``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI

from dvc_contracts import topics
from dvc_contracts.events import (
    FeePaidV1,
    FeeRefundedV1,
    FineIssuedV1,
    FineSettledV1,
    PaymentExpiredV1,
    PaymentFailedV1,
    PaymentRequestedV1,
    ProcedurePublishedV1,
    RefundFailedV1,
    RefundRequestedV1,
)
from dvc_payment.adapters.orm import messaging
from dvc_payment.adapters.sandbox import build_sandbox_router
from dvc_payment.config import Settings
from dvc_payment.entrypoints import callbacks, fines, http, jobs, paying
from dvc_payment.entrypoints import refunds as refund_routes
from dvc_payment.entrypoints import webhooks as webhook_routes
from dvc_payment.entrypoints.context import PaymentContext
from dvc_payment.service import fines as fine_handlers
from dvc_payment.service import intents, refunds, webhooks
from dvc_payment.service.arrivals import IntentArrivals
from dvc_payment.service.common import Policy
from dvc_payment.service.uow import PaymentUnitOfWork
from dvckit.app import create_service_app
from dvckit.messaging.typed import Event
from dvckit.runtime import Runtime, build_runtime


def create_runtime(
    settings: Settings | None = None, arrivals: IntentArrivals | None = None
) -> Runtime[PaymentUnitOfWork]:
    settings = settings or Settings()
    policy = Policy.from_settings(settings)
    runtime = build_runtime(settings, messaging, PaymentUnitOfWork)

    async def on_payment_requested(event: Event[PaymentRequestedV1], uow: Any) -> None:
        """Create a payment intent (payment_id is the idempotency key)."""
        await intents.on_payment_requested(event, uow, policy=policy, arrivals=arrivals)

    runtime.subscribe(PaymentRequestedV1, on_payment_requested)
    runtime.subscribe(RefundRequestedV1, refunds.on_refund_requested)
    runtime.subscribe(FineIssuedV1, fine_handlers.on_fine_issued)
    runtime.subscribe(ProcedurePublishedV1, webhooks.on_procedure_published)
    runtime.publishes(topics.FEE_PAID, FeePaidV1)
    runtime.publishes(topics.PAYMENT_FAILED, PaymentFailedV1)
    runtime.publishes(topics.PAYMENT_EXPIRED, PaymentExpiredV1)
    runtime.publishes(topics.FEE_REFUNDED, FeeRefundedV1)
    runtime.publishes(topics.REFUND_FAILED, RefundFailedV1)
    runtime.publishes(topics.FINE_SETTLED, FineSettledV1)
    return runtime


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    # httpx logs every URL at INFO: provider URLs carry signed payment parameters, keep them out of the logs.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    arrivals = IntentArrivals(max_waiters=settings.checkout_max_waiters)
    runtime = create_runtime(settings, arrivals)
    ctx = PaymentContext.build(settings, runtime, arrivals)
    routers = [
        http.router,
        paying.router,
        refund_routes.router,
        webhook_routes.router,
        callbacks.router,
        fines.router,
    ]
    background = [
        ctx.run_http_lifetime,
        jobs.expiry_job(ctx),
        jobs.reconciliation_job(ctx),
        jobs.refund_job(ctx),
        jobs.webhook_job(ctx),
        jobs.maintenance_job(ctx),
    ]
    if ctx.sandbox is not None:
        routers.append(build_sandbox_router(ctx.sandbox))
        sandbox = ctx.sandbox

        async def run_sandbox(_: Runtime[Any]) -> None:
            await sandbox.run()

        background.append(run_sandbox)
    app = create_service_app(
        runtime,
        title="Cổng DVC — payment",
        description="Thanh toán phí, lệ phí và tiền phạt qua ngân hàng, ví điện tử và Nền tảng thanh toán quốc gia.",
        routers=routers,
        background=background,
    )
    app.state.payment = ctx
    ctx.http.bind_local(app)
    return app
