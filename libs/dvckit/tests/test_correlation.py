"""Every response carries the request's correlation id (or a new one), and the logs of the request see it."""

from __future__ import annotations

import httpx
import structlog
from fastapi import FastAPI

from dvckit.app import CorrelationMiddleware


def _app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(CorrelationMiddleware, service="kit-test")

    @app.get("/where")
    async def where() -> dict[str, str]:
        return dict(structlog.contextvars.get_contextvars())

    return app


async def test_given_id_is_echoed_and_bound_to_the_logs() -> None:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        r = await http.get("/where", headers={"x-correlation-id": "abc-123"})
    assert r.headers["x-correlation-id"] == "abc-123"
    assert r.json() == {"service": "kit-test", "correlation_id": "abc-123"}


async def test_a_new_id_when_none_is_given() -> None:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        first, second = await http.get("/where"), await http.get("/where")
    ids = {first.headers["x-correlation-id"], second.headers["x-correlation-id"]}
    assert len(ids) == 2 and first.json()["correlation_id"] == first.headers["x-correlation-id"]
