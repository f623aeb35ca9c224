"""Operators sign in to the dashboard through the real OpenID Provider (Keycloak, realm deploy/keycloak), in
headless Debian Chromium (Selenium): "Đăng nhập" → Keycloak's own login page → the code flow with PKCE →
the dashboard. A province operator (levanhung, Hà Nội 01) sees only province 01's figures, a national operator
(hoangvannam) sees both seeded provinces (01 and 79), a citizen (nguyenvanan) is refused with a Vietnamese
message, and logout ends the session here and at the provider (the next sign-in shows Keycloak's form again).

One Keycloak per module, as tests/sso does (skipped only where Java 21+ or Maven is missing). The realm's
reporting client accepts redirects to :8000 (make run); the module adds this run's port through the admin API.
The sign-in round trips are printed (``-s``) and kept in test-artifacts/reporting/sso-timings.json."""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import create_async_engine

from dvc_contracts.clock import now, vn_today
from dvc_reporting.adapters.orm import operator_sessions
from dvckit import keycloak, keycloak_keys
from dvckit.auth.jwt import DevKeys
from dvckit.browser import chromium, skip_unless_installed
from dvckit.browser import wait as browser_wait
from dvckit.testing import PostgresServer, ServiceProcess, eventually, free_port, migrated_database

from ..conftest import Emitter, Events

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

ARTIFACTS = Path(__file__).resolve().parents[4] / "test-artifacts" / "reporting"
TIMINGS: dict[str, list[float]] = {}

skip_unless_installed()

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402


@pytest.fixture(scope="module")
def kc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[keycloak.Keycloak]:
    reason = keycloak.unavailable_reason()
    if reason:
        pytest.skip(f"Keycloak cannot run here: {reason}")
    keycloak.fetch()
    keycloak.template()
    with keycloak.Keycloak(tmp_path_factory.mktemp("keycloak")) as server:
        yield server


def allow_port(kc: keycloak.Keycloak, port: int) -> None:
    """The reporting client's redirect and post-logout URIs, plus this run's port (admin REST API)."""
    headers = {"authorization": f"Bearer {kc.admin_token()}"}
    with httpx.Client(base_url=kc.admin_url, headers=headers, timeout=30) as admin:
        (client,) = admin.get("/clients", params={"clientId": "reporting"}).raise_for_status().json()
        uri = f"http://127.0.0.1:{port}/*"
        client["redirectUris"] = [*client["redirectUris"], uri]
        attributes = client.setdefault("attributes", {})
        attributes["post.logout.redirect.uris"] = f"{attributes.get('post.logout.redirect.uris', '')}##{uri}"
        admin.put(f"/clients/{client['id']}", json=client).raise_for_status()


@pytest.fixture(scope="module")
async def seeded(emitter: Emitter) -> Events:
    """Dossiers in Hà Nội (01) and TP. Hồ Chí Minh (79)."""
    e = Events(uuid.uuid4().hex[:6].upper())
    proc = f"SSO-{e.run}"
    await emitter.send(e.procedure(proc))
    for i, province in enumerate(["01", "01", "01", "79", "79"]):
        code = e.code(f"{province}-{i}")
        await emitter.send(e.submitted(code, province, proc, due=vn_today() + timedelta(days=3)))
        await emitter.send(e.status(code, province, proc, 1, "processing", at=now() - timedelta(hours=i)))
    await emitter.flush()
    return e


@pytest.fixture(scope="module")
async def dashboard(
    kc: keycloak.Keycloak,
    pg: PostgresServer,
    kafka_bootstrap: str,
    dev_keys: tuple[DevKeys, Path],
    seeded: Events,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[ServiceProcess]:
    port = free_port()
    await asyncio.to_thread(allow_port, kc, port)
    db_url = await migrated_database(pg, "dvc_reporting")
    env = {
        "KAFKA_BOOTSTRAP": kafka_bootstrap,
        "KAFKA_SESSION_TIMEOUT_MS": "1000",
        "REPORTING_DATABASE_URL": db_url,
        "REPORTING_CONSUMER_GROUP": f"dvc-reporting-sso-{uuid.uuid4().hex[:6]}",
        "REPORTING_SERVICE_URLS": "{}",
        "REPORTING_LAG_GROUPS": "[]",
        "REPORTING_PIPELINE_INTERVAL_SECONDS": "1",
        "REPORTING_LIVE_MIN_INTERVAL_SECONDS": "0.2",
        "LOG_FORMAT": "json",  # the server's own share of a sign-in is read from its log (took_ms)
        # access tokens from Keycloak, checked as every service checks them (the kit's verifier) …
        "AUTH_ISSUER": kc.issuer,
        "AUTH_JWKS_URL": kc.jwks_url,
        "AUTH_AUDIENCE": "reporting",
        # … and make token's beside them (development), for the test's own API cross-checks
        "AUTH_DEV_JWKS_FILE": str(dev_keys[1]),
        "REPORTING_OIDC_ISSUER": kc.issuer,
        "REPORTING_OIDC_CLIENT_ID": "reporting",
        "REPORTING_OIDC_CLIENT_SECRET": keycloak.client_secret("reporting"),
    }
    svc = ServiceProcess("reporting", port, env, tmp_path_factory.mktemp("sso") / "reporting.log")
    await asyncio.to_thread(svc.start)
    try:
        yield svc
    finally:
        await asyncio.to_thread(svc.stop)
        for line in svc.log_path.read_text().splitlines():
            if '"reporting.signed_in"' in line:
                took = json.loads(line[line.index("{") :])["took_ms"]
                note("callback on the server (code exchange, token checks, session)", float(took))
        if TIMINGS:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            (ARTIFACTS / "sso-timings.json").write_text(json.dumps(TIMINGS, indent=2))


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    with chromium(window="1400,1000") as driver:
        yield driver


def wait(driver: WebDriver, until: Callable[[WebDriver], Any], timeout: float = 30) -> Any:
    return browser_wait(driver, until, timeout, poll=0.1)


def number(driver: WebDriver, figure: str) -> int:
    digits = re.sub(r"\D", "", driver.find_element(By.CSS_SELECTOR, f'[data-figure="{figure}"]').text)
    return int(digits) if digits else 0


def account_figure(driver: WebDriver, selector: str) -> int:
    """A figure of the accounts panel (e.g. ``[data-account-channel="dashboard"]``) as shown, or -1 before."""
    digits = re.sub(r"\D", "", driver.find_element(By.CSS_SELECTOR, selector).text)
    return int(digits) if digits else -1


def dashboard_sign_ins(dashboard: ServiceProcess, make_token: Callable[..., str]) -> Callable[[], int]:
    """Sign-ins to the dashboard in the read model now, as a national operator reads them from the API."""
    token = make_token("operator", name="Kiểm tra")

    def count() -> int:
        r = httpx.get(f"{dashboard.url}/api/accounts", headers={"authorization": f"Bearer {token}"})
        return int(r.raise_for_status().json()["sign_ins_by_channel"]["dashboard"])

    return count


async def caught_up_on_sign_ins(
    dashboard: ServiceProcess, make_token: Callable[..., str], bootstrap: str
) -> None:
    """Wait until the read model has consumed every account-signed-in already on the session's broker (other
    tests' sign-ins), so a count taken now grows by this test's sign-ins only."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        await consumer.topics()
        parts = consumer.partitions_for_topic("account-signed-in") or set()
        tps = [TopicPartition("account-signed-in", p) for p in parts]
        on_topic = sum((await consumer.end_offsets(tps)).values()) if tps else 0
    finally:
        await consumer.stop()

    async def consumed() -> bool:
        rows = (await national_api(dashboard, make_token, "/api/pipeline"))["lag"]["rows"]
        done = sum(
            r["committed"] for r in rows if r["topic"] == "account-signed-in" and r["service"] == "reporting"
        )
        return done >= on_topic

    await eventually(consumed, timeout=90)


def province_rows(driver: WebDriver) -> list[str]:
    rows: list[str] = driver.execute_script(
        "return [...document.querySelectorAll('#province-table tbody tr')].map((r) => r.dataset.province)"
    )
    return rows


def note(what: str, ms: float) -> None:
    TIMINGS.setdefault(what, []).append(round(ms, 1))
    print(f"[sso] {what}: {ms:.0f} ms")


def sign_in(driver: WebDriver, base: str, username: str, *, expect_dashboard: bool = True) -> None:
    """From the dashboard's address to the dashboard: our login page, 'Đăng nhập', Keycloak's login page
    (the realm's own, in Vietnamese), the credentials, back through the callback."""
    driver.get(base + "/")
    wait(driver, lambda d: urlpath(d) == "/login")
    start = time.perf_counter()
    driver.find_element(By.ID, "login-button").click()
    wait(driver, lambda d: d.find_elements(By.ID, "kc-login"))
    note("click 'Đăng nhập' → Keycloak's login form shown", (time.perf_counter() - start) * 1000)
    assert "/realms/dvc/" in driver.current_url
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(keycloak.user_password(username))
    start = time.perf_counter()
    driver.find_element(By.ID, "kc-login").click()
    if expect_dashboard:
        wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "body[data-loaded]"))
        note("submit Keycloak's form → dashboard shown", (time.perf_counter() - start) * 1000)
    else:
        wait(driver, lambda d: d.find_elements(By.ID, "login-error") and urlpath(d) == "/auth/callback")


def urlpath(driver: WebDriver) -> str:
    return str(httpx.URL(driver.current_url).path)


def log_out(driver: WebDriver, base: str) -> None:
    driver.find_element(By.ID, "logout").click()
    wait(driver, lambda d: d.current_url.startswith(base + "/login") and d.find_elements(By.ID, "login-info"))


async def national_api(
    dashboard: ServiceProcess, make_token: Callable[..., str], path: str, **params: Any
) -> Any:
    token = make_token("operator", name="Kiểm tra")
    async with httpx.AsyncClient(base_url=dashboard.url, timeout=10) as http:
        r = await http.get(path, params=params, headers={"authorization": f"Bearer {token}"})
        r.raise_for_status()
        return r.json()


def summary_total(dashboard: ServiceProcess, make_token: Callable[..., str]) -> Callable[[str | None], int]:
    """dossiers_total as a national operator reads it from the API now (the read model may still be moving)."""
    token = make_token("operator", name="Kiểm tra")

    def total(province: str | None) -> int:
        params = {"province": province} if province else {}
        r = httpx.get(
            f"{dashboard.url}/api/summary", params=params, headers={"authorization": f"Bearer {token}"}
        )
        return int(r.raise_for_status().json()["dossiers_total"])

    return total


async def wait_seeded(dashboard: ServiceProcess, make_token: Callable[..., str], e: Events) -> None:
    async def there() -> bool:
        for code in (e.code("01-2"), e.code("79-4")):
            try:
                detail = await national_api(dashboard, make_token, f"/api/dossiers/{code}")
            except httpx.HTTPStatusError:
                return False
            if len(detail["history"]) < 2:
                return False
        return True

    await eventually(there, timeout=90)


async def test_province_operator_signs_in_sees_only_their_province_and_logs_out(
    dashboard: ServiceProcess,
    browser: WebDriver,
    seeded: Events,
    make_token: Callable[..., str],
    kafka_bootstrap: str,
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await wait_seeded(dashboard, make_token, seeded)
    base = dashboard.url
    sign_ins = dashboard_sign_ins(dashboard, make_token)
    await caught_up_on_sign_ins(dashboard, make_token, kafka_bootstrap)
    before = await asyncio.to_thread(sign_ins)

    await asyncio.to_thread(sign_in, browser, base, "levanhung")
    assert browser.find_element(By.ID, "me").text == "Lê Văn Hùng"
    assert "Hà Nội" in browser.find_element(By.ID, "scope").text
    await asyncio.to_thread(browser.save_screenshot, str(ARTIFACTS / "sso-01-levanhung.png"))
    assert await asyncio.to_thread(province_rows, browser) == ["01"]
    ha_noi = (await national_api(dashboard, make_token, "/api/summary", province="01"))["dossiers_total"]
    national = (await national_api(dashboard, make_token, "/api/summary"))["dossiers_total"]
    assert ha_noi < national
    total = summary_total(dashboard, make_token)
    await asyncio.to_thread(wait, browser, lambda d: number(d, "dossiers_total") == total("01"))
    # the sign-in itself is in the figures: account-signed-in through reporting's outbox, the broker and its
    # consumer, then the live update of this page (national figures, a pseudonymous id only)
    shown = '[data-account-channel="dashboard"]'
    await asyncio.to_thread(
        # ">": another process of the session (an earlier test's dashboard relaying its own sign-in late) may add
        # one too; the exact count through the outbox is test_accounts_pg's, on a day of its own
        wait,
        browser,
        lambda d: (n := sign_ins()) > before and account_figure(d, shown) == n,
        90,
    )
    assert account_figure(browser, '[data-account="active_today"]') >= 1
    assert account_figure(browser, '[data-account-role="operator"]') >= 1
    browser.execute_script("document.getElementById('accounts').scrollIntoView()")
    await asyncio.to_thread(browser.save_screenshot, str(ARTIFACTS / "sso-01b-accounts.png"))
    # the session is the browser's only credential (no token in it), and it is scoped to 01 in the API too
    status = await asyncio.to_thread(
        browser.execute_script,
        "return fetch('/api/summary?province=79', {credentials: 'same-origin'}).then((r) => r.status)",
    )
    assert status == 403
    cookies = {c["name"]: c for c in browser.get_cookies()}
    assert cookies["dvc_session"]["httpOnly"] and cookies["dvc_session"]["sameSite"] == "Lax"
    assert "dvc_login" not in cookies and not browser.execute_script("return document.cookie")

    # the round trip while Keycloak's session is alive: 'Đăng nhập' → dashboard, no form
    def again() -> None:
        browser.delete_cookie("dvc_session")
        browser.get(base + "/")
        wait(browser, lambda d: urlpath(d) == "/login")
        start = time.perf_counter()
        browser.find_element(By.ID, "login-button").click()
        wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "body[data-loaded]"))
        note(
            "click 'Đăng nhập' → dashboard shown (provider session alive)",
            (time.perf_counter() - start) * 1000,
        )

    for _ in range(3):
        await asyncio.to_thread(again)

    # logout: the session ends here and at Keycloak
    await asyncio.to_thread(log_out, browser, base)
    assert browser.find_element(By.ID, "login-info").text == "Bạn đã đăng xuất."
    await asyncio.to_thread(browser.save_screenshot, str(ARTIFACTS / "sso-02-logged-out.png"))
    assert "dvc_session" not in {c["name"] for c in browser.get_cookies()}

    def after_logout() -> None:
        browser.get(base + "/")
        wait(browser, lambda d: urlpath(d) == "/login")
        browser.find_element(By.ID, "login-button").click()
        wait(browser, lambda d: d.find_elements(By.ID, "kc-login"))  # Keycloak asks again

    await asyncio.to_thread(after_logout)


async def test_national_operator_sees_both_provinces(
    dashboard: ServiceProcess, browser: WebDriver, seeded: Events, make_token: Callable[..., str]
) -> None:
    await wait_seeded(dashboard, make_token, seeded)
    base = dashboard.url
    await asyncio.to_thread(sign_in, browser, base, "hoangvannam")
    assert browser.find_element(By.ID, "me").text == "Hoàng Văn Nam"
    assert browser.find_element(By.ID, "scope").text == "Toàn quốc"
    assert {"01", "79"} <= set(await asyncio.to_thread(province_rows, browser))
    total = summary_total(dashboard, make_token)
    await asyncio.to_thread(wait, browser, lambda d: number(d, "dossiers_total") == total(None))
    await asyncio.to_thread(browser.save_screenshot, str(ARTIFACTS / "sso-03-hoangvannam.png"))
    await asyncio.to_thread(log_out, browser, base)


async def test_citizen_is_refused_with_a_clear_message(dashboard: ServiceProcess, browser: WebDriver) -> None:
    base = dashboard.url
    await asyncio.to_thread(sign_in, browser, base, "nguyenvanan", expect_dashboard=False)
    error = browser.find_element(By.ID, "login-error")
    assert error.text == (
        "Tài khoản “Nguyễn Văn An” là tài khoản công dân, không phải cán bộ vận hành: không được vào bảng điều "
        "khiển số liệu. Vui lòng đăng nhập bằng tài khoản cán bộ vận hành."
    )
    assert browser.find_element(By.ID, "login-button").text == "Đăng nhập bằng tài khoản khác"
    await asyncio.to_thread(browser.save_screenshot, str(ARTIFACTS / "sso-04-citizen-refused.png"))
    assert "dvc_session" not in {c["name"] for c in browser.get_cookies()}
    await asyncio.to_thread(browser.get, base + "/")
    await asyncio.to_thread(wait, browser, lambda d: urlpath(d) == "/login")
    # "another account": Keycloak shows its form again though the citizen's session there is alive
    await asyncio.to_thread(browser.get, base + "/auth/login?prompt=login")
    await asyncio.to_thread(wait, browser, lambda d: d.find_elements(By.ID, "kc-login"))


# --- key rotation (last: it changes the realm's keys) ------------------------------------------------------


async def expire_access_tokens(dashboard: ServiceProcess) -> datetime:
    """Make every session's access token due for renewal now (as five minutes of use would); returns when."""
    engine = create_async_engine(dashboard.env["REPORTING_DATABASE_URL"])
    try:
        due = now() - timedelta(seconds=1)
        async with engine.begin() as conn:
            await conn.execute(update(operator_sessions).values(access_expires_at=due, refreshing_until=None))
        return due
    finally:
        await engine.dispose()


async def access_expiry(dashboard: ServiceProcess) -> datetime | None:
    engine = create_async_engine(dashboard.env["REPORTING_DATABASE_URL"])
    try:
        async with engine.connect() as conn:
            found: datetime | None = (
                await conn.execute(select(func.max(operator_sessions.c.access_expires_at)))
            ).scalar()
            return found
    finally:
        await engine.dispose()


async def test_a_key_rotation_at_the_provider_logs_nobody_out(
    kc: keycloak.Keycloak, dashboard: ServiceProcess, browser: WebDriver, make_token: Callable[..., str]
) -> None:
    """Signed in, the realm's signing key is rotated at Keycloak (admin REST API: a new RS256 key above the
    old one). The session goes on: its next renewal gets an access token and an ID token signed with the new
    key, which the dashboard's verifier and its sign-in client fetch at once (a new key id), and every page and
    API call after it works; nobody is sent back to the login page."""
    base = dashboard.url
    await asyncio.to_thread(sign_in, browser, base, "hoangvannam")
    loaded = int(browser.find_element(By.TAG_NAME, "body").get_attribute("data-loaded") or 0)
    old_kid = await asyncio.to_thread(keycloak_keys.active_kid, kc)

    new_kid = await asyncio.to_thread(keycloak_keys.rotate_signing_key, kc)
    assert new_kid != old_kid
    # the page keeps working on the old access token (still valid, its key still published)
    await asyncio.to_thread(browser.refresh)
    await asyncio.to_thread(wait, browser, lambda d: d.find_elements(By.CSS_SELECTOR, "body[data-loaded]"))
    assert urlpath(browser) == "/"

    # the access token is due: the next request renews it with the refresh token, signed by the new key
    due = await expire_access_tokens(dashboard)
    start = time.perf_counter()
    await asyncio.to_thread(browser.refresh)
    await asyncio.to_thread(wait, browser, lambda d: d.find_elements(By.CSS_SELECTOR, "body[data-loaded]"))
    note("page load with a renewal signed by the new key", (time.perf_counter() - start) * 1000)
    assert urlpath(browser) == "/" and browser.find_element(By.ID, "me").text == "Hoàng Văn Nam"
    renewed = await access_expiry(dashboard)
    assert renewed is not None and renewed > due + timedelta(minutes=1), "the session was renewed"
    log = dashboard.log_path.read_text()
    assert "reporting.session_renewed" in log and "reporting.session_ended_by_provider" not in log
    # the renewed access token named the new key: the verifier fetched the JWKS for it at once (the renewal
    # checks it as every service does, then the ID token's key), and nothing was refused
    refreshed = [
        json.loads(line[line.index("{") :]) for line in log.splitlines() if '"auth.jwks_refreshed"' in line
    ]
    assert any(new_kid in r["kids"] for r in refreshed), refreshed

    # the live page re-reads the API with the renewed session: every call answers (a 401 would go to /login)
    status = await asyncio.to_thread(
        browser.execute_script,
        "return Promise.all(['/api/figures', '/api/accounts', '/api/provinces'].map((p) =>"
        " fetch(p, {credentials: 'same-origin'}).then((r) => r.status)))",
    )
    assert status == [200, 200, 200]
    await asyncio.to_thread(
        wait,
        browser,
        lambda d: (
            int(d.find_element(By.TAG_NAME, "body").get_attribute("data-loaded") or 0) >= max(loaded, 1)
        ),
    )
    await asyncio.to_thread(log_out, browser, base)
