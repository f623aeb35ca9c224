"""dvc_http_requests_total / dvc_http_request_duration_seconds: one series per route template and status,
whatever paths callers send (a scan of made-up paths adds no series)."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI, HTTPException
from prometheus_client import REGISTRY

from dvckit.metrics import UNMATCHED, HttpMetricsMiddleware


def _app(service: str) -> FastAPI:
    app = FastAPI()
    app.add_middleware(HttpMetricsMiddleware, service=service)

    @app.get("/dossiers/{code}")
    async def dossier(code: str) -> dict[str, str]:
        if code == "missing":
            raise HTTPException(404, "not found")
        return {"code": code}

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("a bug")

    return app


def _count(service: str, route: str, status: str) -> float | None:
    labels = {"service": service, "method": "GET", "route": route, "status": status}
    return REGISTRY.get_sample_value("dvc_http_requests_total", labels)


async def test_requests_are_counted_per_route_template_and_status() -> None:
    service = f"kit-{uuid.uuid4().hex[:6]}"
    transport = httpx.ASGITransport(app=_app(service), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        for code in ("HS-1", "HS-2", "HS-3", "missing"):
            await http.get(f"/dossiers/{code}")
        for n in range(5):
            assert (await http.get(f"/scan/{n}.php")).status_code == 404
        assert (await http.get("/boom")).status_code == 500
    assert _count(service, "/dossiers/{code}", "200") == 3
    assert _count(service, "/dossiers/{code}", "404") == 1
    assert _count(service, UNMATCHED, "404") == 5
    assert _count(service, "/boom", "500") == 1
    observed = REGISTRY.get_sample_value(
        "dvc_http_request_duration_seconds_count",
        {"service": service, "method": "GET", "route": "/dossiers/{code}"},
    )
    assert observed == 4
