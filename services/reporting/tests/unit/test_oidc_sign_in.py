"""The pieces of the operators' sign-in through the OpenID Provider (entrypoints/auth.py and sso.py), fast:
the reporting routes in-process on SQLite, the provider the kit's stand-in (dvckit.oidc_fake) that checks
what a real one checks (PKCE S256, refresh tokens used once) and records what it was sent.

- the authorization request carries state, nonce and an S256 challenge; the code exchange sends the verifier
  of that challenge (the stand-in refuses any other), and the session cookie is HttpOnly, SameSite=Lax, not
  Secure on plain-HTTP loopback only;
- a callback whose state is not this browser's, or that comes twice, or without this browser's login cookie is
  refused before any code is exchanged; an ID token with another nonce is refused;
- a citizen's account is refused with a Vietnamese message; a national operator's session has no province;
- the session renews its access token before it expires (one use of the refresh token) and ends when the
  provider refuses the renewal; logout ends it and sends the browser to the provider's end_session_endpoint;
- with a provider, the token-paste login is gone; production refuses a reporting without one."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import jwt
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from dvc_contracts import clock
from dvc_reporting.adapters import orm, sessions
from dvc_reporting.config import Settings
from dvc_reporting.entrypoints import auth, sso, web
from dvckit.accounts import pseudonymous_id
from dvckit.auth.jwt import Principal, TokenVerifier, load_or_create_dev_keys
from dvckit.db import make_sessionmaker
from dvckit.oidc_client import pkce_challenge
from dvckit.oidc_fake import FakeProvider
from dvckit.uow import UnitOfWork

ISSUER = "http://idp.test/realms/dvc"
BASE = "http://127.0.0.1:8000"
PEOPLE = {
    "levanhung": {"role": "operator", "name": "Lê Văn Hùng", "province": "01"},
    "hoangvannam": {"role": "operator", "name": "Hoàng Văn Nam"},
    "nguyenvanan": {"role": "citizen", "name": "Nguyễn Văn An"},
}


@pytest.fixture
def provider(tmp_path: Path) -> FakeProvider:
    """The kit's stand-in provider (dvckit.oidc_fake) as the dashboard's: its client, these people."""
    keys = load_or_create_dev_keys(tmp_path / "idp")
    return FakeProvider(keys, people=PEOPLE, issuer=ISSUER, client_id="reporting", client_secret="s3cret",
                        endpoints="", audiences=["dossier"], send_iss=True)  # fmt: skip


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    eng = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'reporting.db'}")
    async with eng.begin() as conn:
        await conn.run_sync(orm.metadata.create_all)
    try:
        yield eng
    finally:
        await eng.dispose()


def make_app(engine: AsyncEngine, provider: FakeProvider, **settings: Any) -> FastAPI:
    s = Settings(oidc_issuer=ISSUER, oidc_client_secret=SecretStr("s3cret"), **settings)
    app = FastAPI()
    app.include_router(sso.token_paste_router)
    app.include_router(sso.router)
    app.include_router(web.router)

    @app.get("/whoami")
    async def whoami(principal: auth.Operator) -> dict[str, Any]:
        return {"sub": principal.sub, "name": principal.name, "province": principal.province}

    sessionmaker = make_sessionmaker(engine)
    runtime = SimpleNamespace(
        engine=engine, uow=lambda: UnitOfWork(sessionmaker, orm.messaging, service="reporting")
    )
    app.state.reporting = SimpleNamespace(runtime=runtime, settings=s)
    app.state.token_verifier = TokenVerifier(provider.keys.jwks, issuer=ISSUER, audience="reporting")
    app.state.oidc = auth.OidcClient(s, transport=httpx.ASGITransport(app=provider.app()))
    return app


@pytest.fixture
async def browser(engine: AsyncEngine, provider: FakeProvider) -> AsyncIterator[httpx.AsyncClient]:
    app = make_app(engine, provider)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        yield client
    await app.state.oidc.aclose()


async def start(browser: httpx.AsyncClient) -> str:
    """'Đăng nhập': the redirect to the provider's authorization endpoint."""
    r = await browser.get("/auth/login", params={"next": "/?province=01"})
    assert r.status_code == 303
    return r.headers["location"]


async def sign_in(browser: httpx.AsyncClient, provider: FakeProvider, username: str) -> httpx.Response:
    answer = provider.answer(await start(browser), username)
    return await browser.get("/auth/callback", params=answer)


async def count(engine: AsyncEngine, table: Any) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def test_code_flow_with_pkce_opens_a_server_side_session(
    browser: httpx.AsyncClient, provider: FakeProvider, engine: AsyncEngine
) -> None:
    url = await start(browser)
    q = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
    assert url.startswith(f"{ISSUER}/auth?")
    assert q["code_challenge_method"] == "S256" and len(q["code_challenge"]) == 43
    assert len(q["state"]) >= 40 and len(q["nonce"]) >= 40 and q["state"] != q["nonce"]
    assert q["redirect_uri"] == f"{BASE}/auth/callback" and q["scope"] == "openid"
    login_cookie = next(c for c in browser.cookies.jar if c.name == sessions.LOGIN_COOKIE)
    assert login_cookie.path == "/auth"
    # nothing of the sign-in is in the browser but a random id: state, nonce, verifier are server-side
    async with engine.connect() as conn:
        row = (await conn.execute(select(sessions.logins))).one()
    assert (row.state, row.nonce) == (q["state"], q["nonce"]) and login_cookie.value not in row
    assert pkce_challenge(row.code_verifier) == q["code_challenge"]  # RFC 7636's S256: the kit's tests

    answer = provider.answer(url, "levanhung")
    done = await browser.get("/auth/callback", params=answer)
    assert done.status_code == 303 and done.headers["location"] == "/?province=01"
    exchange = provider.token_requests[-1]
    assert exchange["grant_type"] == "authorization_code" and exchange["code_verifier"] == row.code_verifier
    cookie = next(
        h for h in done.headers.get_list("set-cookie") if h.startswith(f"{sessions.SESSION_COOKIE}=")
    )
    attrs = {a.strip().split("=")[0].lower() for a in cookie.split(";")}
    assert {"httponly", "samesite"} <= attrs and "secure" not in attrs and "samesite=lax" in cookie.lower()
    me = await browser.get("/whoami")
    assert me.json() == {"sub": "sub-levanhung", "name": "Lê Văn Hùng", "province": "01"}
    # the provider's tokens are kept encrypted with the session (a copy of the database reveals none)
    async with engine.connect() as conn:
        stored = (await conn.execute(select(sessions.t))).one()
    assert stored.refresh_token and stored.refresh_token not in provider.refresh_tokens
    assert (
        await count(engine, sessions.logins) == 0
    )  # the sign-in is used up: the same answer again is refused
    again = await browser.get("/auth/callback", params=answer)
    assert again.status_code == 400 and "đã hết hạn hoặc đã được dùng" in again.text
    # the sign-in went to the outbox with the operator's pseudonymous id only
    async with engine.connect() as conn:
        out = (await conn.execute(select(orm.messaging.outbox).order_by(orm.messaging.outbox.c.id))).all()
    assert [r.topic for r in out] == ["account-registered", "account-signed-in"]
    event = json.loads(out[1].value)
    key = Settings().accounts.pseudonym_key.get_secret_value()
    assert event["account_id"] == pseudonymous_id(key, ISSUER, "sub-levanhung") == out[1].key
    assert event["channel"] == "dashboard" and event["role"] == "operator" and event["method"] == "oidc"
    assert "sub-levanhung" not in str(out[1].value) and "Hùng" not in out[1].value.decode()


async def test_state_mismatch_is_refused_before_the_code_is_exchanged(
    browser: httpx.AsyncClient, provider: FakeProvider, engine: AsyncEngine
) -> None:
    answer = provider.answer(await start(browser), "levanhung")
    r = await browser.get("/auth/callback", params=answer | {"state": "someone-elses-state"})
    assert r.status_code == 400
    assert "không khớp với phiên đăng nhập của trình duyệt này (state)" in r.text
    assert provider.token_requests == [] and await count(engine, sessions.t) == 0
    assert sessions.SESSION_COOKIE not in r.headers.get("set-cookie", "")
    # an answer arriving at a browser that never started a sign-in (login CSRF) is refused too
    answer = provider.answer(await start(browser), "levanhung")
    browser.cookies.clear()
    r = await browser.get("/auth/callback", params=answer)
    assert r.status_code == 400 and provider.token_requests == []
    # an answer naming another issuer (mix-up) as well
    answer = provider.answer(await start(browser), "levanhung")
    r = await browser.get("/auth/callback", params=answer | {"iss": "http://evil.test/realms/dvc"})
    assert r.status_code == 400 and provider.token_requests == []


async def test_id_token_with_another_nonce_is_refused(
    browser: httpx.AsyncClient, provider: FakeProvider, engine: AsyncEngine
) -> None:
    provider.wrong_nonce = True
    r = await sign_in(browser, provider, "levanhung")
    assert r.status_code == 400 and "(nonce)" in r.text
    assert await count(engine, sessions.t) == 0
    assert (await browser.get("/whoami")).status_code == 401


async def test_citizen_is_refused_and_national_operator_has_no_province(
    browser: httpx.AsyncClient, provider: FakeProvider, engine: AsyncEngine
) -> None:
    r = await sign_in(browser, provider, "nguyenvanan")
    assert r.status_code == 403
    assert "Tài khoản “Nguyễn Văn An” là tài khoản công dân, không phải cán bộ vận hành" in r.text
    assert 'href="/auth/login?prompt=login"' in r.text  # sign in with another account
    assert await count(engine, sessions.t) == 0
    r = await sign_in(browser, provider, "hoangvannam")
    assert r.status_code == 303
    assert (await browser.get("/whoami")).json()["province"] is None


async def test_session_renews_before_expiry_and_ends_with_the_provider(
    engine: AsyncEngine, provider: FakeProvider
) -> None:
    provider.expires_in = 30  # shorter than REPORTING_OIDC_REFRESH_BEFORE_SECONDS (60): due at once
    app = make_app(engine, provider)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as browser:
        await sign_in(browser, provider, "levanhung")
        first_refresh = next(iter(provider.refresh_tokens))
        assert (await browser.get("/whoami")).status_code == 200
        assert provider.token_requests[-1] == {"grant_type": "refresh_token", "refresh_token": first_refresh}
        assert first_refresh not in provider.refresh_tokens  # rotated: the session keeps the new one
        assert (await browser.get("/whoami")).status_code == 200
        assert provider.token_requests[-1]["refresh_token"] != first_refresh
        provider.revoke_all()  # the provider's session ended (logout elsewhere, idle, disabled)
        assert (await browser.get("/whoami")).status_code == 401
        assert await count(engine, sessions.t) == 0
        page = await browser.get("/")
        assert page.status_code == 303 and page.headers["location"] == "/login?het-han=1"
    await app.state.oidc.aclose()


async def test_one_renewal_at_a_time(engine: AsyncEngine) -> None:
    now = clock.now()
    sid = await sessions.open_session(
        engine,
        Principal(sub="s", role="operator"),
        now,
        sessions.ProviderTokens("r", "i", now),
    )
    assert await sessions.claim_refresh(engine, sid, now)
    assert not await sessions.claim_refresh(engine, sid, now)  # another request: goes on as is
    await sessions.release_refresh(engine, sid)
    assert await sessions.claim_refresh(engine, sid, now)


async def test_logout_ends_the_session_here_and_at_the_provider(
    browser: httpx.AsyncClient, provider: FakeProvider, engine: AsyncEngine
) -> None:
    await sign_in(browser, provider, "levanhung")
    async with engine.connect() as conn:
        sealed = (await conn.execute(select(sessions.t.c.id_token))).scalar_one()
    r = await browser.post("/auth/logout")
    assert r.status_code == 303
    target = urlparse(r.headers["location"])
    q = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{ISSUER}/logout"
    assert q["post_logout_redirect_uri"] == f"{BASE}/login?da-dang-xuat=1" and q["client_id"] == "reporting"
    assert jwt.decode(q["id_token_hint"], options={"verify_signature": False})["sub"] == "sub-levanhung"
    assert q["id_token_hint"] not in sealed
    assert await count(engine, sessions.t) == 0
    assert (await browser.get("/whoami")).status_code == 401
    page = await browser.get("/login?da-dang-xuat=1")
    assert "Bạn đã đăng xuất." in page.text and 'id="token"' not in page.text  # no token-paste form


async def test_cookie_is_secure_except_on_plain_http_loopback(
    engine: AsyncEngine, provider: FakeProvider
) -> None:
    app = make_app(engine, provider)
    for base, secure in (("http://127.0.0.1:8000", False), ("http://localhost:8000", False),
                         ("http://bao-cao.dichvucong.gov.vn", True), ("https://bao-cao.dichvucong.gov.vn", True)):  # fmt: skip
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base) as browser:
            r = await browser.get("/auth/login")
            cookie = r.headers["set-cookie"].lower()
            assert ("; secure" in cookie) is secure, (base, cookie)
            assert (
                f"redirect_uri={base.replace(':', '%3A').replace('/', '%2F')}%2Fauth%2Fcallback"
                in r.headers["location"]
            )
    await app.state.oidc.aclose()


async def test_no_token_paste_with_a_provider(browser: httpx.AsyncClient) -> None:
    r = await browser.post("/api/session", json={"token": "x" * 40})
    assert r.status_code == 410
    page = await browser.get("/login")
    assert 'href="/auth/login"' in page.text and "textarea" not in page.text


def test_production_refuses_the_token_paste_login() -> None:
    no_provider = Settings(cookie_secure=True)
    assert any("REPORTING_OIDC_ISSUER is not set" in p for p in no_provider.production_problems())
    no_secret = Settings(cookie_secure=True, oidc_issuer="https://id.dichvucong.gov.vn/realms/dvc")
    assert any("REPORTING_OIDC_CLIENT_SECRET is missing" in p for p in no_secret.production_problems())
    plain = Settings(
        oidc_issuer="http://id.example/realms/dvc", oidc_client_secret=SecretStr(uuid.uuid4().hex)
    )
    assert any("not https" in p for p in plain.production_problems())
    ok = Settings(oidc_issuer="https://id.example/realms/dvc", oidc_client_secret=SecretStr(uuid.uuid4().hex))
    assert not any("OIDC" in p for p in ok.production_problems())
