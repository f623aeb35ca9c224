"""HTTP app factory shared by every service: lifespan (broker, relay, inbox pruning), /healthz, /readyz,
/readyz/broker, /metrics (the three health signals: dvckit.health)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from typing import Any

import structlog
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dvckit.db import DATABASE_UNAVAILABLE, database_unavailable, invalid_client_data
from dvckit.health import (
    BrokerHealth,
    BrokerState,
    Liveness,
    LoopHealth,
    Readiness,
    supervise_broker,
    watch_loop,
)
from dvckit.limits import BodyLimitMiddleware
from dvckit.logging import configure_logging, get_logger
from dvckit.messaging.inbox import prune_periodically
from dvckit.metrics import CONSUMER_LAG, HttpMetricsMiddleware, metrics_endpoint
from dvckit.problems import PROBLEM_RESPONSES, install_problem_handlers, problem
from dvckit.runtime import Runtime
from dvckit.tasks import cancel_and_wait

log = get_logger("dvckit.app")

API_PREFIX = "/v1"
PROVIDER_PROTOCOL = (
    "dvc_provider_protocol"  # set on a router whose routes speak a payment/SMS provider's protocol
)
PROVIDER_EXTENSION = "x-dvc-provider-protocol"  # on those routes' operations in the OpenAPI document


def provider_protocol(router: APIRouter) -> APIRouter:
    """Marks ``router`` as a provider's protocol: its error answers are that provider's, so the OpenAPI document
    does not promise problem details for them."""
    setattr(router, PROVIDER_PROTOCOL, True)
    return router


BackgroundTask = Callable[[Runtime[Any]], Coroutine[Any, Any, None]]


async def _export_lag(runtime: Runtime[Any], every: float = 5.0) -> None:
    """dvc_consumer_lag{service,topic,partition}: what each consumer has left to read."""
    service = runtime.settings.service_name
    while True:
        try:
            for (topic, partition), lag in (await runtime.lag()).items():
                if lag is not None:
                    CONSUMER_LAG.labels(service, topic, str(partition)).set(lag)
        except Exception as exc:
            log.debug("consumer_lag.failed", error=repr(exc)[:200])
        await asyncio.sleep(every)


async def _prune_inbox(runtime: Runtime[Any]) -> None:
    """Handled event ids older than the inbox retention go (dvckit.messaging.inbox)."""
    await prune_periodically(runtime.prune_inbox)


class CorrelationMiddleware:
    """Binds the request's correlation id (``x-correlation-id`` or a new one) to the logs and echoes it.
    Plain ASGI: Starlette's ``@app.middleware("http")`` runs every request in an extra task."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = dict(scope.get("headers") or ()).get(b"x-correlation-id")
        cid = raw.decode("latin-1") if raw else str(uuid.uuid4())
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(service=self.service, correlation_id=cid)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", ()), (b"x-correlation-id", cid.encode("latin-1"))]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_id)


def _tune_gc() -> None:
    """Consumers allocate many short-lived objects per event; with CPython's default thresholds the cyclic
    collector ran often and walked every long-lived object (modules, SQLAlchemy, pydantic schemas) each
    time — about a fifth of the status-sync CPU. Objects alive at start-up are frozen out of collection and
    the youngest generation collects every 50,000 allocations instead of 700."""
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """A value the database refuses as data (SQLSTATE 22: a NUL byte, a number out of range) is the caller's: 422.
    A request that met an unreachable database (a restart, a failover) gets one clear 503 problem, with
    Retry-After, instead of a 500 and a traceback. Other database errors are not ours."""
    if invalid_client_data(exc):
        message = "Dữ liệu gửi lên có giá trị không lưu được (ký tự NUL, số vượt giới hạn hoặc mã hóa sai)."
        return problem(422, "invalid_value", message)
    if not database_unavailable(exc):
        raise exc
    log.warning("http.database_unavailable", path=request.url.path, error=repr(exc)[:300])
    message = "Hệ thống tạm thời không truy cập được cơ sở dữ liệu, vui lòng thử lại sau ít giây."
    return problem(503, "database_unavailable", message, headers={"Retry-After": "5"})


def _answers(model: type[BaseModel]) -> dict[int | str, dict[str, Any]]:
    """A health route answers the same body when it is well (200) and when it is not (503)."""
    return {200: {"model": model}, 503: {"model": model, "description": "not well: the body says why"}}


def _mark_provider_protocol(router: APIRouter) -> None:
    """Its operations carry ``x-dvc-provider-protocol: true`` in the OpenAPI document: they answer in a
    provider's format (tests of the document's completeness pass them by)."""
    for route in router.routes:
        if isinstance(route, APIRoute):
            route.openapi_extra = {**(route.openapi_extra or {}), PROVIDER_EXTENSION: True}
        elif (included := getattr(route, "original_router", None)) is not None:
            _mark_provider_protocol(included)  # FastAPI ≥ 0.120 keeps an included router, not copies


def create_service_app(
    runtime: Runtime[Any],
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter] = (),
    background: Sequence[BackgroundTask] = (),
    streamed_paths: Sequence[str] = (),
) -> FastAPI:
    """``streamed_paths``: routes (regular expressions of the whole path, with and without ``/v1``) that read
    and limit their own body as a stream (uploads), exempt from ``<PREFIX>MAX_BODY_BYTES``."""
    settings = runtime.settings
    configure_logging(settings.service_name, settings.log_level)  # before uvicorn's start-up lines, not after
    runtime.finalize()
    broker_health = BrokerHealth(settings.service_name)
    loop_health = LoopHealth(settings.service_name)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _tune_gc()
        app.state.token_verifier = runtime.token_verifier()
        # Nothing here waits for the broker: HTTP is served at once, the broker joins when it answers.
        supervisor = asyncio.create_task(
            supervise_broker(runtime.broker, broker_health, check_every=settings.broker_check_seconds),
            name=f"broker-{settings.service_name}",
        )
        runtime.relay.start()
        tasks = [supervisor, asyncio.create_task(watch_loop(loop_health), name="event-loop-watch")]
        tasks += [asyncio.create_task(job(runtime)) for job in (*background, _export_lag, _prune_inbox)]
        log.info("service.started", port=settings.http_port, kafka=settings.kafka.bootstrap)
        try:
            yield
        finally:
            await cancel_and_wait(tasks)
            try:
                await runtime.broker.stop()
            except Exception as exc:
                log.warning("broker.stop_failed", error=repr(exc)[:200])
            await runtime.relay.stop()
            await runtime.engine.dispose()
            log.info("service.stopped")

    app = FastAPI(title=title, description=description, version="0.1.0", lifespan=lifespan)
    app.state.runtime = runtime
    app.state.broker_health = broker_health

    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes, streamed_paths=streamed_paths)
    app.add_middleware(CorrelationMiddleware, service=settings.service_name)
    app.add_middleware(HttpMetricsMiddleware, service=settings.service_name)
    install_problem_handlers(app)
    for exc_class in (DBAPIError, *DATABASE_UNAVAILABLE):
        app.add_exception_handler(exc_class, _database_unavailable)

    @app.get(
        "/healthz",
        tags=["ops"],
        summary="Liveness: the process answers, its event loop is not stuck",
        responses=_answers(Liveness),
    )
    async def healthz() -> JSONResponse:
        alive = not loop_health.stale()
        body = {
            "status": "ok" if alive else "stuck",
            "service": settings.service_name,
            "loop_lag_ms": round(loop_health.lag * 1000, 1),
        }
        return JSONResponse(body, status_code=200 if alive else 503)

    @app.get(
        "/readyz",
        tags=["ops"],
        summary="Readiness: can serve HTTP (the database answers; not the broker)",
        responses=_answers(Readiness),
    )
    async def readyz() -> JSONResponse:
        try:
            async with asyncio.timeout(2.0), runtime.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            database = "ok"
        except Exception as exc:
            database = f"error: {exc.__class__.__name__}"
        ready = database == "ok"
        # the broker is reported, never required: HTTP writes wait in the outbox while it is away
        body = {"ready": ready, "database": database, "broker": "ok" if broker_health.up else "down"}
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.get(
        "/readyz/broker",
        tags=["ops"],
        summary="Broker health: the Kafka broker answers this instance",
        responses=_answers(BrokerState),
    )
    async def readyz_broker() -> JSONResponse:
        return JSONResponse(broker_health.as_dict(), status_code=200 if broker_health.up else 503)

    for router in routers:  # /v1/... is the documented path; the unversioned one answers too (docs/api.md)
        # a provider's protocol (callbacks, sandboxes) answers in that provider's format, not with problems
        responses = None if getattr(router, PROVIDER_PROTOCOL, False) else PROBLEM_RESPONSES
        if responses is None:
            _mark_provider_protocol(router)
        app.include_router(router, prefix=API_PREFIX, responses=responses)
        app.include_router(router, responses=responses, include_in_schema=False)
    app.add_route("/metrics", metrics_endpoint, methods=["GET"], include_in_schema=False)
    return app
