"""App factory: ``uvicorn --factory dvc_feedback.entrypoints.app:create_app``."""

from fastapi import FastAPI

from dvc_contracts import topics
from dvc_contracts.events import (
    DossierStatusChangedV1,
    DossierSubmittedV1,
    FeedbackAnsweredV1,
    FeedbackOverdueV1,
    FeedbackReceivedV1,
    FeedbackStatusChangedV1,
    ProcedurePublishedV1,
    ProcedureRetiredV1,
)
from dvc_feedback.adapters.orm import messaging
from dvc_feedback.config import Settings
from dvc_feedback.entrypoints import citizen_http, public_http, staff_http
from dvc_feedback.entrypoints.context import FeedbackContext
from dvc_feedback.entrypoints.errors import install_error_handlers
from dvc_feedback.entrypoints.scheduler import run_scheduler
from dvc_feedback.service import handlers
from dvc_feedback.service.uow import FeedbackUnitOfWork
from dvckit.app import create_service_app
from dvckit.runtime import Runtime, build_runtime


def create_runtime(settings: Settings | None = None) -> Runtime[FeedbackUnitOfWork]:
    runtime = build_runtime(settings or Settings(), messaging, FeedbackUnitOfWork)
    runtime.subscribe(ProcedurePublishedV1, handlers.on_procedure_published)
    runtime.subscribe(ProcedureRetiredV1, handlers.on_procedure_retired)
    runtime.subscribe(DossierSubmittedV1, handlers.on_dossier_submitted)
    runtime.subscribe_batch(DossierStatusChangedV1, handlers.on_dossier_status_changed)
    runtime.publishes(topics.FEEDBACK_RECEIVED, FeedbackReceivedV1, "Received and routed, with the deadline")
    runtime.publishes(topics.FEEDBACK_ANSWERED, FeedbackAnsweredV1)
    runtime.publishes(topics.FEEDBACK_STATUS_CHANGED, FeedbackStatusChangedV1)
    runtime.publishes(topics.FEEDBACK_OVERDUE, FeedbackOverdueV1, "Once per missed response deadline")
    return runtime


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = create_runtime(settings)
    ctx = FeedbackContext.from_settings(settings)

    async def scheduler(rt: Runtime[FeedbackUnitOfWork]) -> None:
        await run_scheduler(rt, ctx)

    app = create_service_app(
        runtime,
        title="Cổng DVC — feedback",
        description="Phản ánh, kiến nghị của người dân, doanh nghiệp: tiếp nhận, chuyển cơ quan có thẩm quyền, "
        "trả lời, công khai, đánh giá.",
        # in this order: /feedback/categories and /feedback/published match before /feedback/{feedback_id}
        routers=[public_http.router, citizen_http.router, staff_http.router],
        background=[scheduler],
    )
    app.state.feedback = ctx
    install_error_handlers(app)
    return app
