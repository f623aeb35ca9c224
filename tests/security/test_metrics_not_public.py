"""/metrics answers scrapers that reach a pod directly, never a request that came through a proxy (the public
ingress adds X-Forwarded-For / Forwarded / X-Real-IP)."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from dvckit.metrics import metrics_endpoint


@pytest.fixture
def client() -> httpx.AsyncClient:
    app = Starlette()
    app.add_route("/metrics", metrics_endpoint, methods=["GET"])
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://pod:8000")


async def test_a_direct_scrape_gets_the_figures(client: httpx.AsyncClient) -> None:
    r = await client.get("/metrics")
    assert r.status_code == 200 and "dvc_outbox_published_total" in r.text


@pytest.mark.parametrize(
    "header",
    [
        {"x-forwarded-for": "203.0.113.5"},
        {"forwarded": "for=203.0.113.5;proto=https"},
        {"x-real-ip": "203.0.113.5"},
        {"X-Forwarded-For": "203.0.113.5, 10.0.0.7"},
    ],
)
async def test_through_a_proxy_it_does_not_exist(client: httpx.AsyncClient, header: dict[str, str]) -> None:
    r = await client.get("/metrics", headers=header)
    assert r.status_code == 404 and "dvc_" not in r.text
