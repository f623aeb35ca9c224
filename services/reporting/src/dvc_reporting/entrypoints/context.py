"""What the HTTP routes and background jobs of one reporting app share (built in the app factory)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from dvc_reporting.adapters.queries.report import ReportQueries
from dvc_reporting.config import Settings
from dvc_reporting.metrics import ReadModelCollector
from dvc_reporting.service.live import ChangeHub
from dvc_reporting.service.uow import ReportingUnitOfWork
from dvckit.runtime import Runtime


@dataclass
class ReportingContext:
    runtime: Runtime[ReportingUnitOfWork]
    settings: Settings
    hub: ChangeHub
    collector: ReadModelCollector
    pipeline: dict[str, Any] = field(default_factory=dict)  # the latest probe (lag, outbox backlog)

    @contextlib.asynccontextmanager
    async def queries(self) -> AsyncIterator[ReportQueries]:
        async with self.runtime.engine.connect() as conn:
            yield ReportQueries(conn)


def ctx(request: Request) -> ReportingContext:
    context: ReportingContext = request.app.state.reporting
    return context
