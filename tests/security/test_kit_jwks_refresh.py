"""A token signed with a key the cached JWKS does not have makes the verifier fetch the JWKS again before
refusing (issue 13: the identity provider rotates its keys; services kept the set they read at start-up and
refused every token signed with the new key until restarted). A new key id is fetched at once, whenever the
last fetch was (issue 17: a rotation must not fail a request); made-up key ids cost at most one fetch per
second, and a key id a fetch did not find is not looked up again for 30 s, so they cannot make the services
hammer the provider."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import Depends, FastAPI

from dvckit.auth.fastapi import require_role
from dvckit.auth.jwt import (
    DevKeys,
    Principal,
    TokenError,
    TokenVerifier,
    issue_token,
    load_or_create_dev_keys,
)


@dataclass
class Provider:
    """An identity provider's JWKS endpoint: serves ``keys`` (or a 500), counts the fetches."""

    url: str = ""
    keys: list[DevKeys] = field(default_factory=list)
    failing: bool = False
    fetches: int = 0

    def token(self, keys: DevKeys) -> str:
        return issue_token(keys, sub="001099012345", role="citizen")


@pytest.fixture
def provider() -> Iterator[Provider]:
    state = Provider()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.fetches += 1
            body = json.dumps({"keys": [k for keys in state.keys for k in keys.jwks["keys"]]}).encode()
            self.send_response(500 if state.failing else 200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}" if state.failing else body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/realms/dvc/protocol/openid-connect/certs"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def key_pairs(tmp_path: Path) -> list[DevKeys]:
    return [load_or_create_dev_keys(tmp_path / name) for name in ("a", "b", "c")]


class Ticker:
    """The verifier's monotonic clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _verifier(provider: Provider, ticker: Ticker) -> TokenVerifier:
    """What a service builds from ``AUTH_JWKS_URL`` (``Runtime.token_verifier``), on the test's clock."""
    return TokenVerifier.from_source(
        jwks_file=None, jwks_url=provider.url, issuer="cong-dvc", audience="cong-dvc", monotonic=ticker
    )


async def test_a_rotated_key_is_fetched_once_then_trusted(
    provider: Provider, key_pairs: list[DevKeys]
) -> None:
    a, b, c = key_pairs
    provider.keys = [a]
    ticker = Ticker()
    verifier = _verifier(provider, ticker)
    assert provider.fetches == 1
    assert (await verifier.verify_async(provider.token(a))).sub == "001099012345"
    assert provider.fetches == 1, "a known key costs no fetch"

    provider.keys = [b]  # the provider rotates: a is retired, b signs
    ticker.now += 31
    assert (await verifier.verify_async(provider.token(b))).role == "citizen"
    assert provider.fetches == 2
    with pytest.raises(TokenError, match="unknown signing key"):
        verifier.verify(provider.token(a))  # the retired key is no longer trusted

    provider.keys = [b, c]
    ticker.now += 5  # a second rotation 5 s after the last fetch: the new key id is fetched at once
    assert (await verifier.verify_async(provider.token(c))).sub == "001099012345"
    assert provider.fetches == 3
    assert (await verifier.verify_async(provider.token(c))).sub == "001099012345"
    assert provider.fetches == 3, "then it is known: no fetch"


async def test_a_key_rotated_just_after_a_fetch_is_trusted_a_second_later(
    provider: Provider, key_pairs: list[DevKeys]
) -> None:
    """The verifier built at start-up (one fetch), the provider rotating half a second later: the first token
    signed with the new key waits for nothing but the one-second floor between fetches."""
    a, b, _ = key_pairs
    provider.keys = [a]
    ticker = Ticker()
    verifier = _verifier(provider, ticker)
    provider.keys = [a, b]
    ticker.now += 0.5
    with pytest.raises(TokenError, match="unknown signing key"):
        await verifier.verify_async(provider.token(b))  # within a second of the last fetch: not asked
    assert provider.fetches == 1
    ticker.now += 0.6
    assert (await verifier.verify_async(provider.token(b))).role == "citizen"
    assert provider.fetches == 2


async def test_made_up_key_ids_cost_one_fetch_per_interval(
    provider: Provider, key_pairs: list[DevKeys]
) -> None:
    a, *others = key_pairs
    provider.keys = [a]
    ticker = Ticker()
    verifier = _verifier(provider, ticker)
    ticker.now += 60
    forged = [issue_token(keys, sub="x", role="operator") for keys in others for _ in range(10)]
    results = await asyncio.gather(*(verifier.verify_async(t) for t in forged), return_exceptions=True)
    assert all(isinstance(r, TokenError) for r in results)
    assert provider.fetches == 2, "twenty concurrent unknown kids: one fetch"
    for fetches in (3, 3):  # the two made-up ids again: the one not looked up yet costs one more, then none
        ticker.now += 5
        results = await asyncio.gather(*(verifier.verify_async(t) for t in forged), return_exceptions=True)
        assert all(isinstance(r, TokenError) for r in results) and provider.fetches == fetches
    ticker.now += 30  # a missed key id is looked up again after 30 s
    with pytest.raises(TokenError):
        await verifier.verify_async(forged[0])
    assert provider.fetches == 4


async def test_a_failing_provider_keeps_the_keys_it_had(provider: Provider, key_pairs: list[DevKeys]) -> None:
    a, b, _ = key_pairs
    provider.keys = [a]
    ticker = Ticker()
    verifier = _verifier(provider, ticker)
    provider.failing, provider.keys = True, [b]
    ticker.now += 31
    with pytest.raises(TokenError):
        await verifier.verify_async(provider.token(b))
    assert provider.fetches == 2
    assert (await verifier.verify_async(provider.token(a))).sub == "001099012345"


async def test_the_kit_dependency_accepts_a_token_signed_with_a_rotated_key(
    provider: Provider, key_pairs: list[DevKeys]
) -> None:
    """What every service's routes use (``require_role``): no restart needed after a rotation."""
    a, b, _ = key_pairs
    provider.keys = [a]
    ticker = Ticker()
    app = FastAPI()
    app.state.token_verifier = _verifier(provider, ticker)

    @app.get("/me")
    async def me(principal: Principal = Depends(require_role("citizen"))) -> dict[str, str]:
        return {"sub": principal.sub}

    provider.keys = [a, b]
    ticker.now += 31
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        answer = await client.get("/me", headers={"authorization": f"Bearer {provider.token(b)}"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"sub": "001099012345"}


def test_encryption_keys_in_the_jwks_are_left_out(key_pairs: list[DevKeys]) -> None:
    """An identity provider (Keycloak's ``/certs``) publishes its encryption key next to its signing key."""
    a, b, _ = key_pairs
    enc = b.jwks["keys"][0] | {"use": "enc", "alg": "RSA-OAEP"}
    verifier = TokenVerifier({"keys": [*a.jwks["keys"], enc]}, issuer="cong-dvc", audience="cong-dvc")
    assert verifier.verify(issue_token(a, sub="s", role="agency")).role == "agency"
    with pytest.raises(TokenError, match="unknown signing key"):
        verifier.verify(issue_token(b, sub="s", role="agency"))
