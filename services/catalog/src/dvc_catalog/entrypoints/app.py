"""App factory: ``uvicorn --factory dvc_catalog.entrypoints.app:create_app``."""

from fastapi import FastAPI

from dvc_catalog.adapters.orm import messaging
from dvc_catalog.config import Settings
from dvc_catalog.entrypoints.http import router
from dvc_catalog.service.uow import CatalogUnitOfWork
from dvc_contracts import topics
from dvc_contracts.events import ProcedurePublishedV1, ProcedureRetiredV1
from dvckit.app import create_service_app
from dvckit.runtime import Runtime, build_runtime


def create_runtime(settings: Settings | None = None) -> Runtime[CatalogUnitOfWork]:
    runtime = build_runtime(settings or Settings(), messaging, CatalogUnitOfWork)
    runtime.publishes(
        topics.PROCEDURE_PUBLISHED, ProcedurePublishedV1, "Full snapshot of a published version"
    )
    runtime.publishes(topics.PROCEDURE_RETIRED, ProcedureRetiredV1)
    return runtime


def create_app(settings: Settings | None = None) -> FastAPI:
    runtime = create_runtime(settings)
    return create_service_app(
        runtime,
        title="Cổng DVC — catalog",
        description="Cơ sở dữ liệu quốc gia về thủ tục hành chính: procedures, versions, reference data.",
        routers=[router],
    )
