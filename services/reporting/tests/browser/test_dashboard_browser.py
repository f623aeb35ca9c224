"""The real dashboard in headless Chromium (Debian's chromium + chromedriver, driven by Selenium): an operator
logs in with a token, sees the numbers change as the test emits events to the broker (server-sent events,
no reload), filters to one province, opens an overdue dossier's history, colours the map of the 34 provinces
and filters by clicking it, switches to the 63 provinces of before 1 July 2025 (same totals), and is told where
an old province code went. Screenshots go to test-artifacts/reporting/ (gitignored). Chromium is installed by
tests/browser/ensure-chromium.sh."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from dvc_contracts.clock import now, vn_today
from dvckit.browser import chromium, skip_unless_installed
from dvckit.browser import wait as browser_wait
from dvckit.testing import PostgresServer, ServiceProcess, eventually, free_port, migrated_database

from ..conftest import Emitter, Events

pytestmark = pytest.mark.integration

ARTIFACTS = Path(__file__).resolve().parents[4] / "test-artifacts" / "reporting"

skip_unless_installed()

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402


@pytest.fixture(scope="module")
async def dashboard(
    pg: PostgresServer,
    kafka_bootstrap: str,
    auth_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[ServiceProcess]:
    db_url = await migrated_database(pg, "dvc_reporting")
    env = {
        "KAFKA_BOOTSTRAP": kafka_bootstrap,
        "KAFKA_SESSION_TIMEOUT_MS": "1000",
        "REPORTING_DATABASE_URL": db_url,
        "REPORTING_CONSUMER_GROUP": f"dvc-reporting-browser-{uuid.uuid4().hex[:6]}",
        "REPORTING_SERVICE_URLS": "{}",
        "REPORTING_LAG_GROUPS": "[]",
        "REPORTING_PIPELINE_INTERVAL_SECONDS": "1",
        "REPORTING_LIVE_MIN_INTERVAL_SECONDS": "0.2",
        **auth_env,
    }
    svc = ServiceProcess("reporting", free_port(), env, tmp_path_factory.mktemp("browser") / "reporting.log")
    await asyncio.to_thread(svc.start)
    try:
        yield svc
    finally:
        await asyncio.to_thread(svc.stop)


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    with chromium(window="1600,1100") as driver:
        yield driver


def number(driver: WebDriver, figure: str) -> int:
    text = driver.find_element(By.CSS_SELECTOR, f'[data-figure="{figure}"]').text
    digits = re.sub(r"\D", "", text)
    return int(digits) if digits else 0


def wait(driver: WebDriver, until: Callable[[WebDriver], Any], timeout: float = 30) -> Any:
    return browser_wait(driver, until, timeout, poll=0.2)


async def seed(emitter: Emitter, e: Events) -> tuple[str, list[str]]:
    """A small, varied picture: three provinces, every status, an overdue dossier with a long history."""
    proc = f"GPLX-{e.run}"
    await emitter.send(e.procedure(proc, saving=120_000))
    overdue = e.code("QH")
    start = now() - timedelta(days=12)
    payloads: list[Any] = [
        e.submitted(overdue, "48", proc, due=vn_today() - timedelta(days=3), at=start),
        e.status(
            overdue, "48", proc, 1, "received", at=start + timedelta(hours=2), note="Đã tiếp nhận hồ sơ"
        ),
        e.status(overdue, "48", proc, 2, "processing", at=start + timedelta(days=1), note="Đang thẩm định"),
        e.paid(f"PAY-{e.run}-QH", 135_000, dossier=overdue),
        e.sms_sent(f"SMS-{e.run}-QH", overdue, segments=2),
    ]
    statuses = ["received", "processing", "completed", "completed", "supplement_requested", "returned"]
    for i, province in enumerate(["48", "48", "79", "79", "79", "01", "01", "01", "01"]):
        code = e.code(i)
        payloads.append(e.submitted(code, province, proc, channel="online" if i % 3 else "counter",
                                    due=vn_today() + timedelta(days=5 - i), at=now() - timedelta(days=i + 1)))  # fmt: skip
        payloads.append(
            e.status(code, province, proc, 1, statuses[i % len(statuses)], at=now() - timedelta(days=i))
        )
        payloads.append(
            e.paid(
                f"PAY-{e.run}-{i}",
                50_000 * (i + 1),
                province=province,
                provider=["vnpay", "momo", "zalopay"][i % 3],
            )
        )
    # a dossier of 2024 in Quảng Nam (49): on today's map it is Đà Nẵng's (48)
    old = datetime(2024, 9, 3, 2, 0, tzinfo=UTC)
    payloads.append(e.submitted(e.code("QN"), "49", proc, at=old, due=old.date() + timedelta(days=5)))
    payloads += [
        e.fine(f"QD-{e.run}-1", "79"),
        e.fine_settled(f"QD-{e.run}-1", "79"),
        e.feedback(f"FB-{e.run}", "48"),
    ]
    for payload in payloads:
        await emitter.send(payload)
    await emitter.flush()
    return overdue, [e.code(i) for i in range(9)]


async def test_operator_watches_the_dashboard_live(
    dashboard: ServiceProcess,
    browser: WebDriver,
    emitter: Emitter,
    events: Events,
    make_token: Callable[..., str],
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    token = make_token("operator", name="Cán bộ vận hành")
    overdue, _ = await seed(emitter, events)

    async def api(path: str, **params: Any) -> Any:
        async with httpx.AsyncClient(base_url=dashboard.url, timeout=10) as http:
            r = await http.get(path, params=params, headers={"authorization": f"Bearer {token}"})
            r.raise_for_status()
            return r.json()

    async def seeded() -> bool:
        async with httpx.AsyncClient(base_url=dashboard.url, timeout=10) as http:
            r = await http.get(f"/api/dossiers/{overdue}", headers={"authorization": f"Bearer {token}"})
        return r.status_code == 200 and len(r.json()["history"]) >= 5

    await eventually(seeded, timeout=60)

    # 1. Log in with the token.
    def login() -> None:
        browser.get(dashboard.url + "/")
        wait(browser, lambda d: d.current_url.endswith("/login"))
        browser.save_screenshot(str(ARTIFACTS / "01-login.png"))
        browser.find_element(By.ID, "token").send_keys(token)
        browser.find_element(By.ID, "login-button").click()
        wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "body[data-loaded]"))
        browser.execute_script("window.__same_page = true")

    await asyncio.to_thread(login)
    assert "Cổng Dịch vụ công Quốc gia" in browser.page_source
    assert (
        json.loads(browser.execute_script("return sessionStorage.getItem('dvc_operator')"))["role"]
        == "operator"
    )
    await asyncio.to_thread(
        wait, browser, lambda d: d.find_element(By.ID, "live").get_attribute("data-state") == "open"
    )
    before = await asyncio.to_thread(number, browser, "dossiers_total")
    assert before == (await api("/api/summary"))["dossiers_total"]

    # 2. Events arrive on the broker: the numbers change on the open page (server-sent events, no reload).
    proc = f"GPLX-{events.run}"
    for i in range(3):
        await emitter.send(
            events.submitted(events.code(f"NEW{i}"), "48", proc, due=vn_today() + timedelta(days=4))
        )
    await emitter.flush()
    await asyncio.to_thread(wait, browser, lambda d: number(d, "dossiers_total") == before + 3)
    assert browser.execute_script("return window.__same_page") is True  # no reload happened
    await asyncio.to_thread(browser.save_screenshot, str(ARTIFACTS / "02-live-update.png"))

    # 3. Filter to one province (Đà Nẵng, 48).
    def filter_province() -> None:
        Select(browser.find_element(By.ID, "f-province")).select_by_value("48")
        browser.find_element(By.ID, "f-apply").click()
        rows = (
            "return [...document.querySelectorAll('#province-table tbody tr')].map((r) => r.dataset.province)"
        )
        wait(browser, lambda d: d.execute_script(rows) == ["48"])

    await asyncio.to_thread(filter_province)
    expected = (await api("/api/summary", province="48"))["dossiers_total"]
    await asyncio.to_thread(wait, browser, lambda d: number(d, "dossiers_total") == expected)
    assert "province=48" in browser.current_url
    await asyncio.to_thread(browser.save_screenshot, str(ARTIFACTS / "03-filtered-province.png"))

    # 4. Open the overdue dossier: its history, from the events reporting stored.
    def open_overdue() -> list[str]:
        row = wait(
            browser, lambda d: d.find_element(By.CSS_SELECTOR, f'#overdue-table tr[data-code="{overdue}"]')
        )
        row.click()
        wait(browser, lambda d: d.find_element(By.ID, "dossier-dialog").get_attribute("open") is not None)
        wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#dossier-history li")) >= 5)
        return [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#dossier-history li")]

    history = await asyncio.to_thread(open_overdue)
    assert any("Đang xử lý" in h for h in history) and any("Thanh toán" in h for h in history)
    assert browser.find_element(By.ID, "dossier-title").text == f"Hồ sơ {overdue}"
    await asyncio.to_thread(browser.save_screenshot, str(ARTIFACTS / "04-overdue-dossier.png"))

    # 5. The map of the 34 provinces: coloured by a chosen figure, with a legend; a click filters.
    def use_map() -> tuple[int, list[str]]:
        browser.find_element(By.CSS_SELECTOR, "#dossier-dialog .close").click()
        wait(browser, lambda d: d.find_element(By.ID, "dossier-dialog").get_attribute("open") is None)
        browser.find_element(By.ID, "f-reset").click()
        wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#map g.tile")) == 34)
        Select(browser.find_element(By.ID, "map-metric")).select_by_value("online_share")
        wait(
            browser,
            lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-map-metric") == "online_share",
        )
        legend = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#map-legend li")]
        labels = browser.execute_script(
            "return [...document.querySelectorAll('#map text.name')].map((t) => t.textContent)"
        )
        browser.execute_script("document.getElementById('map-panel').scrollIntoView()")
        browser.save_screenshot(str(ARTIFACTS / "05-map.png"))
        browser.find_element(By.CSS_SELECTOR, '#map g.tile[data-province="79"]').click()
        rows = (
            "return [...document.querySelectorAll('#province-table tbody tr')].map((r) => r.dataset.province)"
        )
        wait(browser, lambda d: d.execute_script(rows) == ["79"])
        wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, '#map g.tile.selected[data-province="79"]'))
        return len(legend), labels

    classes, labels = await asyncio.to_thread(use_map)
    assert classes == 6, "five classes and 'no figure'"
    assert {"Hà Nội", "Đà Nẵng", "TP.HCM", "Đắk Lắk", "Cà Mau"} <= set(labels) and len(labels) == 34
    assert "province=79" in browser.current_url
    await asyncio.to_thread(browser.execute_script, "document.getElementById('map-panel').scrollIntoView()")
    await asyncio.to_thread(browser.save_screenshot, str(ARTIFACTS / "06-map-filtered.png"))

    # 6. The 63 provinces of before 1 July 2025, on request: the same national totals.
    def sixty_three() -> tuple[list[str], str]:
        browser.get(dashboard.url + "/?units=2024")
        wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "body[data-loaded]"))
        rows = (
            "return [...document.querySelectorAll('#province-table tbody tr')].map((r) => r.dataset.province)"
        )
        codes = wait(browser, lambda d: (lambda c: c if len(c) >= 63 else None)(d.execute_script(rows)))
        browser.save_screenshot(str(ARTIFACTS / "07-63-provinces.png"))
        return codes, browser.find_element(By.ID, "province-heading").text

    codes, heading = await asyncio.to_thread(sixty_three)
    assert "63 tỉnh, thành phố" in heading and {"02", "49", "77"} <= set(codes)
    now_34, then_63 = (
        (await api("/api/provinces"))["items"],
        (await api("/api/provinces", units="2024"))["items"],
    )
    assert sum(r["dossiers_total"] for r in now_34) == sum(r["dossiers_total"] for r in then_63)
    assert next(r for r in then_63 if r["province_code"] == "49")["now_name"] == "Đà Nẵng"

    # 7. An old code in the address bar: the page says which province it belongs to now.
    def old_code() -> str:
        browser.get(dashboard.url + "/?province=49")
        wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "body[data-loaded]"))
        notice = browser.find_element(By.ID, "notice")
        wait(browser, lambda d: notice.is_displayed())
        browser.save_screenshot(str(ARTIFACTS / "08-old-code.png"))
        return str(notice.text)

    notice = await asyncio.to_thread(old_code)
    assert (
        notice
        == "Mã 49 (tỉnh Quảng Nam cũ) không còn dùng từ ngày 01/07/2025: địa bàn này nay thuộc thành phố Đà Nẵng, mã 48."
    )
