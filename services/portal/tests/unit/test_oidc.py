"""Signing in with the OpenID Provider, piece by piece, against a small fake provider (dvckit.oidc_fake):
state bound to the browser and used once, the PKCE verifier sent, the ID token's nonce checked, the access
token refreshed before it expires (rotation; a refused refresh ends the session), logout at the provider.
The real provider (Keycloak) in a real browser: tests/browser/test_portal_sso_browser.py."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from sqlalchemy import select

from dvc_portal.adapters.orm import citizen_sessions, messaging
from dvc_portal.config import Settings
from dvc_portal.entrypoints.app import create_app
from dvckit import migrate
from dvckit.accounts import pseudonymous_id
from dvckit.auth.jwt import TokenVerifier, load_or_create_dev_keys
from dvckit.oidc_fake import CLIENT_SECRET, ISSUER, SUB, FakeProvider

from ..conftest import BASE, csrf_of
from ..portal_fakes import (
    DossierStore,
    FeedbackStore,
    PaymentRecorder,
    catalog_app,
    dossier_app,
    feedback_app,
    payment_app,
)


@dataclass
class Site:
    client: httpx.AsyncClient
    provider: FakeProvider
    dossiers: DossierStore
    settings: Settings
    app: object

    async def start(self, path: str = "/dang-nhap?tiep=/ho-so") -> tuple[str, dict[str, str]]:
        """The browser asks to sign in: the provider's URL it is sent to, and that URL's parameters."""
        r = await self.client.get(path)
        assert r.status_code == 303, r.text
        location = r.headers["location"]
        return location, {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}

    async def sign_in(self) -> httpx.Response:
        location, _ = await self.start()
        back, _ = self.provider.authorize(location)
        return await self.client.get(back)

    async def session_row(self) -> object:
        engine = self.app.state.portal.engine  # type: ignore[attr-defined]
        async with engine.connect() as conn:
            return (await conn.execute(select(citizen_sessions))).first()


@pytest.fixture
async def site(tmp_path: Path, portal_settings: Callable[..., Settings]) -> AsyncIterator[Site]:
    keys = load_or_create_dev_keys(tmp_path / "provider")
    provider = FakeProvider(keys)
    settings = portal_settings(oidc_issuer=ISSUER, oidc_client_secret=CLIENT_SECRET)
    await asyncio.to_thread(migrate.upgrade, "dvc_portal", settings.database_url)
    verifier = TokenVerifier(keys.jwks, issuer=ISSUER, audience="dossier")
    store = DossierStore(verifier)
    transports: dict[str, httpx.AsyncBaseTransport] = {
        "catalog": httpx.ASGITransport(app=catalog_app([])),
        "dossier": httpx.ASGITransport(app=dossier_app(store)),
        "payment": httpx.ASGITransport(app=payment_app(PaymentRecorder(verifier))),
        "feedback": httpx.ASGITransport(app=feedback_app(FeedbackStore(verifier))),
        "oidc": httpx.ASGITransport(app=provider.app()),
    }
    app = create_app(settings, transports)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            yield Site(client, provider, store, settings, app)


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


async def test_sign_in_goes_to_the_provider_with_pkce_and_lands_on_my_dossiers(site: Site) -> None:
    # the header's button on the home page, signed out: no development form, straight to the provider
    home = await site.client.get("/")
    assert "Bản chạy thử" not in home.text and 'href="/dang-nhap"' in home.text
    location, q = await site.start("/dang-nhap")
    assert location.startswith(f"{ISSUER}/protocol/openid-connect/auth?")
    assert q["response_type"] == "code" and q["client_id"] == "portal" and q["scope"] == "openid"
    assert q["redirect_uri"] == f"{BASE}/dang-nhap/oidc/callback"
    assert q["code_challenge_method"] == "S256" and len(q["code_challenge"]) == 43
    assert len(q["state"]) >= 40 and len(q["nonce"]) >= 40 and q["state"] != q["nonce"]
    login_cookie = next(c for c in site.client.cookies.jar if c.name == "dvc_portal_oidc")
    assert login_cookie.path == "/dang-nhap" and login_cookie.has_nonstandard_attr("HttpOnly")

    back, _ = site.provider.authorize(location)
    r = await site.client.get(back)
    assert r.status_code == 303 and r.headers["location"] == "/ho-so"  # from the home page: Hồ sơ của tôi
    # the code was exchanged with the verifier whose S256 is the challenge sent first (never in the browser)
    (sent,) = site.provider.exchanges
    assert s256(sent["code_verifier"]) == q["code_challenge"] and 43 <= len(sent["code_verifier"]) <= 128
    assert sent["code_verifier"] not in location and sent["redirect_uri"] == q["redirect_uri"]
    cookie = r.headers["set-cookie"]
    assert "dvc_portal_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain-HTTP loopback (development); anywhere else Secure

    page = await site.client.get("/ho-so")
    assert (
        page.status_code == 200
        and "Hồ sơ của tôi" in page.text
        and "Xin chào, <strong>Nguyễn Văn An" in page.text
    )
    assert page.headers["cache-control"] == "no-store"
    # the tokens stay on the server, encrypted; the form is pre-filled with the personal id claim, not sub
    row = await site.session_row()
    assert row.sub == SUB and row.citizen_id == "001099012345"  # type: ignore[attr-defined]
    assert row.refresh_token and row.id_token  # type: ignore[attr-defined]
    assert site.provider.issued[0].encode() not in row.token  # type: ignore[attr-defined]
    form = await site.client.get("/thu-tuc/HT-XN-HON-NHAN/nop-ho-so")
    assert 'value="001099012345"' in form.text and SUB not in form.text

    # the development sign-in is off while a provider is configured
    dev = await site.client.post(
        "/dang-nhap",
        data={"csrf": csrf_of(page.text), "name": "X", "citizen_id": "001099000000", "phone": "0912345678"},
    )
    assert dev.status_code in (303, 403)  # signed in already: back; never a dev token
    assert site.provider.issued and len(site.provider.exchanges) == 1


async def test_state_must_be_this_browsers_and_is_used_once(site: Site) -> None:
    location, _ = await site.start()
    back, _ = site.provider.authorize(location)
    code = parse_qs(urlsplit(back).query)["code"][0]

    # a made-up state, and no state: refused before any exchange
    for query in (f"code={code}&state=forged-state-0123456789", f"code={code}"):
        r = await site.client.get(f"/dang-nhap/oidc/callback?{query}")
        assert r.status_code == 400 and "Phiên đăng nhập không hợp lệ" in r.text
    # the right state from another browser (no login cookie: a link planted by someone): refused
    async with httpx.AsyncClient(transport=site.client._transport, base_url=BASE) as other:
        r = await other.get(back)
        assert r.status_code == 400 and "dvc_portal_session" not in r.headers.get("set-cookie", "")
    assert site.provider.exchanges == []
    # the owner's own callback works, once: replaying it afterwards is refused
    assert (await site.client.get(back)).status_code == 303
    site.client.cookies.delete("dvc_portal_session")
    assert (await site.client.get(back)).status_code == 400
    assert len(site.provider.exchanges) == 1


async def test_the_provider_refusing_the_code_or_the_person_cancelling(site: Site) -> None:
    _, q = await site.start()
    r = await site.client.get(f"/dang-nhap/oidc/callback?error=access_denied&state={q['state']}")
    assert r.status_code == 400 and "Bạn đã hủy đăng nhập" in r.text
    assert 'href="/dang-nhap?tiep=/ho-so"' in r.text  # try again
    # a code the provider does not know (or a PKCE mismatch): no session
    _, q = await site.start()
    r = await site.client.get(f"/dang-nhap/oidc/callback?code=unknown&state={q['state']}")
    assert r.status_code == 502 and "dvc_portal_session" not in r.headers.get("set-cookie", "")


async def test_pkce_verifier_must_match_the_challenge(site: Site) -> None:
    location, _ = await site.start()
    back, asked = site.provider.authorize(location)
    asked["code_challenge"] = s256("another verifier, not the portal's")  # as if the challenge were swapped
    r = await site.client.get(back)
    assert r.status_code == 502 and (await site.session_row()) is None
    assert site.provider.exchanges[0]["code_verifier"]  # the portal did send its verifier


async def test_id_token_nonce_is_checked(site: Site) -> None:
    site.provider.wrong_nonce = True
    r = await site.sign_in()
    assert r.status_code == 502 and "Chưa đăng nhập được" in r.text
    assert (await site.session_row()) is None


async def test_an_operator_account_is_not_a_citizen(site: Site) -> None:
    site.provider.person = {"name": "Lê Văn Hùng", "role": "operator", "province": "01", "loa": 2}
    r = await site.sign_in()
    assert r.status_code == 403 and "không phải tài khoản công dân" in r.text
    assert (await site.session_row()) is None


async def test_access_token_is_refreshed_before_it_expires(site: Site) -> None:
    site.provider.expires_in = 20  # under the 30 s margin: every request finds it due
    assert (await site.sign_in()).status_code == 303
    first_refresh = (await site.session_row()).refresh_token  # type: ignore[attr-defined]
    assert site.provider.refreshes == []

    assert (await site.client.get("/ho-so")).status_code == 200
    assert len(site.provider.refreshes) == 1 and len(site.provider.issued) == 2
    # the dossier service got the new access token
    assert site.dossiers.verifier.verify(site.provider.issued[-1]).sub == SUB
    assert (await site.session_row()).refresh_token != first_refresh  # type: ignore[attr-defined]
    # concurrent pages of one session whose token is due: one refresh (refresh tokens are one use each);
    # the new token is good for 5 minutes, so the others find it fresh
    site.provider.expires_in = 300
    pages = await asyncio.gather(*(site.client.get("/ho-so") for _ in range(3)))
    assert all(p.status_code == 200 for p in pages)
    assert len(site.provider.refreshes) == 2, site.provider.refreshes
    assert site.provider.refreshes[0] != site.provider.refreshes[1]  # rotation: each used the newest one
    # a token good for longer is not refreshed
    await site.client.get("/ho-so")
    assert len(site.provider.refreshes) == 2

    # the provider ends the person's session: the next refresh is refused and the portal's session ends
    await _expire_access_token(site)
    site.provider.revoke_all()
    r = await site.client.get("/ho-so")
    assert r.status_code == 303 and r.headers["location"].startswith("/dang-nhap")
    assert (await site.session_row()) is None


async def _expire_access_token(site: Site) -> None:
    from sqlalchemy import update

    from dvc_contracts import clock

    engine = site.app.state.portal.engine  # type: ignore[attr-defined]
    async with engine.begin() as conn:
        await conn.execute(update(citizen_sessions).values(token_expires_at=clock.now()))


async def test_sign_out_ends_the_session_here_and_at_the_provider(site: Site) -> None:
    assert (await site.sign_in()).status_code == 303
    page = await site.client.get("/ho-so")
    r = await site.client.post("/dang-xuat", data={"csrf": csrf_of(page.text)})
    assert r.status_code == 303
    location = r.headers["location"]
    assert location.startswith(f"{ISSUER}/protocol/openid-connect/logout?")
    q = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert q["post_logout_redirect_uri"] == f"{BASE}/?da-dang-xuat=1" and q["client_id"] == "portal"
    hint = jwt.decode(q["id_token_hint"], options={"verify_signature": False})
    assert hint["sub"] == SUB and hint["aud"] == "portal"
    assert (await site.session_row()) is None
    after = await site.client.get("/ho-so")
    assert after.status_code == 303 and after.headers["location"].startswith("/dang-nhap")


async def test_provider_unreachable_is_a_vietnamese_page(
    tmp_path: Path, portal_settings: Callable[..., Settings]
) -> None:
    settings = portal_settings(
        oidc_issuer="http://127.0.0.1:9/realms/dvc", oidc_client_secret="x", oidc_timeout_seconds=2
    )
    await asyncio.to_thread(migrate.upgrade, "dvc_portal", settings.database_url)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
            r = await client.get("/dang-nhap")
    assert r.status_code == 503 and "Hệ thống định danh đang tạm thời gián đoạn" in r.text


def test_settings_with_a_provider() -> None:
    s = Settings(oidc_issuer="https://sso.example.vn/realms/dvc/", dev_sign_in=True)
    assert s.oidc and not s.dev_sign_in_enabled and s.oidc_issuer == "https://sso.example.vn/realms/dvc"
    assert Settings().dev_sign_in_enabled and not Settings().oidc
    problems = Settings(oidc_issuer="http://sso.example.vn/realms/dvc").production_problems()
    assert any(p.startswith("PORTAL_OIDC_ISSUER is not https") for p in problems)
    assert "PORTAL_OIDC_CLIENT_SECRET is empty" in problems


async def outbox_events(site: Site) -> list[tuple[str, dict[str, object]]]:
    engine = site.app.state.portal.engine  # type: ignore[attr-defined]
    async with engine.connect() as conn:
        rows = (await conn.execute(select(messaging.outbox).order_by(messaging.outbox.c.id))).all()
    return [(r.topic, json.loads(r.value)) for r in rows]


async def test_a_sign_in_is_published_with_a_pseudonymous_id_only(site: Site) -> None:
    """account-registered the first time, account-signed-in every time, through the outbox; the account is
    the HMAC of issuer and subject with the deployment's key, never the personal id, name or phone."""
    assert (await site.sign_in()).status_code == 303
    account = pseudonymous_id(site.settings.accounts.pseudonym_key.get_secret_value(), ISSUER, SUB)
    first = await outbox_events(site)
    assert [t for t, _ in first] == ["account-registered", "account-signed-in"]
    assert first[0][1] == {
        "account_id": account,
        "role": "citizen",
        "channel": "portal",
        "assurance_level": 2,
        "registered_at": first[0][1]["registered_at"],
    }
    assert first[1][1]["account_id"] == account and first[1][1]["method"] == "oidc"
    assert first[1][1]["channel"] == "portal" and first[1][1]["assurance_level"] == 2
    raw = json.dumps(first, ensure_ascii=False)
    for personal in (SUB, "001099012345", "Nguyễn Văn An", "0912345678"):
        assert personal not in raw

    await site.client.post("/dang-xuat", data={"csrf": csrf_of((await site.client.get("/ho-so")).text)})
    assert (await site.sign_in()).status_code == 303
    again = (await outbox_events(site))[2:]
    assert [t for t, _ in again] == ["account-signed-in"]  # known already: no second registration
    assert again[0][1]["account_id"] == account
