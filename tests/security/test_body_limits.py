"""Every service refuses an oversized request body with 413 before reading it (issue 13): a declared length at
once, a chunked body as soon as it passes the limit. Notify's /sms/estimate and payment's callbacks were the
routes that read a 600 MB POST into memory."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from dvc_notify.config import Settings as NotifySettings
from dvc_notify.entrypoints.app import create_app as notify_app
from dvc_payment.config import Settings as PaymentSettings
from dvc_payment.entrypoints.app import create_app as payment_app

LIMIT = 64 * 1024


def _client(app: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service")  # type: ignore[arg-type]


async def _chunks(total: int, size: int = 8192) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        yield b"x" * size
        sent += size


@pytest.mark.parametrize(
    ("app", "path"),
    [
        (lambda: notify_app(NotifySettings(max_body_bytes=LIMIT)), "/sms/estimate"),
        (lambda: payment_app(PaymentSettings(max_body_bytes=LIMIT)), "/callbacks/momo"),
    ],
)
async def test_an_oversized_body_gets_413_before_it_is_read(app: object, path: str) -> None:
    async with _client(app()) as client:  # type: ignore[operator]
        declared = await client.post(path, content=b"x" * (LIMIT + 1))
        assert declared.status_code == 413
        assert declared.json()["code"] == "body_too_large"
        streamed = await client.post(path, content=_chunks(10 * LIMIT))  # chunked: no Content-Length
        assert streamed.status_code == 413
        assert (await client.get("/healthz")).status_code == 200


async def test_a_body_within_the_limit_reaches_the_route() -> None:
    async with _client(notify_app(NotifySettings(max_body_bytes=LIMIT))) as client:
        resp = await client.post("/sms/estimate", json={"text": "Hồ sơ của bạn đã được tiếp nhận."})
        assert resp.status_code != 413
