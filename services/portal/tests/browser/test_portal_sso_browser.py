"""A citizen signs in to the portal through the real OpenID Provider, in a real browser: headless Debian Chromium
(Selenium, dvckit.browser) on the portal (served by uvicorn in this process, the other services replaced by
tests/portal_fakes.py, whose dossier stand-in verifies the bearer token against Keycloak's keys) and on
Keycloak's own login page (deploy/keycloak, realm ``dvc``, one per module as tests/sso starts it).

"Đăng nhập" → Keycloak's Vietnamese login page → username and password typed → back on "Hồ sơ của tôi" with
the citizen's name → "Đăng xuất" → Keycloak's end-session endpoint → back on the portal, signed out → "Đăng
nhập" again asks for the password (the provider's session ended too). The round trip is measured and printed.
Skipped only where Java 21+/Maven (Keycloak) or Chromium is missing."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import select, update

from dvc_contracts import clock
from dvc_portal.adapters.orm import citizen_sessions
from dvc_portal.adapters.sessions import CitizenSession, SessionStore
from dvc_portal.config import Settings
from dvc_portal.entrypoints.app import create_app
from dvckit import keycloak, migrate
from dvckit.auth.jwt import TokenVerifier
from dvckit.browser import chromium, skip_unless_installed
from dvckit.browser import wait as browser_wait
from dvckit.db import make_engine
from dvckit.settings import AuthSettings

from ..portal_fakes import (
    DossierStore,
    FeedbackStore,
    PaymentRecorder,
    catalog_app,
    dossier_app,
    feedback_app,
    payment_app,
)

pytestmark = pytest.mark.integration

HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE.parents[3] / "test-artifacts" / "portal"
USER, NAME = "nguyenvanan", "Nguyễn Văn An"
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"  # installed by test_portal_browser.py (npm ci)

skip_unless_installed()

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402


@pytest.fixture(scope="module")
def kc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[keycloak.Keycloak]:
    reason = keycloak.unavailable_reason()
    if reason:
        pytest.skip(f"Keycloak cannot run here: {reason}")
    keycloak.fetch()
    keycloak.template()  # made once per Keycloak version + realm file; later starts copy it
    with keycloak.Keycloak(tmp_path_factory.mktemp("keycloak")) as server:
        yield server


def allow_portal_at(kc: keycloak.Keycloak, base: str) -> None:
    """The realm's portal client allows http://127.0.0.1:8006/* (make run); this test's portal listens on
    another port: add it to the client's redirect and post-logout redirect URIs (admin REST API)."""
    headers = {"authorization": f"Bearer {kc.admin_token()}"}
    with httpx.Client(base_url=kc.admin_url, headers=headers, timeout=30) as admin:
        (client,) = admin.get("/clients", params={"clientId": "portal"}).raise_for_status().json()
        client["redirectUris"] = [*client["redirectUris"], f"{base}/*"]
        attributes = client.setdefault("attributes", {})
        attributes["post.logout.redirect.uris"] = "##".join(
            [*filter(None, attributes.get("post.logout.redirect.uris", "").split("##")), f"{base}/*"]
        )
        admin.put(f"/clients/{client['id']}", json=client).raise_for_status()


class Served:
    """The portal app under uvicorn on a free port, in a thread of its own (its own event loop)."""

    def __init__(self, settings: Settings, app: Any) -> None:
        self.settings = settings
        self.port = keycloak.free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="portal-uvicorn", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Served:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the portal did not start")
            time.sleep(0.05)
        return self

    async def session(self) -> CitizenSession:
        """The one signed-in session, as stored (read through the app's store, in this test's loop)."""
        engine = make_engine(self.settings.database_url)
        try:
            async with engine.connect() as conn:
                (id_hash,) = (await conn.execute(select(citizen_sessions.c.id_hash))).one()
            found = await SessionStore(engine, self.settings.session_secret.get_secret_value(), 8).reread(
                CitizenSession("", None, None, "", "", clock.now(), id_hash=id_hash), clock.now()
            )
        finally:
            await engine.dispose()
        assert found is not None
        return found

    async def expire_access_token(self) -> None:
        engine = make_engine(self.settings.database_url)
        try:
            async with engine.begin() as conn:
                await conn.execute(update(citizen_sessions).values(token_expires_at=clock.now()))
        finally:
            await engine.dispose()

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@pytest.fixture(scope="module")
def portal(kc: keycloak.Keycloak, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("portal-sso")
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp / 'portal.db'}",
        oidc_issuer=kc.issuer,
        oidc_client_id="portal",
        oidc_client_secret=keycloak.client_secret("portal"),
        auth=AuthSettings(jwks_file=None, jwks_url=kc.jwks_url, issuer=kc.issuer, audience="portal"),
        popular=["GPLX-DOI-L4"],
    )
    migrate.upgrade("dvc_portal", settings.database_url)
    # the dossier stand-in checks the citizen's Keycloak token for its own audience, as the real service does
    verifier = TokenVerifier.from_source(
        jwks_file=None, jwks_url=kc.jwks_url, issuer=kc.issuer, audience="dossier"
    )
    transports: dict[str, httpx.AsyncBaseTransport] = {
        "catalog": httpx.ASGITransport(app=catalog_app([])),
        "dossier": httpx.ASGITransport(app=dossier_app(DossierStore(verifier))),
        "payment": httpx.ASGITransport(app=payment_app(PaymentRecorder(verifier))),
        "feedback": httpx.ASGITransport(app=feedback_app(FeedbackStore(verifier))),
    }
    with Served(settings, create_app(settings, transports)) as served:
        allow_portal_at(kc, served.url)
        yield served


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    with chromium(window="412,915") as driver:
        yield driver


def wait(driver: WebDriver, until: Callable[[WebDriver], Any], timeout: float = 30) -> Any:
    return browser_wait(driver, until, timeout, poll=0.05)


def axe_violations(driver: WebDriver) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.0/2.1 A and AA violations on the current page (as test_portal_browser.py checks)."""
    if not driver.execute_script("return typeof window.axe === 'object'"):
        driver.execute_script(AXE.read_text())
    result = driver.execute_async_script(
        """const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
                           resultTypes: ['violations']})
          .then((r) => done(JSON.stringify(r.violations.map((v) => ({id: v.id, help: v.help,
                 nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5)})))))
          .catch((e) => done(JSON.stringify([{id: 'axe-error', help: String(e), nodes: []}])));"""
    )
    found: list[dict[str, Any]] = json.loads(result)
    return found


def header(driver: WebDriver) -> str:
    found = driver.find_elements(By.CSS_SELECTOR, "header.site")
    return str(found[0].text) if found else ""


async def test_citizen_signs_in_at_keycloak_and_out_again(
    kc: keycloak.Keycloak, portal: Served, browser: WebDriver
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    figures: dict[str, float] = {}

    violations: dict[str, list[dict[str, Any]]] = {}

    def shot(name: str, portal_page: bool = True) -> None:
        browser.save_screenshot(str(ARTIFACTS / f"sso-{name}.png"))
        if portal_page and AXE.exists():  # the portal's pages (Keycloak's theme is not ours)
            violations[name] = axe_violations(browser)

    def login_page_shown() -> Any:
        return wait(
            browser,
            lambda d: d.current_url.startswith(kc.base_url) and d.find_elements(By.ID, "password"),
        )

    def sign_in() -> None:
        browser.get(portal.url + "/")
        wait(browser, lambda d: d.find_elements(By.LINK_TEXT, "Đăng nhập"))
        shot("01-home")
        started = time.perf_counter()
        browser.find_element(By.LINK_TEXT, "Đăng nhập").click()
        login_page_shown()
        figures["to_login_page_ms"] = (time.perf_counter() - started) * 1000
        shot("02-keycloak-login", portal_page=False)
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi"
        browser.find_element(By.ID, "username").send_keys(USER)
        browser.find_element(By.ID, "password").send_keys(keycloak.user_password(USER))
        submitted = time.perf_counter()
        browser.find_element(By.ID, "kc-login").click()
        wait(
            browser,
            lambda d: (
                d.current_url == portal.url + "/ho-so"
                and "Hồ sơ của tôi" in d.find_element(By.TAG_NAME, "h1").text
                and f"Xin chào, {NAME}" in header(d)
            ),
        )
        done = time.perf_counter()
        figures["password_to_my_dossiers_ms"] = (done - submitted) * 1000
        figures["click_to_my_dossiers_ms"] = (done - started) * 1000  # typing included (Selenium: ms)
        shot("03-my-dossiers")

    await asyncio.to_thread(sign_in)
    cookies = {c["name"]: c for c in browser.get_cookies()}
    session = cookies["dvc_portal_session"]
    assert session["httpOnly"] and session["sameSite"] == "Lax" and "." not in session["value"]
    assert not any("token" in name.lower() for name in cookies)  # the tokens stay on the server

    # the access token (5 minutes at Keycloak) is renewed with the refresh token when due: make it due now
    before = await portal.session()
    await portal.expire_access_token()
    due = clock.now()

    def reload_my_dossiers() -> None:
        browser.get(portal.url + "/ho-so")
        wait(browser, lambda d: f"Xin chào, {NAME}" in header(d) and d.current_url == portal.url + "/ho-so")

    await asyncio.to_thread(reload_my_dossiers)
    after = await portal.session()
    assert after.token_expires_at and before.token_expires_at
    # a fresh 5-minute token (not "later than the first one": Keycloak counts whole seconds, and a renewal
    # within a second of the sign-in may end a fraction of a second before the first token did)
    assert after.token_expires_at > due + timedelta(minutes=4) and after.token != before.token
    assert after.refresh_token != before.refresh_token  # Keycloak rotates refresh tokens (one use each)

    def sign_out() -> None:
        started = time.perf_counter()
        browser.find_element(By.XPATH, "//button[normalize-space()='Đăng xuất']").click()
        wait(
            browser,
            lambda d: (
                d.current_url.startswith(portal.url + "/?da-dang-xuat=1")
                and d.find_elements(By.LINK_TEXT, "Đăng nhập")
                and "Xin chào" not in header(d)
            ),
        )
        figures["sign_out_ms"] = (time.perf_counter() - started) * 1000
        shot("04-signed-out")
        assert "dvc_portal_session" not in {c["name"] for c in browser.get_cookies()}
        # a page of one's own now needs signing in again, and the provider asks for the password again
        browser.get(portal.url + "/ho-so")
        login_page_shown()
        shot("05-password-again", portal_page=False)
        # signing in again (Keycloak warm): the password → Hồ sơ của tôi
        browser.find_element(By.ID, "username").send_keys(USER)
        browser.find_element(By.ID, "password").send_keys(keycloak.user_password(USER))
        submitted = time.perf_counter()
        browser.find_element(By.ID, "kc-login").click()
        wait(browser, lambda d: d.current_url == portal.url + "/ho-so" and f"Xin chào, {NAME}" in header(d))
        figures["again_password_to_my_dossiers_ms"] = (time.perf_counter() - submitted) * 1000

    await asyncio.to_thread(sign_out)

    def refused_callback() -> None:  # a callback this browser did not start: the sign-in page says so
        browser.get(portal.url + "/dang-nhap/oidc/callback?code=x&state=not-ours-0123456789")
        wait(browser, lambda d: "Phiên đăng nhập không hợp lệ" in d.find_element(By.ID, "noi-dung").text)
        shot("06-refused-callback")

    await asyncio.to_thread(refused_callback)
    (ARTIFACTS / "sso-axe.json").write_text(json.dumps(violations, indent=2, ensure_ascii=False))
    assert not any(violations.values()), violations
    (ARTIFACTS / "sso-figures.json").write_text(json.dumps(figures, indent=2))
    print(
        f"\nportal sign-in through Keycloak, browser: {json.dumps({k: round(v) for k, v in figures.items()})}"
    )
