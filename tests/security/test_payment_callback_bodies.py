"""A PayGov notification whose body is not UTF-8, not JSON or not a JSON object is refused with 400 in the
service's one error format (an RFC 9457 problem), never a 500 — whether its signature is forged
(checked first, over the raw bytes) or genuine."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from dvc_contracts import clock
from dvc_payment.adapters.providers import paygov
from dvc_payment.config import Settings
from dvc_payment.entrypoints.app import create_app

SETTINGS = Settings(database_url="sqlite+aiosqlite:///:memory:")
SECRET, MERCHANT = SETTINGS.paygov_secret.get_secret_value(), SETTINGS.paygov_merchant_id


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(SETTINGS))
    async with httpx.AsyncClient(transport=transport, base_url="http://payment.test") as http:
        yield http


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    ts, nonce = str(int(clock.now().timestamp())), "n-" + body.hex()[:24]
    return {
        paygov.H_MERCHANT: MERCHANT, paygov.H_TS: ts, paygov.H_NONCE: nonce,
        paygov.H_SIG: paygov.signature(secret, ts, nonce, body), "content-type": "application/json",
    }  # fmt: skip


def assert_refused(resp: httpx.Response, reason: str) -> None:
    assert resp.status_code == 400, resp.text
    problem = resp.json()
    assert problem["code"] == reason and problem["detail"] and problem["type"] == f"urn:dvc:problem:{reason}"


NOT_UTF8 = b'{"order_ref": "DVC\xff\xfe", "amount": 1}'


async def test_a_forged_notification_that_is_not_utf8_is_a_400(client: httpx.AsyncClient) -> None:
    resp = await client.post(
        "/callbacks/paygov", content=NOT_UTF8, headers=signed(NOT_UTF8, "a-guessed-secret")
    )
    assert_refused(resp, "bad_signature")


@pytest.mark.parametrize(
    "body", [NOT_UTF8, b"\xc3\x28", b"not json", b"[1, 2]", b'"a string"', b"", b'{"order_ref": 1}']
)
async def test_a_signed_notification_that_is_not_a_json_object_is_a_400(
    client: httpx.AsyncClient, body: bytes
) -> None:
    assert_refused(await client.post("/callbacks/paygov", content=body, headers=signed(body)), "malformed")
