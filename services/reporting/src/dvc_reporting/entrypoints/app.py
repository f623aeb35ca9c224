"""App factory: ``uvicorn --factory dvc_reporting.entrypoints.app:create_app``."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import AsyncIterator, Callable
from types import FrameType
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from prometheus_client import REGISTRY

from dvc_contracts import clock
from dvc_contracts.clock import vn_today
from dvc_contracts.topics import ALL_TOPICS
from dvc_reporting.adapters.orm import messaging
from dvc_reporting.adapters.pipeline import LagProbe, scrape_services
from dvc_reporting.config import Settings
from dvc_reporting.entrypoints import accounts, auth, sso, subscriptions, web
from dvc_reporting.entrypoints.api import figures, live, overdue, pipeline, reference, session
from dvc_reporting.entrypoints.context import ReportingContext
from dvc_reporting.metrics import collector
from dvc_reporting.service.live import ChangeHub
from dvc_reporting.service.uow import ReportingUnitOfWork, bind_hub
from dvckit.app import create_service_app
from dvckit.logging import get_logger
from dvckit.runtime import Runtime, build_runtime

log = get_logger("dvc_reporting.app")


def create_runtime(
    settings: Settings | None = None, hub: ChangeHub | None = None
) -> Runtime[ReportingUnitOfWork]:
    settings = settings or Settings()
    runtime = build_runtime(settings, messaging, bind_hub(hub or ChangeHub()))
    subscriptions.subscribe(runtime)
    return runtime


async def pipeline_loop(c: ReportingContext) -> None:
    """Every few seconds: consumer lag of every service's group, outbox backlog from each /metrics, own lag."""
    s = c.settings
    groups = [*s.lag_groups, s.group_id]
    probe = LagProbe(s.kafka, groups, [t for t in ALL_TOPICS])
    try:
        while True:
            try:
                report = await probe.run()
                services = await scrape_services(s.service_urls)
                own = REGISTRY.get_sample_value("dvc_outbox_backlog", {"service": s.service_name})
                services.append(
                    {"service": s.service_name, "url": "(this process)", "up": True, "error": None,
                     "outbox_backlog": int(own or 0), "consumer_lag": None}
                )  # fmt: skip
                c.pipeline = {
                    "lag": {"method": report.method, "rows": report.rows, "error": report.error},
                    "services": services,
                    "checked_at": clock.now().isoformat(),
                }
                c.collector.lag = report.rows
            except Exception as exc:
                log.warning("reporting.pipeline_probe_failed", error=repr(exc)[:300])
            await asyncio.sleep(s.pipeline_interval_seconds)
    finally:
        await probe.close()


async def metrics_loop(c: ReportingContext) -> None:
    """Refresh the Prometheus snapshot of the read model (a scrape never touches the database)."""
    while True:
        try:
            async with c.queries() as q:
                c.collector.snapshot = await q.metric_snapshot(vn_today())
        except Exception as exc:
            log.warning("reporting.metrics_refresh_failed", error=repr(exc)[:300])
        await asyncio.sleep(c.settings.metrics_interval_seconds)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    hub = ChangeHub()
    runtime = create_runtime(settings, hub)
    context = ReportingContext(runtime=runtime, settings=settings, hub=hub, collector=collector())

    async def pipeline_job(_: Runtime[Any]) -> None:
        await pipeline_loop(context)

    async def metrics_job(_: Runtime[Any]) -> None:
        await metrics_loop(context)

    # with an OpenID Provider, the token-paste login (POST /api/session) is shadowed by a refusal
    paste_refusal = [sso.token_paste_router] if settings.oidc_enabled else []
    app = create_service_app(
        runtime,
        title="Cổng DVC — reporting",
        description=(
            "Số liệu và bảng điều khiển cho cán bộ vận hành, dựng hoàn toàn từ luồng sự kiện: hồ sơ theo tỉnh, "
            "lĩnh vực, trạng thái, kênh nộp; quá hạn; thanh toán; xử phạt; phản ánh, kiến nghị; SMS; chi phí xã "
            "hội tiết kiệm; tình trạng đường truyền dữ liệu. Mọi API cần token của cán bộ vận hành (operator); "
            "cán bộ cấp tỉnh chỉ xem được tỉnh của mình."
        ),
        routers=[
            *paste_refusal,
            *(api.router for api in (session, figures, overdue, reference, pipeline, live)),
            accounts.router,
            sso.router,
            web.router,
        ],
        background=[pipeline_job, metrics_job],
    )
    app.state.reporting = context
    oidc = auth.OidcClient(settings) if settings.oidc_enabled else None
    app.state.oidc = oidc
    app.mount("/static", StaticFiles(directory=str(web.STATIC_DIR)), name="static")

    # End the open event streams as soon as the server is asked to stop: uvicorn waits for open connections
    # before it runs the lifespan shutdown, and an event stream never ends by itself.
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(a: FastAPI) -> AsyncIterator[None]:
        async with inner(a):
            restore = _close_streams_on_signals(hub)
            try:
                yield
            finally:
                restore()
                hub.close()
                if oidc is not None:
                    await oidc.aclose()

    app.router.lifespan_context = lifespan
    return app


def _close_streams_on_signals(hub: ChangeHub) -> Callable[[], None]:
    """Chain SIGTERM/SIGINT: close the hub (ending the event streams), then call the server's own handler."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    loop = asyncio.get_running_loop()
    previous: dict[int, Any] = {}

    def handler(signum: int, frame: FrameType | None) -> None:
        loop.call_soon_threadsafe(hub.close)
        prev = previous.get(signum)
        if callable(prev):
            prev(signum, frame)
        elif prev == signal.SIG_DFL and signum == signal.SIGINT:
            raise KeyboardInterrupt

    for sig in (signal.SIGTERM, signal.SIGINT):
        previous[sig] = signal.getsignal(sig)
        signal.signal(sig, handler)

    def restore() -> None:
        for sig, prev in previous.items():
            if signal.getsignal(sig) is handler:
                signal.signal(sig, prev)

    return restore
