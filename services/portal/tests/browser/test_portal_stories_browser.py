"""Issue 18: the citizens' stories end to end in headless Chromium, on the real services (conftest.py's stack:
catalog seeded, dossier, payment with its sandbox providers, notify with its sandbox SMS provider, feedback, each
a process on the session's broker and PostgreSQL, and the portal in front of them). The agencies' side is
played as their systems would: the health clinic, the licensing agency and the traffic police report over the
dossier service's HTTP ingest; the police's fine decision arrives on Kafka; the staff answer a complaint with an
agency token on feedback's API. Each story is its own citizen (their own 12-digit id and phone).

- licence: "đổi bằng lái" searched, the level-4 licence renewal filed with four documents, the shared-data
  checks passed (the citizen's own health check, no unpaid fine), the fee paid with MoMo in the payment sandbox,
  each step shown on the dossier page, the result; the SMS notify sent about it listed on that page.
- vehicle: a car's first registration: the registration fee assessed from the declared value (12 % in Hà Nội),
  paid with VNPAY, the dossier forwarded to the traffic police, who register it and report the plate.
- fine: a traffic fine looked up with the three facts of the record and paid through PayGov.
- complaint: from a dossier's page, a complaint filed (a mistake first), answered by the agency, read.
- documents: a renamed Windows program and a file over the limit refused, each with a clear message on its
  input, nothing kept; then a real PDF attached and listed.
- SMS: the citizen stops the portal's SMS (an SMS to their number now ends opted_out) and restarts them.

Every page of the portal passes axe-core (WCAG 2.0/2.1 A and AA); the payment service's pages on the way are
checked too and recorded (test-artifacts/portal/<story>.json), with the screenshots (<story>-*.png)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import random
import time
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from dvc_contracts import clock
from dvc_contracts.events import FineIssuedV1
from dvc_payment.emit_fine import emit as emit_fine
from dvckit.browser import skip_unless_installed
from dvckit.dev.waiting import poll, until_row

from .live import (
    MIB,
    Person,
    Stack,
    Walk,
    agency_reports,
    fill_sign_in,
    greeted,
    load_next,
    reload_until,
    report,
    sign_in,
    wait,
    wait_sms,
)

pytestmark = pytest.mark.integration
skip_unless_installed()

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

# the seed catalog's real procedures (never published again here: other tests' dossier services read them too)
LICENCE, HEALTH, VEHICLE, MARRIAGE = "GPLX-DOI-L4", "YT-KSK-LAI-XE", "DKX-OTO", "HT-XN-HON-NHAN"
LICENSING, CLINIC, POLICE = "BGTVT-TCDBVN", "BYT", "BCA-CSGT"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
run = asyncio.to_thread  # Selenium blocks: each stretch of the walk runs in a thread


@pytest.fixture
def operator(make_token: Callable[..., str]) -> str:
    """A national operator: reads every SMS notify sent (a citizen's list holds their own number's only)."""
    return make_token("operator", sub="op-portal-walks")


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def dossier_knows(stack: Stack, token: str, code: str, seed_field: str) -> None:
    """Until the dossier service validates ``code`` against the seed's snapshot: a submission without fields is
    a 422 naming ``seed_field`` (a field of the seed's form) once it does, a 404 unknown_procedure before."""

    async def probe() -> httpx.Response:
        async with httpx.AsyncClient(timeout=5) as http:
            return await http.post(
                f"{stack.url('dossier')}/dossiers",
                json={"procedure_code": code, "province_code": "01", "fields": {}},
                headers=bearer(token),
            )

    await poll(probe, lambda r: r.status_code == 422 and seed_field in r.text, timeout=60)


async def submit_api(stack: Stack, token: str, body: dict[str, Any]) -> str:
    """A dossier filed by the citizen's token, as the portal files it (what the story needs beforehand)."""
    async with httpx.AsyncClient(timeout=10) as http:
        r = await http.post(f"{stack.url('dossier')}/dossiers", json=body, headers=bearer(token))
    assert r.status_code == 201, r.text
    return str(r.json()["code"])


async def dossier_api(stack: Stack, token: str, code: str) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=10) as http:
        r = await http.get(f"{stack.url('dossier')}/dossiers/{code}", headers=bearer(token))
    r.raise_for_status()
    found: dict[str, Any] = r.json()
    return found


async def payable(stack: Stack, token: str, code: str) -> None:
    """Until the payment service holds the dossier's payment (payment-requested consumed): before that the
    portal's "Thanh toán" answers "đang được khởi tạo, thử lại sau ít giây"."""
    d = await poll(
        lambda: dossier_api(stack, token, code), lambda d: bool((d["saga"] or {}).get("payment_id"))
    )
    url = f"{stack.url('payment')}/payments/{d['saga']['payment_id']}/link"

    async def link() -> int:
        async with httpx.AsyncClient(timeout=5) as http:
            return (await http.get(url, headers=bearer(token))).status_code

    await poll(link, lambda status: status == 200)


def body_text(driver: WebDriver) -> str:
    return str(driver.find_element(By.TAG_NAME, "body").text)


def steps(driver: WebDriver) -> list[tuple[str, str]]:
    """The dossier page's chained-flow steps: (done | current | todo | stopped, the step's words)."""
    out = []
    for li in driver.find_elements(By.CSS_SELECTOR, "ol.steps li.step"):
        state = next(c for c in li.get_attribute("class").split() if c != "step")
        out.append((state, str(li.text)))
    return out


def saga_state(driver: WebDriver) -> str:
    return str(driver.find_element(By.CSS_SELECTOR, "section[aria-labelledby=saga-title] p strong").text)


def pay_in_sandbox(
    driver: WebDriver, walk: Walk, stack: Stack, provider: str, start: Callable[[], None]
) -> None:
    """From the portal's pay button (``start``) through the payment service's pages: choose ``provider`` (when
    the portal did not), the provider's sandbox page, "Thanh toán", back on the payment result page."""
    payment = stack.url("payment")
    start()
    wait(driver, lambda d: d.current_url.startswith(payment) and d.find_elements(By.CSS_SELECTOR, "button"))
    if driver.find_elements(By.CSS_SELECTOR, f'button[name="provider"][value="{provider}"]'):
        walk.shot("pay-choose", ours=False)
        driver.find_element(By.CSS_SELECTOR, f'button[name="provider"][value="{provider}"]').click()
    button = wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, 'button[name="action"][value="pay"]'))
    walk.shot(f"pay-{provider}", ours=False)
    button.click()
    wait(driver, lambda d: "/result" in d.current_url and "Thanh toán thành công" in body_text(d), timeout=30)
    walk.shot("pay-result", ours=False)


# --- (a) driver-licence renewal -------------------------------------------------------------------------------


async def test_licence_renewal_filed_with_documents_paid_and_followed_step_by_step(
    stack: Stack,
    browser: WebDriver,
    axe_source: str,
    make_token: Callable[..., str],
    operator: str,
    tmp_path: Path,
) -> None:
    portal = stack.url("portal")
    lan = Person.new("Phạm Thị Lan", "0903123456")
    token = make_token("citizen", sub=lan.citizen_id, name=lan.name, phone=lan.phone)
    health_code = f"KSK-2026-{uuid.uuid4().hex[:6].upper()}"
    result = f"GPLX {lan.citizen_id} hang B2"
    walk = Walk(browser, axe_source, "licence")
    files = {
        "DON-DOI-GPLX": ("don-doi-gplx.pdf", PDF),
        "GKSK-LAI-XE": ("giấy khám sức khỏe.pdf", PDF + b"%ksk\n"),
        "GPLX-CU": ("gplx-cu.jpg", JPEG),
        "ANH-CHAN-DUNG": ("anh-3x4.png", PNG),
    }
    for name, data in files.values():
        (tmp_path / name).write_bytes(data)

    # Bộ Y tế: the citizen's own health check (filed on the portal earlier), its clinic reports the certificate
    await dossier_knows(stack, token, HEALTH, "health_facility")
    await dossier_knows(stack, token, LICENCE, "health_check_code")
    health = await submit_api(
        stack,
        token,
        {
            "procedure_code": HEALTH,
            "province_code": "01",
            "applicant_name": lan.name,
            "phone": lan.phone,
            "fields": {
                "citizen_id": lan.citizen_id,
                "date_of_birth": "1988-03-14",
                "licence_class": "B2",
                "health_facility": "Bệnh viện Bạch Mai",
            },
        },
    )
    clinic = make_token("agency", sub="bs-bach-mai", agency=CLINIC)
    await agency_reports(stack, clinic, report(health, HEALTH, CLINIC, 0, "completed", health_code))
    await poll(lambda: dossier_api(stack, token, health), lambda d: d["status"] == "completed")

    def search_and_file() -> str:
        browser.get(portal + "/")
        box = wait(browser, lambda d: d.find_element(By.ID, "q"))
        box.send_keys("đổi bằng lái")
        box.submit()
        found = f'a[href="/thu-tuc/{LICENCE}"]'
        wait(browser, lambda d: "q=" in d.current_url and d.find_element(By.CSS_SELECTOR, found)).click()
        wait(browser, lambda d: d.find_element(By.LINK_TEXT, "Nộp hồ sơ trực tuyến")).click()
        fill_sign_in(browser, lan)
        wait(browser, lambda d: d.current_url.endswith(f"/thu-tuc/{LICENCE}/nop-ho-so") and greeted(d, lan))
        assert browser.find_element(By.ID, "f-citizen_id").get_attribute("value") == lan.citizen_id
        for box_id, value in (
            ("f-date_of_birth", "14/03/1988"),
            ("f-licence_number", "790123456789"),
            ("f-licence_class", "B2"),
            ("f-health_check_code", health_code),
            ("f-delivery_address", "25 Lý Thường Kiệt, Hoàn Kiếm, Hà Nội"),
        ):
            browser.find_element(By.ID, box_id).send_keys(value)
        Select(browser.find_element(By.ID, "f-province_code")).select_by_visible_text("Hà Nội")
        for document, (name, _) in files.items():
            browser.find_element(By.ID, f"doc-{document}").send_keys(str(tmp_path / name))
        walk.shot("01-form")
        browser.find_element(By.ID, "submit-dossier").click()
        notice = wait(browser, lambda d: d.find_element(By.ID, "submitted-notice"))
        walk.shot("02-submitted", at="documents-title")
        return str(notice.find_element(By.CSS_SELECTOR, ".code").text)

    code = await run(search_and_file)
    listed = browser.find_element(By.ID, "dossier-documents").text
    for name, data in files.values():
        assert name in listed and hashlib.sha256(data).hexdigest()[:12] in listed, (name, listed)

    # the shared-data checks pass (its own health record, no unpaid fine): the fee is asked for
    def to_pay() -> list[tuple[str, str]]:
        reload_until(browser, lambda d: d.find_element(By.ID, "pay-button"))
        walk.shot("03-checks-passed", at="saga-title")
        return steps(browser)

    assert [s for s, _ in await run(to_pay)] == ["done", "done", "current", "todo"]
    page = body_text(browser)
    assert "Cần thanh toán" in page and "135.000 đồng" in page
    assert "Đã tra cứu dữ liệu khám sức khỏe của Bộ Y tế" in page and "có giấy khám sức khỏe hợp lệ" in page
    assert "không có quyết định chưa nộp" in page

    await payable(stack, token, code)
    await run(
        pay_in_sandbox,
        browser,
        walk,
        stack,
        "momo",
        lambda: browser.find_element(By.ID, "pay-button").click(),
    )

    def paid() -> list[tuple[str, str]]:
        browser.get(f"{portal}/ho-so/{code}")
        reload_until(browser, lambda d: saga_state(d) == "Chờ cơ quan cấp giấy phép xử lý")
        walk.shot("04-paid", at="saga-title")
        return steps(browser)

    assert [s for s, _ in await run(paid)] == ["done", "done", "done", "current"]
    assert not browser.find_elements(By.ID, "pay-button")
    assert "Đã nộp lệ phí 135.000 đ. Hồ sơ chuyển cơ quan cấp GPLX xử lý." in body_text(browser)

    # the licensing agency issues the new licence
    licensing = make_token("agency", sub="cb-tcdbvn", agency=LICENSING)
    await agency_reports(stack, licensing, report(code, LICENCE, LICENSING, 0, "completed", result))

    def completed() -> list[tuple[str, str]]:
        reload_until(browser, lambda d: d.find_element(By.ID, "dossier-status").text == "Hoàn thành")
        walk.shot("05-completed", at="saga-title")
        return steps(browser)

    assert [s for s, _ in await run(completed)] == ["done"] * 4
    assert result in body_text(browser) and saga_state(browser) == "Hoàn thành"

    # what notify sent the citizen about it, listed on the dossier page (notify's /citizen/sms: the SMS to the
    # account's own number), each as the operators' list has it. No SMS says the fee was paid: dossier's
    # payment-requested carries no phone, so payment's fee-paid has none either.
    def sms_listed() -> str:
        listed = reload_until(
            browser,
            lambda d: (
                (t := d.find_element(By.ID, "dossier-sms").text)
                and "đã được tiếp nhận" in t
                and result in t
                and t
            ),
        )
        walk.shot("06-sms", at="sms-title")
        return str(listed)

    listed = await run(sms_listed)
    texts = await wait_sms(stack, operator, "đã được tiếp nhận", result, dossier_code=code)
    assert all(t in listed for t in texts), (texts, listed)
    walk.save(sms=texts)
    walk.assert_accessible()


# --- (b) a car's first registration: tax → pay → police ------------------------------------------------------


async def test_vehicle_registration_fee_paid_then_plate_from_the_police(
    stack: Stack,
    browser: WebDriver,
    axe_source: str,
    make_token: Callable[..., str],
    operator: str,
    tmp_path: Path,
) -> None:
    portal = stack.url("portal")
    phong = Person.new("Trịnh Thanh Phong", "0987654321")
    token = make_token("citizen", sub=phong.citizen_id, name=phong.name, phone=phong.phone)
    plate = f"30K-{random.randint(100, 999)}.{random.randint(10, 99)}"
    walk = Walk(browser, axe_source, "vehicle")
    # a level-4 procedure: each of the seed's mandatory documents comes with the form
    papers = {"GIAY-KHAI-DKX": "giay-khai-dkx.pdf", "TK-LPTB": "to-khai-lptb.pdf",
              "CT-NGUON-GOC-XE": "nguon-goc-xe.pdf", "HOA-DON-MUA-XE": "hoa-don.pdf", "CCCD": "cccd.pdf"}  # fmt: skip
    for i, name in enumerate(papers.values()):
        (tmp_path / name).write_bytes(PDF + f"%{i}\n".encode())
    await dossier_knows(stack, token, VEHICLE, "chassis_number")

    def file_it() -> str:
        sign_in(browser, portal, phong, f"/thu-tuc/{VEHICLE}/nop-ho-so")
        for box_id, value in (
            ("f-address", "8 Hàng Bài, Hoàn Kiếm, Hà Nội"),
            ("f-vehicle_type", "Ô tô con"),
            ("f-vehicle_brand", "Hyundai"),
            ("f-vehicle_model", "Grand i10"),
            ("f-chassis_number", "RLUF123456"),
            ("f-engine_number", "G4LA123456"),
            ("f-vehicle_value_vnd", "400000000"),
        ):
            browser.find_element(By.ID, box_id).send_keys(value)
        Select(browser.find_element(By.ID, "f-province_code")).select_by_visible_text("Hà Nội")
        for document, name in papers.items():
            browser.find_element(By.ID, f"doc-{document}").send_keys(str(tmp_path / name))
        walk.shot("01-form")
        browser.find_element(By.ID, "submit-dossier").click()
        notice = wait(browser, lambda d: d.find_element(By.ID, "submitted-notice"))
        wait(browser, lambda d: d.find_element(By.ID, "pay-button"))  # tax assessed it at once
        walk.shot("02-fee-assessed", at="pay-title")
        return str(notice.find_element(By.CSS_SELECTOR, ".code").text)

    code = await run(file_it)
    assert [s for s, _ in steps(browser)] == ["done", "current", "todo", "todo"]
    page = body_text(browser)
    assert "48.000.000 đồng" in page, "12 % of 400.000.000 đồng in Hà Nội, from the catalog's rule"
    assert "Cơ quan thuế đã tính lệ phí trước bạ: 48.000.000 đ. Chờ thanh toán." in page

    await payable(stack, token, code)
    await run(
        pay_in_sandbox,
        browser,
        walk,
        stack,
        "vnpay",
        lambda: browser.find_element(By.ID, "pay-button").click(),
    )

    def at_police() -> list[tuple[str, str]]:
        browser.get(f"{portal}/ho-so/{code}")
        reload_until(browser, lambda d: saga_state(d) == "Chờ Cảnh sát giao thông xử lý")
        walk.shot("03-at-the-police", at="saga-title")
        return steps(browser)

    assert [s for s, _ in await run(at_police)] == ["done", "done", "done", "current"]
    page = body_text(browser)
    assert "kê khai thuế thành công" in page and "Hồ sơ đã được chuyển sang CSGT" in page
    assert browser.find_element(By.ID, "dossier-status").text == "Chuyển xử lý"

    police = make_token("agency", sub="csgt-hn-01", agency=POLICE)
    await agency_reports(stack, police, report(code, VEHICLE, POLICE, 0, "received"))
    await agency_reports(stack, police, report(code, VEHICLE, POLICE, 1, "completed", plate))

    def registered() -> list[tuple[str, str]]:
        reload_until(browser, lambda d: d.find_element(By.ID, "dossier-status").text == "Hoàn thành")
        walk.shot("04-plate", at="saga-title")
        return steps(browser)

    assert [s for s, _ in await run(registered)] == ["done"] * 4
    assert f"Hoàn thành: biển số {plate}." in body_text(browser)

    texts = await wait_sms(
        stack, operator, "kê khai thuế thành công", "chuyển sang CSGT", plate, dossier_code=code
    )
    assert sum("kê khai thuế thành công" in t for t in texts) == 1, "each step told once"
    walk.save(sms=texts)
    walk.assert_accessible()


# --- (c) a traffic fine --------------------------------------------------------------------------------------


async def test_traffic_fine_looked_up_and_paid(
    stack: Stack, browser: WebDriver, axe_source: str, operator: str
) -> None:
    portal = stack.url("portal")
    walk = Walk(browser, axe_source, "fine")
    decision, record = f"{random.randint(10000, 99999)}/QĐ-XPHC", f"HN-{random.randint(100000, 999999)}"
    fine = FineIssuedV1(
        decision_no=decision,
        record_no=record,
        violation_date=date(2026, 11, 10),
        offender_name="Hoàng Văn Nam",
        plate="30A-999.99",
        amount=4_000_000,
        issuing_unit="Đội CSGT số 7, Phòng CSGT Công an TP Hà Nội",
        province_code="01",
        decided_at=clock.now(),
    )
    await emit_fine(stack.bootstrap, fine, structured=False, agency="HNI-CSGT")

    async def known() -> int:  # payment keeps its own copy of the decision
        async with httpx.AsyncClient(timeout=5) as http:
            r = await http.get(
                f"{stack.url('payment')}/fines/lookup",
                params={"record_no": record, "violation_date": "2026-11-10", "name": "Hoàng Văn Nam"},
            )
        return r.status_code

    await poll(known, lambda status: status == 200)

    def look_up() -> None:
        """The three facts as typed on the record (the name without its marks, in capitals)."""
        browser.get(portal + "/phat-nguoi")
        for box_id, value in (
            ("p-record_no", record),
            ("p-violation_date", "10/11/2026"),
            ("p-name", "HOANG VAN NAM"),
        ):
            wait(browser, lambda d, i=box_id: d.find_element(By.ID, i)).send_keys(value)
        browser.find_element(By.ID, "fine-lookup").click()
        wait(browser, lambda d: d.find_element(By.ID, "fine-result"))

    def found() -> str:
        look_up()
        walk.shot("01-found", at="fine-result")
        return str(browser.find_element(By.ID, "fine-result").text)

    shown = await run(found)
    assert f"Quyết định xử phạt số {decision}" in shown and "Chưa nộp phạt" in shown
    assert "Hoàng Văn Nam" in shown and "4.000.000 đồng" in shown and "30A-999.99" in shown

    def pay() -> None:
        browser.find_element(By.ID, "p-phone").send_keys("0966 777 888")  # for the SMS receipt
        browser.find_element(By.CSS_SELECTOR, 'label[for="provider-paygov"]').click()
        pay_in_sandbox(
            browser, walk, stack, "paygov", lambda: browser.find_element(By.ID, "fine-pay").click()
        )

    await run(pay)

    def settled() -> str:
        deadline = time.monotonic() + 30
        while True:  # the settlement (the provider's signed callback, fine-settled) is on its way
            look_up()
            shown = str(browser.find_element(By.ID, "fine-result").text)
            if "Đã nộp phạt" in shown or time.monotonic() > deadline:
                walk.shot("02-settled", at="fine-result")
                return shown
            time.sleep(0.5)

    shown = await run(settled)
    assert "Đã nộp phạt" in shown and "Đã nộp lúc" in shown, shown
    assert not browser.find_elements(By.ID, "fine-pay")
    # the receipt, to the number typed with the payment (a fine's SMS names no dossier: the newest are read)
    texts = await wait_sms(stack, operator, f"{decision.partition('/')[0]}/Q", limit="100")
    assert any("nộp phạt thành công" in t and "30A-999.99" in t for t in texts), texts
    walk.save(sms=[t for t in texts if decision.partition("/")[0] in t])
    walk.assert_accessible()


# --- (d) a complaint answered ---------------------------------------------------------------------------------


async def test_complaint_about_a_dossier_filed_answered_and_read(
    stack: Stack, browser: WebDriver, axe_source: str, make_token: Callable[..., str], operator: str
) -> None:
    portal = stack.url("portal")
    mai = Person.new("Đỗ Thị Mai", "0978123456")
    token = make_token("citizen", sub=mai.citizen_id, name=mai.name, phone=mai.phone)
    walk = Walk(browser, axe_source, "complaint")
    await dossier_knows(stack, token, MARRIAGE, "marital_status")
    code = await submit_api(
        stack,
        token,
        {
            "procedure_code": MARRIAGE,
            "province_code": "01",
            "applicant_name": mai.name,
            "phone": mai.phone,
            "fields": {
                "citizen_id": mai.citizen_id,
                "date_of_birth": "1992-07-21",
                "address": "15 Phan Chu Trinh, Hoàn Kiếm, Hà Nội",
                "marital_status": "Chưa đăng ký kết hôn",
                "purpose": "Để đăng ký kết hôn",
            },
        },
    )
    # feedback routes a complaint about a dossier to the agency handling it: it must have heard of the dossier
    await until_row(stack.database("feedback"), "SELECT 1 FROM dossiers WHERE code = :c", {"c": code})

    def file_it() -> str:
        sign_in(browser, portal, mai, f"/ho-so/{code}")
        browser.find_element(By.LINK_TEXT, "Phản ánh về việc giải quyết hồ sơ này").click()
        box = wait(browser, lambda d: d.find_element(By.ID, "fb-dossier_code"))
        assert box.get_attribute("value") == code
        Select(browser.find_element(By.ID, "fb-category")).select_by_visible_text(
            "Giải quyết hồ sơ (chậm, sai hẹn, đòi thêm giấy tờ)"
        )
        browser.find_element(By.ID, "fb-title").send_keys("Trễ hẹn")
        browser.find_element(By.ID, "fb-content").send_keys(
            "Tôi nộp hồ sơ xác nhận tình trạng hôn nhân đã lâu mà chưa có ai liên hệ, xin cho biết khi nào có kết quả."
        )
        browser.find_element(By.ID, "feedback-submit").click()
        summary = wait(browser, lambda d: d.find_element(By.ID, "error-summary"))
        walk.shot("01-mistake")
        assert "Tiêu đề phải có từ 10 đến 200 ký tự." in summary.text
        assert browser.find_element(By.ID, "fb-title").get_attribute("aria-invalid") == "true"
        title = browser.find_element(By.ID, "fb-title")
        title.clear()
        title.send_keys("Hồ sơ xác nhận tình trạng hôn nhân chậm trả lời")
        browser.find_element(By.ID, "feedback-submit").click()
        sent = wait(browser, lambda d: d.find_element(By.ID, "feedback-sent"))
        walk.shot("02-sent")
        return str(sent.find_element(By.CSS_SELECTOR, ".code").text)

    feedback_id = await run(file_it)
    assert browser.find_element(By.ID, "feedback-status").text == "Đã chuyển cơ quan có thẩm quyền"

    # the agency's staff take it up and answer (feedback's API, an agency token of the agency it was routed to)
    async with httpx.AsyncClient(base_url=stack.url("feedback"), timeout=10) as http:
        mine = (await http.get(f"/feedback/{feedback_id}", headers=bearer(token))).json()
        staff = bearer(make_token("agency", sub="cb-ubnd-01", agency=mine["agency_code"], province="01"))
        r = await http.post(f"/feedback/{feedback_id}/start", headers=staff)
        assert r.status_code == 200, r.text
        answer = (
            "UBND phường đã nhận hồ sơ của bà; giấy xác nhận sẽ được trả trong ngày làm việc tiếp theo. "
            "Xin lỗi bà vì sự chậm trễ."
        )
        r = await http.post(f"/feedback/{feedback_id}/answer", json={"answer": answer}, headers=staff)
        assert r.status_code == 200, r.text

    def read_answer() -> str:
        reload_until(browser, lambda d: d.find_element(By.ID, "fb-answer"))
        walk.shot("03-answered", at="fb-answer")
        return body_text(browser)

    page = await run(read_answer)
    assert answer in page and browser.find_element(By.ID, "feedback-status").text == "Đã trả lời"

    def listed() -> str:
        browser.find_element(By.LINK_TEXT, "Phản ánh, kiến nghị").click()
        item = wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, f'li[data-id="{feedback_id}"]'))
        walk.shot("04-my-complaints")
        return str(item.text)

    assert "Đã trả lời" in await run(listed)
    texts = await wait_sms(stack, operator, feedback_id, dossier_code=code)
    walk.save(sms=texts)
    walk.assert_accessible()


# --- bad uploads -----------------------------------------------------------------------------------------------

FORM = f"/thu-tuc/{MARRIAGE}/nop-ho-so"
DOC = "doc-TK-XN-HON-NHAN"


def stored(stack: Stack) -> set[Path]:
    """The files the dossier service keeps (its object store on this run's disk)."""
    return {p for p in stack.documents.rglob("*") if p.is_file() and not p.name.startswith(".")}


async def uploads_of(stack: Stack, owner: str) -> int:
    engine = create_async_engine(stack.database("dossier"))
    try:
        async with engine.connect() as conn:
            sql = text("SELECT count(*) FROM documents WHERE owner_sub = :s")
            return int((await conn.execute(sql, {"s": owner})).scalar_one())
    finally:
        await engine.dispose()


async def test_bad_uploads_refused_with_a_clear_message_and_nothing_kept(
    stack: Stack, browser: WebDriver, axe_source: str, make_token: Callable[..., str], tmp_path: Path
) -> None:
    portal = stack.url("portal")
    binh = Person.new("Trần Thị Bình", "0912000111")
    walk = Walk(browser, axe_source, "documents")
    renamed = tmp_path / "to-khai.pdf"
    renamed.write_bytes(b"MZ\x90\x00\x03" + b"\x00" * 59 + b"This program cannot be run in DOS mode.\r\n")
    too_big = tmp_path / "to-khai-quet.pdf"
    too_big.write_bytes(PDF + b"\x00" * MIB)
    good = tmp_path / "tờ khai.pdf"
    good.write_bytes(PDF)
    await dossier_knows(
        stack, make_token("citizen", sub=binh.citizen_id, name=binh.name), MARRIAGE, "marital_status"
    )
    kept_before = stored(stack)

    def sign_in_and_fill() -> None:
        sign_in(browser, portal, binh, FORM)
        browser.find_element(By.ID, "f-date_of_birth").send_keys("12/05/1990")
        browser.find_element(By.ID, "f-address").send_keys("12 Tràng Tiền, Hoàn Kiếm, Hà Nội")
        Select(browser.find_element(By.ID, "f-marital_status")).select_by_visible_text("Chưa đăng ký kết hôn")
        browser.find_element(By.ID, "f-purpose").send_keys("Để đăng ký kết hôn")
        Select(browser.find_element(By.ID, "f-province_code")).select_by_visible_text("Hà Nội")
        walk.shot("01-form")

    def send(path: Path) -> None:
        """Choose the file and submit; returns once the answer's page has replaced this one (this page may
        carry the previous refusal: waiting for an error alone could read the page going away)."""
        browser.find_element(By.ID, DOC).send_keys(str(path))
        load_next(browser, browser.find_element(By.ID, "submit-dossier").click)

    def refused(path: Path, expected: str, name: str) -> str:
        send(path)
        error = wait(
            browser,
            lambda d: (
                expected in d.find_element(By.ID, f"{DOC}-error").text
                and d.find_element(By.ID, f"{DOC}-error")
            ),
        )
        walk.shot(name, at=DOC)
        assert (
            browser.find_element(By.ID, "f-address").get_attribute("value")
            == "12 Tràng Tiền, Hoàn Kiếm, Hà Nội"
        ), "the other answers are kept"
        assert browser.find_element(By.ID, DOC).get_attribute("aria-invalid") == "true"
        assert expected in browser.find_element(By.ID, "error-summary").text
        return str(error.text)

    await run(sign_in_and_fill)
    assert browser.find_element(By.ID, DOC).get_attribute("accept") == ".pdf,.jpg,.jpeg,.png"
    assert "PDF, JPEG hoặc PNG, tối đa 1 MB" in browser.find_element(By.ID, "doc-limits").text
    label = browser.find_element(By.CSS_SELECTOR, f'label[for="{DOC}"]').text

    message = await run(
        refused, renamed, "Tệp “to-khai.pdf” không phải PDF, JPEG hoặc PNG", "02-renamed-program"
    )
    assert "chương trình chạy được của Windows" in message
    await run(refused, too_big, "Tệp “to-khai-quet.pdf” vượt quá giới hạn 1 MB mỗi tệp", "03-too-large")
    assert stored(stack) == kept_before and await uploads_of(stack, binh.citizen_id) == 0, "nothing kept"

    def attach_good() -> str:
        send(good)
        wait(browser, lambda d: d.find_element(By.ID, "submitted-notice"))
        walk.shot("04-filed-with-document", at="documents-title")
        return str(browser.find_element(By.ID, "dossier-documents").text)

    listed = await run(attach_good)
    assert label in listed and "tờ khai.pdf" in listed and f"{len(PDF)} byte" in listed
    assert hashlib.sha256(PDF).hexdigest()[:12] in listed
    assert len(stored(stack)) == len(kept_before) + 1 and await uploads_of(stack, binh.citizen_id) == 1
    walk.save()
    walk.assert_accessible()


# --- the citizen's SMS ------------------------------------------------------------------------------------------


async def test_citizen_stops_and_restarts_sms(
    stack: Stack, browser: WebDriver, axe_source: str, make_token: Callable[..., str]
) -> None:
    portal, notify = stack.url("portal"), stack.url("notify")
    an = Person.new("Nguyễn Văn An", "0913456789")
    walk = Walk(browser, axe_source, "sms")

    def open_sms_page() -> str:
        sign_in(browser, portal, an, "/tra-cuu")  # a page that calls no service
        browser.find_element(By.LINK_TEXT, "Tin nhắn SMS").send_keys(Keys.ENTER)  # the keyboard reaches it
        state = wait(browser, lambda d: d.find_element(By.ID, "sms-state"))
        walk.shot("01-receiving")
        return str(state.text)

    assert "Số +8491*****89 đang nhận tin nhắn SMS" in await run(open_sms_page)

    def stop() -> str:
        browser.find_element(By.ID, "sms-reason").send_keys("Tôi theo dõi trên Cổng là đủ")
        browser.find_element(By.ID, "sms-stop").click()
        saved = wait(browser, lambda d: d.find_element(By.ID, "sms-saved"))
        walk.shot("02-stopped")
        return str(saved.text) + " " + browser.find_element(By.ID, "sms-state").text

    shown = await run(stop)
    assert "Đã dừng gửi tin nhắn SMS" in shown and "đã dừng nhận tin nhắn SMS từ ngày" in shown

    # notify now refuses an SMS to that number: a live send of the integrators' API ends opted_out
    operator = bearer(make_token("operator", sub="op-sms-page"))
    async with httpx.AsyncClient(base_url=notify, timeout=10) as http:
        key = await http.post(
            "/v1/api-keys", json={"name": "t", "service": "payment", "key_type": "live"}, headers=operator
        )
        assert key.status_code == 201, key.text
        body = {
            "phone_number": an.phone,
            "template_id": "fee-refunded",
            "personalisation": {"dossier_code": "01-260302-ABC123", "amount": 135000},
            "reference": f"sms-page-{uuid.uuid4().hex[:6]}",
        }
        sent = await http.post("/v1/notifications/sms", json=body, headers=bearer(key.json()["key"]))
    assert (sent.json()["status"], sent.json()["failure_reason"]) == ("permanent-failure", "opted_out")

    def restart() -> str:
        browser.find_element(By.ID, "sms-restart").click()
        wait(browser, lambda d: "bật lại" in d.find_element(By.ID, "sms-saved").text)
        walk.shot("03-restarted")
        return str(browser.find_element(By.ID, "sms-state").text)

    assert "đang nhận tin nhắn SMS" in await run(restart)
    walk.save()
    walk.assert_accessible()
