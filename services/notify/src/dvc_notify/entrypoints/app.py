"""App factory: ``uvicorn --factory dvc_notify.entrypoints.app:create_app``."""

from typing import Any

from fastapi import FastAPI

from dvc_contracts import topics
from dvc_contracts.events import (
    DossierForwardedV1,
    DossierStatusChangedV1,
    DossierSubmittedV1,
    EventPayload,
    FeedbackAnsweredV1,
    FeePaidV1,
    FeeRefundedV1,
    FineSettledV1,
    SmsDeliveredV1,
    SmsFailedV1,
    SmsOutboundV1,
    SmsReceiptsV1,
    SmsRequestedV1,
    SmsSentV1,
)
from dvc_notify.adapters.orm import messaging
from dvc_notify.config import Settings
from dvc_notify.entrypoints import (
    citizen_http,
    http,
    keys_http,
    optouts_http,
    providers_http,
    send_http,
    templates_http,
)
from dvc_notify.entrypoints.sender import run_sender
from dvc_notify.entrypoints.wiring import build_notify
from dvc_notify.service import handlers
from dvc_notify.service.uow import NotifyUnitOfWork
from dvckit.app import create_service_app
from dvckit.messaging.typed import EventsHandler
from dvckit.runtime import Runtime, build_runtime

# Each route's inbox name ("notify:<name>"): never change one. The inbox deduplicates per name, so under a new
# name an event handled before and delivered again after an upgrade would give a second SMS.
SUBSCRIPTIONS: tuple[tuple[type[EventPayload], EventsHandler[Any], str], ...] = (
    (DossierSubmittedV1, handlers.on_dossier_submitted, "on_dossier_submitted"),
    (DossierStatusChangedV1, handlers.on_dossier_status_changed, "on_dossier_status_changed"),
    (DossierForwardedV1, handlers.on_dossier_forwarded, "on_dossier_forwarded"),
    (FeePaidV1, handlers.on_fee_paid, "on_fee_paid"),
    (FeeRefundedV1, handlers.on_fee_refunded, "on_fee_refunded"),
    (FineSettledV1, handlers.on_fine_settled, "on_fine_settled"),
    (FeedbackAnsweredV1, handlers.on_feedback_answered, "on_feedback_answered"),
    (SmsRequestedV1, handlers.on_sms_requested, "on_sms_requested"),
    (SmsReceiptsV1, handlers.on_sms_receipts, "on_sms_receipts"),
)


def create_runtime(settings: Settings | None = None) -> Runtime[NotifyUnitOfWork]:
    settings = settings or Settings()
    runtime = build_runtime(settings, messaging, NotifyUnitOfWork)
    for event, handler, name in SUBSCRIPTIONS:  # one consumer for all of them (the kit's finalize)
        runtime.subscribe_batch(event, handler, name=name)
    runtime.publishes(topics.SMS_SENT, SmsSentV1)
    runtime.publishes(topics.SMS_DELIVERED, SmsDeliveredV1)
    runtime.publishes(topics.SMS_FAILED, SmsFailedV1)
    runtime.publishes(topics.SMS_OUTBOUND, SmsOutboundV1, "Kafka-native channel: SMS for telecom gateways")
    return runtime


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = create_runtime(settings)
    notify = build_notify(settings, runtime.uow)

    async def sender(_: Runtime[Any]) -> None:
        await run_sender(notify)

    app = create_service_app(
        runtime,
        title="Cổng DVC — notify",
        description="Tin nhắn SMS tới người dân ở mỗi bước xử lý hồ sơ.",
        routers=[
            http.router,
            optouts_http.router,
            providers_http.router,
            templates_http.router,
            send_http.router,
            keys_http.router,
            citizen_http.router,
        ],
        background=[sender],
    )
    app.state.notify = notify
    return app
