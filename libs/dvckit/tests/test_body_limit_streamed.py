"""dvckit.limits: a route named in ``streamed_paths`` reads (and limits) its own body; every other path keeps the
app-wide limit."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from dvckit.limits import BodyLimitMiddleware

LIMIT = 1024


async def count(request: Request) -> JSONResponse:
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
    return JSONResponse({"seen": seen})


app = Starlette(
    routes=[Route("/v1/documents", count, methods=["POST"]), Route("/other", count, methods=["POST"])]
)
limited = BodyLimitMiddleware(app, max_bytes=LIMIT, streamed_paths=[r"(/v1)?/documents"])


async def test_only_the_streamed_path_passes_a_larger_body() -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=limited), base_url="http://t") as client:
        big = b"x" * (LIMIT * 4)
        passed = await client.post("/v1/documents", content=big)
        assert passed.status_code == 200 and passed.json() == {"seen": LIMIT * 4}
        refused = await client.post("/other", content=big)
        assert refused.status_code == 413 and refused.json()["code"] == "body_too_large"
        prefixed = await client.post("/v1/documents/extra", content=big)  # the whole path must match
        assert prefixed.status_code == 413
