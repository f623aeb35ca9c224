"""Prometheus metrics shared by every service (names and labels are the same everywhere)."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, generate_latest
from starlette.requests import Request
from starlette.responses import Response

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


# Headers a reverse proxy adds: a request carrying one came through the public ingress.
PROXY_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")


async def metrics_endpoint(request: Request) -> Response:
    """GET /metrics in the Prometheus text format (served at the exact path, no redirect). Only for scrapers
    that reach the pod directly (Prometheus, reporting's pipeline page): a request a proxy forwarded gets 404,
    so the figures (queue depths, per-province counts, error rates) never leave through the public ingress."""
    if any(header in request.headers for header in PROXY_HEADERS):
        return Response(status_code=404)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
