"""The citizens' portal in headless Chromium (Debian's chromium + chromedriver, driven by Selenium), on the real
services: catalog (seeded) and dossier as processes on the session's broker and PostgreSQL, the portal as a
process in front of them. A citizen on a phone-sized screen searches "đổi bằng lái", opens the licence
procedure, signs in (development sign-in), files a simple procedure (first with mistakes: Vietnamese messages on
the fields), finds it in "Hồ sơ của tôi", and the public tracking page shows it. Every page is checked with
axe-core (WCAG 2.0/2.1 A and AA rules) in the browser. Screenshots go to test-artifacts/portal/ (gitignored).

axe-core comes from npm (tests/browser/package.json, pinned in package-lock.json), installed by the axe_source
fixture (conftest.py, live.py) with `npm ci` when missing; Chromium from
services/reporting/tests/browser/ensure-chromium.sh. The stack is conftest.py's, with the services of BACKENDS."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from dvckit.browser import skip_unless_installed
from dvckit.testing import eventually

from .live import ARTIFACTS, Stack, axe, wait

pytestmark = pytest.mark.integration
CITIZEN = {"name": "Nguyễn Văn An", "citizen_id": "001099012345"}
# the services of this walk's stack (conftest.py): payment, notify and feedback are not needed
BACKENDS = ("catalog", "dossier")

skip_unless_installed()

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402


async def test_citizen_finds_signs_in_submits_and_tracks(
    stack: Stack, browser: WebDriver, axe_source: str, make_token: Callable[..., str]
) -> None:
    started = time.monotonic()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    portal = stack["portal"].url
    checked: dict[str, list[dict[str, Any]]] = {}

    # The dossier service must know the procedure (its read model fills from catalog's procedure-published):
    # a submission without fields is a 422 missing_fields once it does, a 404 unknown_procedure before.
    probe = make_token("citizen", sub="079000000001", name="Thăm dò")

    async def dossier_knows_it() -> bool:
        async with httpx.AsyncClient(timeout=5) as http:
            r = await http.post(
                f"{stack['dossier'].url}/dossiers",
                json={"procedure_code": "HT-XN-HON-NHAN", "province_code": "01", "fields": {}},
                headers={"authorization": f"Bearer {probe}"},
            )
        return r.status_code == 422

    await eventually(dossier_knows_it, timeout=60, every=0.3)

    def shot(name: str) -> None:
        browser.save_screenshot(str(ARTIFACTS / f"{name}.png"))
        checked[name] = axe(browser, axe_source)

    def find_and_open() -> None:
        browser.get(portal + "/")
        wait(browser, lambda d: d.find_element(By.ID, "q"))
        shot("01-home")
        box = browser.find_element(By.ID, "q")
        box.send_keys("đổi bằng lái")
        box.submit()
        # the results page, loaded (the home page links to popular procedures too: wait for the search's URL)
        wait(browser, lambda d: "q=" in d.current_url)
        wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, 'a[href="/thu-tuc/GPLX-DOI-L4"]'))
        shot("02-search")
        browser.find_element(By.CSS_SELECTOR, 'a[href="/thu-tuc/GPLX-DOI-L4"]').click()
        wait(browser, lambda d: "Đổi giấy phép lái xe" in d.find_element(By.TAG_NAME, "h1").text)
        shot("03-procedure")

    await asyncio.to_thread(find_and_open)
    page = browser.find_element(By.ID, "noi-dung").text
    assert "135.000 đồng" in page and "5 ngày làm việc" in page and "Toàn quốc" in page
    assert "Dịch vụ công trực tuyến toàn trình" in page and "Đơn đề nghị đổi giấy phép lái xe" in page

    def sign_in() -> None:
        browser.find_element(By.LINK_TEXT, "Nộp hồ sơ trực tuyến").click()
        wait(browser, lambda d: "/dang-nhap" in d.current_url and d.find_elements(By.ID, "signin-button"))
        shot("04-sign-in")
        for name, value in (("s-name", CITIZEN["name"]), ("s-citizen_id", CITIZEN["citizen_id"])):
            field = browser.find_element(By.ID, name)
            field.clear()
            field.send_keys(value)
        browser.find_element(By.ID, "signin-button").click()
        wait(  # the form page, loaded (the URL changes before the new page's header exists)
            browser,
            lambda d: (
                d.current_url.endswith("/thu-tuc/GPLX-DOI-L4/nop-ho-so")
                and "Xin chào, Nguyễn Văn An" in d.find_element(By.TAG_NAME, "header").text
            ),
        )

    await asyncio.to_thread(sign_in)
    assert "Xin chào, Nguyễn Văn An" in browser.find_element(By.TAG_NAME, "header").text
    cookies = {c["name"]: c for c in browser.get_cookies()}
    assert cookies["dvc_portal_session"]["httpOnly"] and cookies["dvc_portal_session"]["sameSite"] == "Lax"
    assert "." not in cookies["dvc_portal_session"]["value"]  # a random id, never the token
    await asyncio.to_thread(shot, "05-licence-form")

    # a simple procedure: the single-status certificate ("giấy xác nhận độc thân" is what people type)
    def open_simple_form() -> None:
        browser.get(portal + "/tim-kiem?q=x%C3%A1c+nh%E1%BA%ADn+%C4%91%E1%BB%99c+th%C3%A2n")
        wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, 'a[href="/thu-tuc/HT-XN-HON-NHAN"]')).click()
        wait(browser, lambda d: d.find_element(By.LINK_TEXT, "Nộp hồ sơ trực tuyến")).click()
        wait(browser, lambda d: d.find_element(By.ID, "f-date_of_birth"))

    await asyncio.to_thread(open_simple_form)

    def submit_with_mistakes() -> list[str]:
        assert browser.find_element(By.ID, "f-applicant_name").get_attribute("value") == CITIZEN["name"]
        browser.find_element(By.ID, "f-date_of_birth").send_keys("31/02/1990")
        browser.find_element(By.ID, "submit-dossier").click()
        wait(browser, lambda d: d.find_element(By.ID, "error-summary"))
        shot("06-form-errors")
        return [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#error-summary li")]

    messages = await asyncio.to_thread(submit_with_mistakes)
    assert "Vui lòng nhập nơi cư trú." in messages
    assert any("Ngày, tháng, năm sinh phải là một ngày có thật" in m for m in messages)
    assert "Vui lòng chọn tình trạng hôn nhân." in messages

    def submit() -> str:
        dob = browser.find_element(By.ID, "f-date_of_birth")
        dob.clear()
        dob.send_keys("12/05/1990")
        browser.find_element(By.ID, "f-address").send_keys("12 Tràng Tiền, Hoàn Kiếm, Hà Nội")
        Select(browser.find_element(By.ID, "f-marital_status")).select_by_visible_text("Chưa đăng ký kết hôn")
        browser.find_element(By.ID, "f-purpose").send_keys("Để đăng ký kết hôn")
        Select(browser.find_element(By.ID, "f-province_code")).select_by_visible_text("Hà Nội")
        browser.find_element(By.ID, "submit-dossier").click()
        notice = wait(browser, lambda d: d.find_element(By.ID, "submitted-notice"))
        shot("07-submitted")
        return str(notice.find_element(By.CSS_SELECTOR, ".code").text)

    code = await asyncio.to_thread(submit)
    assert code.startswith("01-")
    assert browser.find_element(By.ID, "dossier-status").text == "Đã nộp"

    def my_dossiers() -> None:
        browser.find_element(By.LINK_TEXT, "Hồ sơ của tôi").click()
        wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, f'li[data-code="{code}"]'))
        shot("08-my-dossiers")

    await asyncio.to_thread(my_dossiers)

    def track() -> str:
        browser.find_element(By.LINK_TEXT, "Tra cứu hồ sơ").click()
        box = wait(browser, lambda d: d.find_element(By.ID, "ma"))
        box.send_keys(code)
        box.submit()
        status = wait(browser, lambda d: d.find_element(By.ID, "track-status"))
        shot("09-tracking")
        return str(status.text)

    assert await asyncio.to_thread(track) == "Đã nộp"
    result = browser.find_element(By.ID, "track-result").text
    assert "Cấp Giấy xác nhận tình trạng hôn nhân" in result and "Nguyễn Văn An" not in result

    def desktop() -> None:  # the same pages on a wide screen
        browser.set_window_size(1366, 900)
        browser.get(portal + f"/ho-so/{code}")
        wait(browser, lambda d: d.find_element(By.ID, "dossier-status"))
        shot("10-dossier-desktop")
        browser.get(portal + "/phat-nguoi")  # the fine lookup form (payment is not running: the form only)
        wait(browser, lambda d: d.find_element(By.ID, "fine-lookup"))
        shot("11-fines-desktop")

    await asyncio.to_thread(desktop)

    def planted() -> set[str]:  # the check itself: an unlabelled input and grey-on-white text are caught
        browser.execute_script(
            "const m = document.getElementById('noi-dung');"
            "m.insertAdjacentHTML('afterbegin', '<input type=text id=planted><p id=faint>Chữ mờ</p>');"
            "document.getElementById('faint').style.color = '#bbb';"  # CSSOM: the CSP forbids inline style
        )
        return {v["id"] for v in axe(browser, axe_source)}

    assert {"label", "color-contrast"} <= await asyncio.to_thread(planted)

    (ARTIFACTS / "axe.json").write_text(json.dumps(checked, ensure_ascii=False, indent=2))
    problems = {page: v for page, v in checked.items() if v}
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=2)
    assert time.monotonic() - started < 90
