"""The kit's OpenID Connect client (dvckit.oidc_client, dvckit.oidc_login) against the small fake provider
(dvckit.oidc_fake), in-process: PKCE S256, the state kept server-side and used once by the browser that
started the sign-in, the ID token's nonce, azp and subject, refresh tokens rotated and renewed one at a time,
the provider unreachable. The services' own tests cover their routes and tables on top of this
(services/portal/tests/unit/test_oidc.py, services/reporting/tests/unit/test_oidc_sign_in.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from dvckit.auth.jwt import load_or_create_dev_keys
from dvckit.oidc_client import (
    OidcClient,
    OidcError,
    ProviderUnavailable,
    TokenRefused,
    new_verifier,
    pkce_challenge,
)
from dvckit.oidc_fake import CLIENT_ID, CLIENT_SECRET, ISSUER, SUB, FakeProvider
from dvckit.oidc_login import (
    AuthorizationRefused,
    PendingLogin,
    RefreshGate,
    begin_sign_in,
    complete_sign_in,
    take_sign_in,
)

REDIRECT = "https://cong.test/callback"
NOW = datetime(2026, 3, 2, 8, 0)


class MemoryLogins:
    """The storage port as the dashboard keeps it: a sign-in per browser, taken once."""

    def __init__(self) -> None:
        self.rows: dict[str, tuple[PendingLogin, datetime]] = {}

    async def put(self, browser: str, pending: PendingLogin, now: datetime, expires_at: datetime) -> None:
        self.rows[browser] = (pending, expires_at)

    async def take(self, browser: str, state: str, now: datetime) -> PendingLogin | None:
        found = self.rows.pop(browser, None)
        return found[0] if found and found[1] > now else None


@pytest.fixture
def provider(tmp_path: Path) -> FakeProvider:
    return FakeProvider(load_or_create_dev_keys(tmp_path / "idp"))


@pytest.fixture
async def client(provider: FakeProvider) -> AsyncIterator[OidcClient]:
    c = OidcClient(ISSUER + "/", CLIENT_ID, CLIENT_SECRET, transport=httpx.ASGITransport(app=provider.app()))
    yield c
    await c.aclose()


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


async def signed_in(client: OidcClient, provider: FakeProvider, store: MemoryLogins) -> tuple[str, str]:
    """A sign-in started by browser "b1": the provider's redirect back (path + query)."""
    url = await begin_sign_in(client, store, browser="b1", redirect_uri=REDIRECT, next_path="/ho-so", now=NOW)
    back, _ = provider.authorize(url)
    return url, back


async def returned(client: OidcClient, provider: FakeProvider) -> tuple[str, dict[str, str], PendingLogin]:
    """A sign-in the provider sent back to the browser that started it: the authorization URL, the callback's
    query, and the sign-in taken from the store."""
    store = MemoryLogins()
    url, back = await signed_in(client, provider, store)
    q = query_of(back)
    return url, q, await take_sign_in(client, store, browser="b1", query=q, now=NOW)


async def test_authorization_request_carries_state_nonce_and_an_s256_challenge(
    client: OidcClient, provider: FakeProvider
) -> None:
    store = MemoryLogins()
    url = await begin_sign_in(
        client,
        store,
        browser="b1",
        redirect_uri=REDIRECT,
        next_path="/x",
        now=NOW,
        ui_locales="vi",
        prompt=None,
    )
    q = query_of(url)
    pending, expires = store.rows["b1"]
    assert url.startswith(f"{ISSUER}/protocol/openid-connect/auth?") and client.issuer == ISSUER
    assert (q["state"], q["nonce"], q["redirect_uri"]) == (pending.state, pending.nonce, REDIRECT)
    assert q["code_challenge"] == pkce_challenge(pending.verifier) and q["code_challenge_method"] == "S256"
    assert pending.verifier not in url and 43 <= len(pending.verifier) <= 128
    assert q["ui_locales"] == "vi" and "prompt" not in q and q["client_id"] == CLIENT_ID
    assert expires == NOW + timedelta(minutes=10) and pending.next_path == "/x"
    # RFC 7636 appendix B
    assert pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == (
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


async def test_code_exchange_sends_the_verifier_and_checks_the_tokens(
    client: OidcClient, provider: FakeProvider
) -> None:
    url, q, pending = await returned(client, provider)
    tokens = await complete_sign_in(client, pending, q)
    (sent,) = provider.exchanges
    assert pkce_challenge(sent["code_verifier"]) == query_of(url)["code_challenge"]
    assert tokens.principal.sub == SUB and tokens.principal.role == "citizen"
    assert tokens.id_claims["nonce"] == pending.nonce and tokens.refresh_token and tokens.id_token
    assert tokens.access_expires_at(NOW) == NOW + timedelta(seconds=300)


async def test_a_verifier_that_is_not_the_challenges_is_refused(
    client: OidcClient, provider: FakeProvider
) -> None:
    _, q, pending = await returned(client, provider)
    forged = PendingLogin(pending.state, pending.nonce, new_verifier(), pending.next_path, REDIRECT)
    with pytest.raises(TokenRefused) as refused:
        await complete_sign_in(client, forged, q)
    assert refused.value.code == "invalid_grant" and refused.value.status == 400


async def test_state_is_used_once_by_the_browser_that_started_it(
    client: OidcClient, provider: FakeProvider
) -> None:
    store = MemoryLogins()
    _, back = await signed_in(client, provider, store)
    q = query_of(back)
    for browser in (None, "another-browser"):  # no login cookie, or another browser's: nothing to take
        with pytest.raises(OidcError) as e:
            await take_sign_in(client, store, browser=browser, query=q, now=NOW)
        assert e.value.code == "no_pending_login"
    assert await take_sign_in(client, store, browser="b1", query=q, now=NOW)
    with pytest.raises(OidcError) as e:  # replayed
        await take_sign_in(client, store, browser="b1", query=q, now=NOW)
    assert e.value.code == "no_pending_login"

    _, back = await signed_in(client, provider, store)
    with pytest.raises(OidcError) as e:
        await take_sign_in(client, store, browser="b1", query=query_of(back) | {"state": "forged"}, now=NOW)
    assert e.value.code == "state_mismatch"
    _, back = await signed_in(client, provider, store)
    with pytest.raises(OidcError) as e:  # RFC 9207: an answer from another provider
        await take_sign_in(client, store, browser="b1", query=query_of(back) | {"iss": "https://x"}, now=NOW)
    assert e.value.code == "issuer_mismatch"
    _, back = await signed_in(client, provider, store)
    late = NOW + timedelta(minutes=11)
    with pytest.raises(OidcError):
        await take_sign_in(client, store, browser="b1", query=query_of(back), now=late)
    assert provider.exchanges == []


async def test_the_providers_error_and_a_missing_code(client: OidcClient, provider: FakeProvider) -> None:
    pending = PendingLogin("s", "n", new_verifier(), "/", REDIRECT)
    with pytest.raises(AuthorizationRefused) as e:
        await complete_sign_in(client, pending, {"state": "s", "error": "access_denied"})
    assert e.value.code == "access_denied" and e.value.description is None
    with pytest.raises(OidcError) as e2:
        await complete_sign_in(client, pending, {"state": "s"})
    assert e2.value.code == "no_code" and provider.exchanges == []


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"wrong_nonce": True}, "nonce_mismatch"),
        ({"id_token_azp": "another-client"}, "invalid_id_token"),
        ({"token_type": "mac"}, "token_type"),
    ],
)
async def test_tokens_that_do_not_check_out_are_refused(
    client: OidcClient, provider: FakeProvider, change: dict[str, object], code: str
) -> None:
    for name, value in change.items():
        setattr(provider, name, value)
    _, q, pending = await returned(client, provider)
    with pytest.raises(OidcError) as e:
        await complete_sign_in(client, pending, q)
    assert e.value.code == code and not isinstance(e.value, ProviderUnavailable)


async def test_refresh_rotates_and_renews_one_at_a_time(client: OidcClient, provider: FakeProvider) -> None:
    _, q, pending = await returned(client, provider)
    first = await complete_sign_in(client, pending, q)
    assert first.refresh_token is not None
    session = {"refresh": first.refresh_token, "renewed": 0, "inside": 0, "most": 0}
    gate = RefreshGate()

    async def page() -> None:
        seen = session["refresh"]
        await asyncio.sleep(0)  # every page has read the session (due) before the first renews it
        async with gate.hold("session-1"):
            session["inside"] = int(session["inside"]) + 1
            session["most"] = max(int(session["most"]), int(session["inside"]))
            try:
                if session["refresh"] != seen:  # renewed by the one before: re-read, nothing to do
                    return
                await asyncio.sleep(0.01)  # the provider takes its time
                tokens = await client.refresh(str(seen))
                session["refresh"], session["renewed"] = (
                    str(tokens.refresh_token),
                    int(session["renewed"]) + 1,
                )
            finally:
                session["inside"] = int(session["inside"]) - 1

    await asyncio.gather(*(page() for _ in range(5)))
    assert session["renewed"] == 1 and provider.refreshes == [first.refresh_token]
    assert session["most"] == 1  # never two at once
    assert len(gate) == 0  # nobody holds or waits: the session's lock is gone
    # the used refresh token is spent (rotation): the provider refuses it, the session is to end
    with pytest.raises(TokenRefused) as e:
        await client.refresh(first.refresh_token)
    assert e.value.code == "invalid_grant"
    provider.revoke_all()
    with pytest.raises(TokenRefused):
        await client.refresh(str(session["refresh"]))


async def test_provider_unreachable_or_another_issuer(provider: FakeProvider) -> None:
    down = OidcClient(ISSUER, CLIENT_ID, CLIENT_SECRET, timeout=1, transport=httpx.MockTransport(_refuse))
    with pytest.raises(ProviderUnavailable):
        await down.authorization_url(redirect_uri=REDIRECT, state="s", nonce="n", verifier=new_verifier())
    with pytest.raises(ProviderUnavailable):
        await down.refresh("r")
    assert await down.end_session_url("id", "https://cong.test/") is None  # the local session still ends
    await down.aclose()
    other = OidcClient(
        "http://sso.test/realms/other", CLIENT_ID, "x", transport=httpx.ASGITransport(app=provider.app())
    )
    with pytest.raises(ProviderUnavailable):
        await other.metadata()
    await other.aclose()


async def test_end_session_url(client: OidcClient) -> None:
    url = await client.end_session_url("the-id-token", "https://cong.test/?da-dang-xuat=1")
    assert url is not None and url.startswith(f"{ISSUER}/protocol/openid-connect/logout?")
    assert query_of(url) == {
        "post_logout_redirect_uri": "https://cong.test/?da-dang-xuat=1",
        "client_id": CLIENT_ID,
        "id_token_hint": "the-id-token",
    }


def _refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("refused", request=request)
