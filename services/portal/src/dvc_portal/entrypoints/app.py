"""App factory: ``uvicorn --factory dvc_portal.entrypoints.app:create_app``.

The portal has its own small database (citizens' sessions, its outbox) and calls the other services' public
HTTP APIs. It consumes no events; it publishes one kind, the citizens' sign-ins (account-registered,
account-signed-in), through its outbox and the kit's relay (written with the sign-in, sent when the broker
answers: a broker away never stops a sign-in). It serves the kit's operational routes itself: ``/healthz``
(the process answers), ``/readyz`` (its database answers; neither the other services nor the broker are part
of it: a page whose service is down says so, the rest of the portal works), ``/metrics``."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Mapping

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import Counter, Histogram
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dvc_portal.adapters import orm
from dvc_portal.adapters.sessions import SessionStore
from dvc_portal.adapters.upstream import ServiceError, Services, ServiceUnavailable, start_timing
from dvc_portal.config import Settings
from dvc_portal.entrypoints import auth, sms, uploads, web
from dvc_portal.entrypoints.context import Portal
from dvc_portal.entrypoints.pages import STATIC_DIR, render
from dvckit.app import CorrelationMiddleware
from dvckit.auth.jwt import TokenVerifier
from dvckit.db import DATABASE_UNAVAILABLE, database_unavailable, make_engine, make_sessionmaker
from dvckit.limits import BodyLimitMiddleware
from dvckit.logging import configure_logging, get_logger
from dvckit.metrics import HttpMetricsMiddleware, metrics_endpoint
from dvckit.oidc_client import OidcClient
from dvckit.problems import problem
from dvckit.production import refuse_development_settings
from dvckit.runtime import make_relay

log = get_logger("dvc_portal.app")

PAGE_SECONDS = Histogram(
    "dvc_portal_page_seconds",
    "Server time of a portal page (seconds), by route",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
UPSTREAM_ERRORS = Counter(
    "dvc_portal_upstream_unavailable_total",
    "Pages that met another service unreachable or failing",
    ["service"],
)

SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


class TimingMiddleware:
    """``Server-Timing: app;dur=…, upstream;dur=…`` on every page (the browser's devtools show both), and the
    page-time histogram by route. Plain ASGI, so the upstream clock started here is the handler's."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        spent = start_timing()

        async def send_timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                total = (time.perf_counter() - started) * 1000
                timing = (
                    f'app;dur={total:.1f}, upstream;dur={spent[0] * 1000:.1f};desc="{int(spent[1])} calls"'
                )
                headers = [
                    *message.get("headers", ()),
                    (b"server-timing", timing.encode()),
                    *SECURITY_HEADERS,
                ]
                message = {**message, "headers": headers}
                route = scope.get("route")
                path = getattr(route, "path", None) or (
                    "/static" if scope["path"].startswith("/static") else "other"
                )
                PAGE_SECONDS.labels(path, scope["method"]).observe(total / 1000)
            await send(message)

        await self.app(scope, receive, send_timed)


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith(("/healthz", "/readyz", "/metrics"))


ERROR_TITLES = {
    400: "Yêu cầu không hợp lệ",
    403: "Không được phép",
    404: "Không tìm thấy trang",
    405: "Không hỗ trợ thao tác này",
    413: "Dữ liệu gửi lên quá lớn",
    422: "Dữ liệu không hợp lệ",
    429: "Quá nhiều yêu cầu",
    500: "Đã có lỗi xảy ra",
    503: "Dịch vụ tạm thời gián đoạn",
}
ERROR_TEXTS = {
    404: "Trang bạn tìm không có hoặc đã được chuyển đi. Hãy kiểm tra lại địa chỉ, hoặc tìm thủ tục từ trang chủ.",
    405: "Thao tác này không dùng được ở địa chỉ này.",
    500: "Hệ thống gặp lỗi khi xử lý yêu cầu của bạn. Vui lòng thử lại sau ít phút.",
}


async def error_page(request: Request, status: int, message: str | None = None) -> Response:
    if not _wants_html(request):
        return problem(status, None, message or ERROR_TITLES.get(status, ""))
    context = {
        "title": ERROR_TITLES.get(status, "Đã có lỗi xảy ra"),
        "message": message or ERROR_TEXTS.get(status, ERROR_TITLES.get(status, "")),
        "status": status,
    }
    try:
        return await render(request, "error.html", context, status)
    except Exception:  # the session's database may be what failed: a page without the signed-in header
        request.state.citizen = None
        return await render(request, "error.html", context, status)


def _install_error_pages(app: FastAPI) -> None:
    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        # our own pages raise with a Vietnamese sentence; Starlette's own ("Not Found") is replaced
        own = isinstance(exc.detail, str) and exc.detail not in ("Not Found", "Method Not Allowed")
        return await error_page(request, exc.status_code, str(exc.detail) if own else None)

    async def invalid(request: Request, exc: Exception) -> Response:
        return await error_page(request, 404 if request.method == "GET" else 422)

    async def unavailable(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ServiceUnavailable)
        UPSTREAM_ERRORS.labels(exc.service).inc()
        message = (
            f"Hệ thống {exc.service_name} đang tạm thời gián đoạn, vui lòng thử lại sau ít phút. "
            "Thông tin bạn đã gửi trước đó không bị mất."
        )
        response = await error_page(request, 503, message)
        response.headers["retry-after"] = "30"
        return response

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ServiceError)
        log.warning("portal.upstream_refused", service=exc.service, status=exc.status, error=exc.error)
        status = exc.status if exc.status in (403, 404, 409, 429) else 400
        return await error_page(request, status, exc.message)

    async def database(request: Request, exc: Exception) -> Response:
        log.warning("portal.database_unavailable", error=repr(exc)[:300])
        response = await error_page(
            request, 503, "Cổng đang tạm thời gián đoạn, vui lòng thử lại sau ít giây."
        )
        response.headers["retry-after"] = "5"
        return response

    async def crashed(request: Request, exc: Exception) -> Response:
        if database_unavailable(exc):  # a wrapped outage (e.g. the server still starting up)
            return await database(request, exc)
        log.exception("portal.page_failed", path=request.url.path)
        return await error_page(request, 500)

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(ServiceUnavailable, unavailable)
    app.add_exception_handler(ServiceError, refused)
    for exc_class in DATABASE_UNAVAILABLE:
        app.add_exception_handler(exc_class, database)
    app.add_exception_handler(Exception, crashed)


def create_app(
    settings: Settings | None = None, transports: Mapping[str, httpx.AsyncBaseTransport] | None = None
) -> FastAPI:
    """``transports``: stand-ins for the other services and the OpenID Provider (``"oidc"``) (tests)."""
    settings = settings or Settings()
    refuse_development_settings(settings.service_name, settings.production_problems())
    engine = make_engine(settings.effective_database_url())
    sessionmaker = make_sessionmaker(engine)
    relay = make_relay(sessionmaker, orm.messaging, settings)
    context = Portal(
        settings=settings,
        engine=engine,
        sessions=SessionStore(engine, settings.session_secret.get_secret_value(), settings.session_hours),
        services=Services(settings, transports),
        sessionmaker=sessionmaker,
        relay=relay,
        oidc=OidcClient(
            settings.oidc_issuer,
            settings.oidc_client_id,
            settings.oidc_client_secret.get_secret_value(),
            scope=settings.oidc_scope,
            timeout=httpx.Timeout(
                settings.oidc_timeout_seconds, connect=min(settings.oidc_timeout_seconds, 3.0)
            ),
            transport=(transports or {}).get("oidc"),
        )
        if settings.oidc
        else None,
    )

    configure_logging(settings.service_name, settings.log_level)  # before uvicorn's start-up lines

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        context.verifier = await asyncio.to_thread(TokenVerifier.from_settings, settings.auth)
        relay.start()
        log.info(
            "service.started",
            port=settings.http_port,
            dev_sign_in=settings.dev_sign_in_enabled,
            oidc_issuer=settings.oidc_issuer or None,
        )
        try:
            yield
        finally:
            await relay.stop()
            await context.services.aclose()
            if context.oidc is not None:
                await context.oidc.aclose()
            await engine.dispose()
            log.info("service.stopped")

    app = FastAPI(
        title="Cổng DVC — cổng công dân",
        description="Trang dành cho người dân: tìm thủ tục, nộp hồ sơ, theo dõi, thanh toán, tra cứu.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.portal = context
    app.add_middleware(  # the submission reads and limits its own body (files: entrypoints.uploads)
        BodyLimitMiddleware,
        max_bytes=min(settings.max_body_bytes, 256 * 1024),
        streamed_paths=uploads.SUBMIT_PATHS,
    )
    app.add_middleware(TimingMiddleware)
    app.add_middleware(CorrelationMiddleware, service=settings.service_name)
    app.add_middleware(HttpMetricsMiddleware, service=settings.service_name)
    _install_error_pages(app)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok", "service": settings.service_name})

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        try:
            async with asyncio.timeout(2.0), engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            database = "ok"
        except Exception as exc:
            database = f"error: {exc.__class__.__name__}"
        ready = database == "ok"
        return JSONResponse({"ready": ready, "database": database}, status_code=200 if ready else 503)

    app.include_router(auth.router)
    for router in web.ROUTERS:  # the citizens' pages, area by area
        app.include_router(router)
    app.include_router(sms.router)
    app.add_route("/metrics", metrics_endpoint, methods=["GET"], include_in_schema=False)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    return app
