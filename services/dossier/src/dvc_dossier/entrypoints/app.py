"""App factory: ``uvicorn --factory dvc_dossier.entrypoints.app:create_app``."""

from typing import cast

from fastapi import FastAPI

from dvc_contracts import agencies, topics
from dvc_contracts.agencies import AgencySystem
from dvc_contracts.events import (
    AgencyStatusRejectedV1,
    AgencyStatusReportedV1,
    DossierForwardedV1,
    DossierStatusChangedV1,
    DossierSubmittedV1,
    FeePaidV1,
    FeeRefundedV1,
    FineIssuedV1,
    FineSettledV1,
    PaymentExpiredV1,
    PaymentRequestedV1,
    ProcedurePublishedV1,
    ProcedureRetiredV1,
    RefundFailedV1,
    RefundRequestedV1,
    SmsRequestedV1,
)
from dvc_dossier.adapters.backlog import BacklogProbe
from dvc_dossier.adapters.orm import messaging
from dvc_dossier.config import Settings
from dvc_dossier.entrypoints import documents
from dvc_dossier.entrypoints.http import router
from dvc_dossier.entrypoints.ingest import router as ingest_router
from dvc_dossier.sagas import handlers as saga_handlers
from dvc_dossier.service import handlers, status_sync
from dvc_dossier.service.documents import DocumentsConfig, sweep_forever
from dvc_dossier.service.intake import IngestGate
from dvc_dossier.service.uow import DossierUnitOfWork
from dvckit.app import create_service_app
from dvckit.messaging.lag import GroupLag
from dvckit.messaging.typed import Event, EventsHandler, Rejection
from dvckit.runtime import Runtime, build_runtime


def create_runtime(settings: Settings | None = None) -> Runtime[DossierUnitOfWork]:
    cfg = settings or Settings()

    class ConfiguredUnitOfWork(DossierUnitOfWork):
        payment_expiry_seconds = cfg.saga_payment_expiry_seconds

    runtime = cast(Runtime[DossierUnitOfWork], build_runtime(cfg, messaging, ConfiguredUnitOfWork))
    # The catalog snapshot must be complete in every instance before reports are judged against it.
    runtime.subscribe(ProcedurePublishedV1, handlers.on_procedure_published, every_instance=True)
    runtime.subscribe(ProcedureRetiredV1, handlers.on_procedure_retired, every_instance=True)

    async def catalog_ready() -> bool:
        return await runtime.caught_up(topics.PROCEDURE_PUBLISHED)

    def status_handler(system: AgencySystem | None) -> EventsHandler[AgencyStatusReportedV1]:
        async def handler(
            events: list[Event[AgencyStatusReportedV1]], uow: DossierUnitOfWork
        ) -> list[Rejection]:
            return await status_sync.on_agency_status_reported(events, uow, catalog_ready, system)

        return handler

    # The inbox names (never change one): each agency system has its own, so an event id is that system's own
    # (another system cannot pre-empt it).
    runtime.subscribe_batch(
        AgencyStatusReportedV1,
        status_handler(None),
        "Agency status reports that the HTTP ingest accepted, applied once and in sequence order",
        rejecter=status_sync.reject_to_agency,
        name="on_agency_status_reported",
    )
    for system in agencies.SYSTEMS:
        runtime.subscribe_batch(
            AgencyStatusReportedV1,
            status_handler(system),
            f"{system.name}: its status reports (binary or structured CloudEvents), only for the agencies "
            "and provinces it covers; applied once and in sequence order",
            rejecter=status_sync.reject_to_agency,
            topic=system.reported_topic,
            name=f"on_agency_status_reported.{system.id}",
        )
        runtime.publishes(
            system.rejected_topic, AgencyStatusRejectedV1, f"{system.name}: its refused reports"
        )
    # Sagas (vehicle registration, licence renewal level 4): advanced only by the events they consume.
    runtime.subscribe(FeePaidV1, saga_handlers.on_fee_paid)
    runtime.subscribe(PaymentExpiredV1, saga_handlers.on_payment_expired)
    runtime.subscribe(FeeRefundedV1, saga_handlers.on_fee_refunded)
    runtime.subscribe(RefundFailedV1, saga_handlers.on_refund_failed)
    runtime.subscribe(FineIssuedV1, saga_handlers.on_fine_issued)
    runtime.subscribe(FineSettledV1, saga_handlers.on_fine_settled)
    runtime.publishes(topics.DOSSIER_SUBMITTED, DossierSubmittedV1)
    runtime.publishes(topics.DOSSIER_FORWARDED, DossierForwardedV1)
    runtime.publishes(topics.PAYMENT_REQUESTED, PaymentRequestedV1)
    runtime.publishes(topics.REFUND_REQUESTED, RefundRequestedV1)
    runtime.publishes(topics.SMS_REQUESTED, SmsRequestedV1)
    runtime.publishes(topics.DOSSIER_STATUS_CHANGED, DossierStatusChangedV1)
    runtime.publishes(
        topics.AGENCY_STATUS_REJECTED, AgencyStatusRejectedV1, "Refused agency reports, for the agency"
    )
    return runtime


def create_app(settings: Settings | None = None) -> FastAPI:
    cfg = settings or Settings()
    runtime = create_runtime(cfg)
    # HTTP ingest admission: the backlog of the shared ingress topic, measured in the background.
    gate = IngestGate(
        max_backlog=cfg.ingest_max_backlog,
        concurrency=cfg.ingest_concurrency,
        window_seconds=cfg.ingest_fair_window_seconds,
    )
    topic = topics.AGENCY_STATUS_REPORTED
    probe = BacklogProbe(
        runtime.sessionmaker,
        runtime.tables.outbox,
        GroupLag(cfg.kafka, cfg.group_id, topic, client_id="dvc-dossier-intake"),
        topic,
        cap=2 * cfg.ingest_max_backlog + 1,
    )

    async def sample_backlog(_: Runtime[DossierUnitOfWork]) -> None:
        await gate.run(probe, cfg.ingest_sample_seconds)

    documents_cfg = DocumentsConfig.from_settings(cfg)

    async def sweep_documents(rt: Runtime[DossierUnitOfWork]) -> None:
        await sweep_forever(rt.uow, documents_cfg, cfg.documents_sweep_seconds)

    app = create_service_app(
        runtime,
        title="Cổng DVC — dossier",
        description="Hồ sơ: nộp trực tuyến, theo dõi, đồng bộ trạng thái từ các bộ, ngành, địa phương.",
        routers=[router, documents.router, ingest_router],
        background=[sample_backlog, sweep_documents],
        streamed_paths=documents.STREAMED_PATHS,
    )
    app.state.ingest_gate = gate
    app.state.documents = documents_cfg
    return app
