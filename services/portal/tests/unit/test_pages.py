"""The portal's pages against stand-ins of the other services (portal_fakes.py): what a citizen sees and what
the portal sends, in Vietnamese, with the session kept server-side."""

from __future__ import annotations

import re

from sqlalchemy import select

from dvc_portal.adapters.orm import citizen_sessions
from dvc_portal.adapters.sessions import SESSION_COOKIE

from ..conftest import Portal, csrf_of

PDF = b"%PDF-1.7\n" + b"\x00" * 300 + b"\n%%EOF\n"
MARRIAGE_FORM = {
    "applicant_name": "Nguyễn Văn An", "citizen_id": "0010 9901 2345", "phone": "+84 912 345 678",
    "date_of_birth": "12/5/1990", "address": "12 Tràng Tiền, Hoàn Kiếm, Hà Nội",
    "marital_status": "Chưa đăng ký kết hôn", "purpose": "Để kết hôn", "province_code": "01",
}  # fmt: skip
CAR_DOCUMENTS = {"doc-TK-LPTB": ("to-khai-lptb.pdf", PDF), "doc-CCCD": ("cccd.pdf", PDF)}


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


async def test_home_search_and_procedure_page(portal: Portal) -> None:
    home = await portal.client.get("/")
    assert home.status_code == 200
    assert '<html lang="vi">' in home.text
    assert "Thủ tục được quan tâm" in home.text
    assert "Đổi giấy phép lái xe" in home.text and "Cấp Giấy xác nhận tình trạng hôn nhân" in home.text
    assert "server-timing" in home.headers and "upstream;dur=" in home.headers["server-timing"]
    assert "default-src 'self'" in home.headers["content-security-policy"]
    metrics = (await portal.client.get("/metrics")).text
    assert 'dvc_portal_page_seconds_count{method="GET",route="/"}' in metrics

    found = await portal.client.get("/tim-kiem", params={"q": "đổi bằng lái"})
    assert found.status_code == 200
    assert "search:đổi bằng lái" in portal.catalog_calls  # the words as typed: the catalog folds and expands
    assert "Tìm thấy <strong>1</strong> thủ tục" in found.text
    assert 'href="/thu-tuc/GPLX-DOI-L4"' in found.text

    page = await portal.client.get("/thu-tuc/GPLX-DOI-L4")
    body = text_of(page.text)
    assert page.status_code == 200
    for expected in (
        "135.000 đồng",  # the fee
        "5 ngày làm việc",  # processing time in working days
        "Tổng cục Đường bộ Việt Nam (Cấp tỉnh)",  # agency and its level
        "Dịch vụ công trực tuyến toàn trình",  # online level 4
        "Toàn quốc",  # where it is offered
        "Đơn đề nghị đổi giấy phép lái xe",  # a document
        "Ngày, tháng, năm sinh",  # what the form will ask
        "tải lên từng giấy tờ dạng tệp PDF, JPEG hoặc PNG",
    ):
        assert expected in body, expected


async def test_fee_rule_explained_with_rates_by_province(portal: Portal) -> None:
    page = text_of((await portal.client.get("/thu-tuc/DKX-OTO")).text)
    assert "Số tiền = 10% × giá trị xe tính lệ phí trước bạ." in page
    assert "Hà Nội 12%" in page and "Hà Tĩnh 11%" in page
    assert "Ví dụ: giá trị xe tính lệ phí trước bạ 400.000.000 đồng, mức 10%: 40.000.000 đồng." in page


async def test_unknown_procedure_and_page_are_vietnamese_404s(portal: Portal) -> None:
    r = await portal.client.get("/thu-tuc/KHONG-CO")
    assert r.status_code == 404
    assert "Không tìm thấy thủ tục KHONG-CO" in r.text and "Về trang chủ" in r.text
    r = await portal.client.get("/khong-co-trang-nay")
    assert r.status_code == 404 and "Không tìm thấy trang" in r.text


async def test_submitting_needs_sign_in_and_the_session_stays_on_the_server(portal: Portal) -> None:
    r = await portal.client.get("/thu-tuc/HT-XN-HON-NHAN/nop-ho-so")
    assert (
        r.status_code == 303 and r.headers["location"] == "/dang-nhap?tiep=/thu-tuc/HT-XN-HON-NHAN/nop-ho-so"
    )

    signin = await portal.client.get(r.headers["location"])
    assert "Đăng nhập thử nghiệm (chỉ dùng khi phát triển)" in signin.text
    done = await portal.client.post(
        "/dang-nhap",
        data={"csrf": csrf_of(signin.text), "name": "Trần Thị Bình", "citizen_id": "079199001234",
              "phone": "0987654321", "tiep": "/thu-tuc/HT-XN-HON-NHAN/nop-ho-so"},
    )  # fmt: skip
    assert done.status_code == 303 and done.headers["location"] == "/thu-tuc/HT-XN-HON-NHAN/nop-ho-so"
    cookie = done.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # make run is plain HTTP; production requires PORTAL_COOKIE_SECURE
    session_id = portal.client.cookies[SESSION_COOKIE]
    assert "." not in session_id  # a random id, not a JWT

    async with portal.app.state.portal.engine.connect() as conn:
        row = (await conn.execute(select(citizen_sessions))).one()
    assert row.sub == "079199001234" and session_id not in row.id_hash
    assert b"eyJ" not in row.token  # the token is stored encrypted

    form = await portal.client.get("/thu-tuc/HT-XN-HON-NHAN/nop-ho-so")
    assert form.status_code == 200
    assert (
        'value="Trần Thị Bình"' in form.text and 'value="079199001234"' in form.text
    )  # prefilled from sign-in
    assert 'autocomplete="name"' in form.text and 'for="f-date_of_birth"' in form.text
    assert '<option value="48">Đà Nẵng</option>' in form.text and "TP. Hồ Chí Minh" not in form.text


async def test_validation_messages_are_vietnamese_and_per_field(portal: Portal) -> None:
    await portal.sign_in()
    csrf = await portal.csrf("/thu-tuc/HT-XN-HON-NHAN/nop-ho-so")
    r = await portal.client.post(
        "/thu-tuc/HT-XN-HON-NHAN/nop-ho-so",
        data={"csrf": csrf, "applicant_name": "Nguyễn Văn An", "citizen_id": "12345", "phone": "0912345678",
              "date_of_birth": "31/02/1990", "address": "", "marital_status": "Chưa đăng ký kết hôn",
              "purpose": "Để kết hôn", "province_code": "01"},
    )  # fmt: skip
    assert r.status_code == 422
    body = text_of(r.text)
    assert "Hồ sơ chưa gửi được" in body
    assert "Số định danh cá nhân / căn cước công dân gồm đúng 12 chữ số, ví dụ 001099012345." in body
    assert "Ngày, tháng, năm sinh phải là một ngày có thật, viết theo dạng ngày/tháng/năm" in body
    assert "Vui lòng nhập nơi cư trú." in body
    assert 'href="#f-address"' in r.text and 'aria-invalid="true"' in r.text
    assert 'aria-describedby="f-address-hint f-address-error"' in r.text
    assert 'value="Để kết hôn"' in r.text  # what was typed is kept
    assert portal.dossiers.bodies == []  # nothing reached the dossier service


async def test_a_refusal_of_the_dossier_service_is_shown_on_its_field(portal: Portal) -> None:
    await portal.sign_in()
    csrf = await portal.csrf("/thu-tuc/HT-XN-HON-NHAN/nop-ho-so")
    form = {"csrf": csrf, "applicant_name": "Nguyễn Văn An", "citizen_id": "001099012345", "phone": "0912345678",
            "date_of_birth": "12/05/1990", "address": "12 Tràng Tiền, Hà Nội", "marital_status": "Chưa đăng ký kết hôn",
            "purpose": "Để kết hôn", "province_code": "79"}  # fmt: skip
    r = await portal.client.post("/thu-tuc/HT-XN-HON-NHAN/nop-ho-so", data=form)
    assert r.status_code == 422  # the portal's form lists only where it is offered; the service still decides
    assert "chưa được cung cấp tại tỉnh/thành phố mã 79" in r.text
    assert 'id="f-province_code-error"' in r.text


async def test_submit_then_my_dossiers_then_the_dossier_page(portal: Portal) -> None:
    await portal.sign_in()
    csrf = await portal.csrf("/thu-tuc/HT-XN-HON-NHAN/nop-ho-so")
    r = await portal.client.post(
        "/thu-tuc/HT-XN-HON-NHAN/nop-ho-so",
        data={"csrf": csrf} | MARRIAGE_FORM,
    )
    assert r.status_code == 303, r.text
    (body,) = portal.dossiers.bodies
    assert body == {
        "procedure_code": "HT-XN-HON-NHAN",
        "province_code": "01",
        "applicant_name": "Nguyễn Văn An",
        "phone": "+84912345678",  # E.164, as dossier keeps it (dvc_contracts.phone)
        "fields": {
            "citizen_id": "001099012345",
            "date_of_birth": "1990-05-12",
            "address": "12 Tràng Tiền, Hoàn Kiếm, Hà Nội",
            "marital_status": "Chưa đăng ký kết hôn",
            "purpose": "Để kết hôn",
        },
    }
    code = r.headers["location"].split("/")[2].split("?")[0]
    page = await portal.client.get(r.headers["location"])
    assert "Nộp hồ sơ thành công" in page.text and code in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "Ngày, tháng, năm sinh" in page.text and "12/05/1990" in page.text

    mine = await portal.client.get("/ho-so")
    assert f'data-code="{code}"' in mine.text and "Đã nộp" in mine.text

    track = await portal.client.get("/tra-cuu", params={"ma": code.lower()})
    assert track.status_code == 200 and 'id="track-status">Đã nộp<' in track.text
    result = track.text[track.text.index('id="track-result"') :]
    assert "Nguyễn Văn An" not in result[: result.index("</section>")]  # no personal data in tracking


async def test_someone_elses_dossier_is_not_found(portal: Portal) -> None:
    await portal.sign_in(citizen_id="001099012345")
    csrf = await portal.csrf("/thu-tuc/DKX-OTO/nop-ho-so")
    r = await portal.client.post(
        "/thu-tuc/DKX-OTO/nop-ho-so",
        data={"csrf": csrf, "applicant_name": "Nguyễn Văn An", "citizen_id": "001099012345", "phone": "0912345678",
              "province_code": "01", "vehicle_value_vnd": "400.000.000"},
        files=CAR_DOCUMENTS,  # a level-4 procedure: its mandatory documents come with the form
    )  # fmt: skip
    code = r.headers["location"].split("/")[2].split("?")[0]
    await portal.client.post("/dang-xuat", data={"csrf": await portal.csrf("/ho-so")})
    await portal.sign_in(citizen_id="079199001234")
    other = await portal.client.get(f"/ho-so/{code}")
    assert other.status_code == 404 and "Không tìm thấy hồ sơ" in other.text


async def test_pay_button_redirects_to_the_owners_signed_pay_link(portal: Portal) -> None:
    await portal.sign_in()
    csrf = await portal.csrf("/thu-tuc/DKX-OTO/nop-ho-so")
    r = await portal.client.post(
        "/thu-tuc/DKX-OTO/nop-ho-so",
        data={"csrf": csrf, "applicant_name": "Nguyễn Văn An", "citizen_id": "001099012345", "phone": "0912345678",
              "province_code": "01", "vehicle_value_vnd": "400000000"},
        files=CAR_DOCUMENTS,  # a level-4 procedure: its mandatory documents come with the form
    )  # fmt: skip
    code = r.headers["location"].split("/")[2].split("?")[0]
    page = await portal.client.get(f"/ho-so/{code}")
    assert 'id="pay-button"' in page.text and "48.000.000 đồng" in page.text
    assert "Đang thực hiện:</span>\n      Nộp lệ phí trước bạ" in page.text

    # the payment service does not know the intent yet (its payment-requested is on its way)
    waiting = await portal.client.get(f"/ho-so/{code}/thanh-toan")
    assert waiting.status_code == 303 and waiting.headers["location"] == f"/ho-so/{code}?thanh-toan=cho"
    assert "đang được khởi tạo" in (await portal.client.get(waiting.headers["location"])).text

    portal.payments.owners[f"pay-{code}"] = "001099012345"
    go = await portal.client.get(f"/ho-so/{code}/thanh-toan")
    assert go.status_code == 303
    assert go.headers["location"].startswith(f"http://pay.test/payments/pay-{code}/pay?exp=")


async def test_forms_need_the_pages_token(portal: Portal) -> None:
    r = await portal.client.post(
        "/dang-nhap", data={"name": "A B", "citizen_id": "001099012345", "phone": "0912345678"}
    )
    assert r.status_code == 403 and "tải lại trang" in r.text
    csrf = await portal.csrf("/dang-nhap")
    r = await portal.client.post(
        "/dang-nhap",
        data={"csrf": csrf, "name": "A B", "citizen_id": "001099012345", "phone": "0912345678"},
        headers={"origin": "https://evil.example"},
    )
    assert r.status_code == 403


async def test_sign_in_errors_and_no_open_redirect(portal: Portal) -> None:
    csrf = await portal.csrf("/dang-nhap")
    bad = await portal.client.post(
        "/dang-nhap", data={"csrf": csrf, "name": "A", "citizen_id": "12", "phone": "12"}
    )
    assert bad.status_code == 422
    assert "Số định danh cá nhân gồm đúng 12 chữ số" in bad.text and "phải là số di động Việt Nam" in bad.text
    ok = await portal.client.post(
        "/dang-nhap",
        data={
            "csrf": csrf,
            "name": "Lê Văn C",
            "citizen_id": "001099012345",
            "phone": "0912345678",
            "tiep": "//evil.example/x",
        },
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/"


async def test_sign_out_ends_the_session_on_the_server(portal: Portal) -> None:
    await portal.sign_in()
    session_id = portal.client.cookies[SESSION_COOKIE]
    assert (await portal.client.get("/ho-so")).status_code == 200
    out = await portal.client.post("/dang-xuat", data={"csrf": await portal.csrf("/ho-so")})
    assert out.status_code == 303
    portal.client.cookies.set(SESSION_COOKIE, session_id)  # an old copy of the cookie is worth nothing
    r = await portal.client.get("/ho-so")
    assert r.status_code == 303 and r.headers["location"].startswith("/dang-nhap")


async def test_public_tracking_messages(portal: Portal) -> None:
    r = await portal.client.get("/tra-cuu", params={"ma": "<script>"})
    assert r.status_code == 422 and "Mã hồ sơ gồm chữ cái, chữ số" in r.text and "<script>" not in r.text
    r = await portal.client.get("/tra-cuu", params={"ma": "01-261205-ZZZZZZ"})
    assert r.status_code == 404 and "Không tìm thấy hồ sơ có mã 01-261205-ZZZZZZ" in r.text


async def test_a_service_that_is_down_gives_a_clear_page(portal: Portal) -> None:
    portal.down["catalog"] = True
    r = await portal.client.get("/tim-kiem", params={"q": "khai sinh"})
    assert r.status_code == 503 and r.headers["retry-after"] == "30"
    assert "Hệ thống danh mục thủ tục đang tạm thời gián đoạn" in r.text
    home = await portal.client.get("/")  # the home page still opens
    assert home.status_code == 200


async def test_fine_lookup_and_payment(portal: Portal) -> None:
    csrf = await portal.csrf("/phat-nguoi")
    form = {"csrf": csrf, "record_no": "HN-000123", "violation_date": "10/11/2025", "name": "nguyen van an"}
    found = await portal.client.post("/phat-nguoi", data=form)
    assert found.status_code == 200
    body = text_of(found.text)
    assert (
        "Quyết định xử phạt số 123/QĐ-XPHC" in body and "3.600.000 đồng" in body and "Chưa nộp phạt" in body
    )
    assert portal.payments.forwarded_for == ["203.0.113.7"]  # the citizen's address, for payment's rate limit

    pay = await portal.client.post(
        "/phat-nguoi/nop", data=form | {"decision_no": "123/QĐ-XPHC", "provider": "paygov"}
    )
    assert pay.status_code == 303 and pay.headers["location"] == "http://pay.test/sandbox/paygov/pay/1"
    assert portal.payments.fines_paid == [
        (
            "123/QĐ-XPHC",
            {
                "record_no": "HN-000123",
                "violation_date": "2025-11-10",
                "name": "nguyen van an",
                "provider": "paygov",
            },
        )
    ]

    miss = await portal.client.post("/phat-nguoi", data=form | {"name": "Trần Văn B"})
    assert miss.status_code == 404 and "Không tìm thấy quyết định xử phạt khớp" in miss.text


async def test_fine_payment_sends_the_number_for_the_sms_receipt(portal: Portal) -> None:
    """payment sends an SMS when the fine is paid to the number given with the payment: the pay form asks for
    it (the signed-in citizen's by default), checks it as the SMS gateway would, and forwards it as E.164."""
    await portal.sign_in()
    csrf = await portal.csrf("/phat-nguoi")
    form = {"csrf": csrf, "record_no": "HN-000123", "violation_date": "10/11/2025", "name": "nguyen van an"}
    found = await portal.client.post("/phat-nguoi", data=form)
    assert 'id="p-phone" name="phone" value="0912345678"' in found.text
    assert "Cổng gửi tin nhắn SMS khi đã nộp phạt xong." in found.text

    pay = form | {"decision_no": "123/QĐ-XPHC", "provider": "momo"}
    bad = await portal.client.post("/phat-nguoi/nop", data=pay | {"phone": "0123 45"})
    assert bad.status_code == 422 and portal.payments.fines_paid == []
    body = text_of(bad.text)
    assert "Chưa nộp phạt được" in body and "Quyết định xử phạt số 123/QĐ-XPHC" in body, (
        "the fine stays shown"
    )
    assert (
        'aria-invalid="true"' in bad.text and 'value="0123 45"' in bad.text and 'href="#p-phone"' in bad.text
    )
    assert 'id="p-phone-error"' in bad.text and "Ví dụ: 0912345678." in body

    ok = await portal.client.post("/phat-nguoi/nop", data=pay | {"phone": " 0987 654 321 "})
    assert ok.status_code == 303
    assert portal.payments.fines_paid[-1][1]["phone"] == "+84987654321"
    none = await portal.client.post("/phat-nguoi/nop", data=pay | {"phone": ""})
    assert none.status_code == 303 and "phone" not in portal.payments.fines_paid[-1][1], "optional"


async def test_feedback_submit_and_follow(portal: Portal) -> None:
    r = await portal.client.get("/phan-anh")
    assert r.status_code == 303 and r.headers["location"] == "/dang-nhap?tiep=/phan-anh"
    await portal.sign_in()
    page = await portal.client.get("/phan-anh", params={"ho-so": "01-261205-T00001"})
    assert 'value="01-261205-T00001"' in page.text and "Giải quyết hồ sơ (chậm, sai hẹn" in page.text
    form = {"csrf": csrf_of(page.text), "kind": "feedback", "category": "dossier_handling", "title": "Trễ hẹn",
            "content": "Hồ sơ của tôi đã quá hạn trả kết quả mà chưa có thông báo gì.", "dossier_code": ""}  # fmt: skip
    bad = await portal.client.post("/phan-anh", data=form)
    assert bad.status_code == 422
    assert "Tiêu đề phải có từ 10 đến 200 ký tự." in bad.text and 'id="fb-title-error"' in bad.text
    assert (
        'id="fb-dossier_code-error"' in bad.text and "Cần nêu thủ tục" in bad.text
    )  # "subject" on the dossier field
    ok = await portal.client.post(
        "/phan-anh", data=form | {"title": "Hồ sơ trễ hẹn trả kết quả", "dossier_code": "01-261205-T00001"}
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/phan-anh/PA-261205-0001?da-gui=1"
    detail = text_of((await portal.client.get(ok.headers["location"])).text)
    assert "Đã gửi phản ánh, kiến nghị" in detail and "19/12/2026" in detail
    assert "Đã chuyển cơ quan có thẩm quyền" in detail and "Sở GTVT" in detail
    listing = await portal.client.get("/phan-anh")
    assert 'data-id="PA-261205-0001"' in listing.text


async def test_the_dossier_page_lists_the_sms_sent_to_the_accounts_number_and_survives_notify_down(
    portal: Portal,
) -> None:
    await portal.sign_in()  # the account's number: 0912345678
    csrf = await portal.csrf("/thu-tuc/HT-XN-HON-NHAN/nop-ho-so")
    r = await portal.client.post(
        "/thu-tuc/HT-XN-HON-NHAN/nop-ho-so",
        data={"csrf": csrf} | MARRIAGE_FORM | {"citizen_id": "001099012345", "phone": "0912345678"},
    )
    code = r.headers["location"].split("/")[2].split("?")[0]
    page = text_of((await portal.client.get(f"/ho-so/{code}")).text)
    assert "Chưa có tin nhắn nào về hồ sơ này tới số +8491*****78 của tài khoản." in page
    portal.sms.sent += [
        {"phone": "+84912345678", "dossier_code": code, "text": f"Ho so {code} da duoc tiep nhan",
         "status": "delivered", "created_at": "2026-12-04T17:05:00+00:00"},  # 00:05 on the 5th in Hà Nội
        {"phone": "+84912345678", "dossier_code": code, "text": f"Ho so {code} dang xu ly",
         "status": "temporary-failure", "created_at": "2026-12-05T02:00:00+00:00"},
        {"phone": "+84987654321", "dossier_code": code, "text": "another number's message",
         "status": "sent", "created_at": "2026-12-05T03:00:00+00:00"},
    ]  # fmt: skip
    html = (await portal.client.get(f"/ho-so/{code}")).text
    listed = text_of(
        html[html.index('id="dossier-sms"') : html.index("</ol>", html.index('id="dossier-sms"'))]
    )
    assert listed.index("dang xu ly") < listed.index("da duoc tiep nhan"), "newest first"
    assert "09:00 05/12/2026 · Chưa gửi được, sẽ gửi lại" in listed
    assert "00:05 05/12/2026 · Đã đến máy" in listed
    assert "another number" not in html and f"sms:{code}" in portal.sms.calls

    portal.down["notify"] = True
    down = await portal.client.get(f"/ho-so/{code}")
    assert down.status_code == 200 and code in down.text, "the dossier still shows"
    assert "Chưa xem được tin nhắn SMS lúc này" in text_of(down.text)
