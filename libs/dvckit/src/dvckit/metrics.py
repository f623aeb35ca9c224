"""Prometheus metrics shared by every service (names and labels are the same everywhere)."""

from __future__ import annotations

import time

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

OUTBOX_BACKLOG = Gauge("dvc_outbox_backlog", "Outbox rows not yet published", ["service"])
OUTBOX_PUBLISHED = Counter("dvc_outbox_published_total", "Outbox rows published", ["service", "topic"])
OUTBOX_ERRORS = Counter("dvc_outbox_publish_errors_total", "Failed relay publish attempts", ["service"])
EVENTS_CONSUMED = Counter(
    "dvc_events_consumed_total", "Events handled (applied or duplicate)", ["service", "topic", "outcome"]
)
DEAD_LETTERS = Counter(
    "dvc_dead_letters_total",
    "Records sent to a dead-letter/rejected topic",
    [
        "service",
        "topic",
        "reason",
    ],
)
CONSUMER_LAG = Gauge("dvc_consumer_lag", "Highwater minus position", ["service", "topic", "partition"])
HTTP_REQUESTS = Counter(
    "dvc_http_requests_total",
    "HTTP requests answered, by route template and status",
    ["service", "method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "dvc_http_request_duration_seconds",
    "Time from a request's arrival to its response's first byte, by route template",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
UNMATCHED = "<unmatched>"  # requests no route matched (404 scans) share one series: no path in a label


# Headers a reverse proxy adds: a request carrying one came through the public ingress.
PROXY_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")


async def metrics_endpoint(request: Request) -> Response:
    """GET /metrics in the Prometheus text format (served at the exact path, no redirect). Only for scrapers
    that reach the pod directly (Prometheus, reporting's pipeline page): a request a proxy forwarded gets 404,
    so the figures (queue depths, per-province counts, error rates) never leave through the public ingress."""
    if any(header in request.headers for header in PROXY_HEADERS):
        return Response(status_code=404)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


class HttpMetricsMiddleware:
    """dvc_http_requests_total and dvc_http_request_duration_seconds per service, method, route template
    (``/dossiers/{code}``, never the raw path: one series per route, whatever callers send) and status."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # an exception that escapes every handler becomes a 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                route = _route_of(scope)
                HTTP_DURATION.labels(self.service, scope["method"], route).observe(
                    time.perf_counter() - started
                )
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            HTTP_REQUESTS.labels(self.service, scope["method"], _route_of(scope), str(status)).inc()


def _route_of(scope: Scope) -> str:
    route = scope.get("route")
    return str(getattr(route, "path_format", None) or getattr(route, "path", None) or UNMATCHED)
