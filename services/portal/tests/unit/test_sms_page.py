"""The citizen's SMS page (``/tin-nhan``) against notify's stand-in: the account's number (masked), stopping with
an optional reason and restarting through notify's ``/citizen/opt-out`` with the citizen's own token, the
Vietnamese messages, the anti-forgery check, signing in first, and notify being down."""

from __future__ import annotations

import re

from dvc_portal.domain import sms

from ..conftest import Portal, csrf_of


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


async def test_signed_out_goes_to_sign_in_first(portal: Portal) -> None:
    r = await portal.client.get("/tin-nhan")
    assert r.status_code == 303 and r.headers["location"].startswith("/dang-nhap?tiep=/tin-nhan")
    assert portal.sms.calls == []


async def test_stop_with_a_reason_then_restart(portal: Portal) -> None:
    await portal.sign_in()
    page = await portal.client.get("/tin-nhan")
    body = text_of(page.text)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "Số +8491*****78 đang nhận tin nhắn SMS của Cổng Dịch vụ công." in body
    assert "khi hồ sơ được tiếp nhận" in body and 'aria-current="page">Tin nhắn SMS' in page.text
    assert '<label for="sms-reason">Lý do dừng nhận' in page.text

    stopped = await portal.client.post(
        "/tin-nhan", data={"csrf": csrf_of(page.text), "action": "dung", "reason": "  nhiều   tin quá "}
    )
    assert stopped.status_code == 303 and stopped.headers["location"] == "/tin-nhan?da-luu=dung"
    assert portal.sms.calls[-1] == "stop:nhiều tin quá"  # spaces tidied, sent with the citizen's token
    after = await portal.client.get(stopped.headers["location"])
    body = text_of(after.text)
    assert "Đã dừng gửi tin nhắn SMS tới số điện thoại của bạn." in body
    assert re.search(r"Số \+8491\*\*\*\*\*78 đã dừng nhận tin nhắn SMS từ ngày \d\d/\d\d/\d{4}\.", body)
    assert 'id="sms-restart"' in after.text and 'id="sms-stop"' not in after.text

    restarted = await portal.client.post(
        "/tin-nhan", data={"csrf": csrf_of(after.text), "action": "nhan-lai"}
    )
    assert restarted.headers["location"] == "/tin-nhan?da-luu=nhan-lai" and portal.sms.calls[-1] == "restart"
    assert portal.sms.stopped == {}
    final = text_of((await portal.client.get(restarted.headers["location"])).text)
    assert "Đã bật lại tin nhắn SMS" in final and "đang nhận tin nhắn SMS" in final


async def test_a_too_long_reason_is_refused_on_its_field_and_kept(portal: Portal) -> None:
    await portal.sign_in()
    csrf = csrf_of((await portal.client.get("/tin-nhan")).text)
    r = await portal.client.post("/tin-nhan", data={"csrf": csrf, "action": "dung", "reason": "a" * 501})
    assert r.status_code == 422
    assert "Lý do tối đa 500 ký tự (bạn đã nhập 501)." in r.text and 'aria-invalid="true"' in r.text
    assert "a" * 501 in r.text and portal.sms.stopped == {}


async def test_forged_form_and_unknown_action_change_nothing(portal: Portal) -> None:
    await portal.sign_in()
    forged = await portal.client.post("/tin-nhan", data={"csrf": "forged", "action": "dung"})
    assert forged.status_code == 403 and "Phiên làm việc của biểu mẫu đã hết hạn" in forged.text
    csrf = csrf_of((await portal.client.get("/tin-nhan")).text)
    odd = await portal.client.post("/tin-nhan", data={"csrf": csrf, "action": "xoa-het"})
    assert odd.status_code == 303 and odd.headers["location"] == "/tin-nhan"
    assert not any(c.startswith(("stop", "restart")) for c in portal.sms.calls)


async def test_notify_down_is_a_vietnamese_503(portal: Portal) -> None:
    await portal.sign_in()
    portal.down["notify"] = True
    r = await portal.client.get("/tin-nhan")
    assert r.status_code == 503 and r.headers["retry-after"] == "30"
    assert "Hệ thống tin nhắn SMS đang tạm thời gián đoạn" in r.text


def test_preference_in_words() -> None:
    receiving = sms.preference({"phone": "+8491*****78", "opted_out": False, "since": None, "source": None})
    assert (
        receiving.receiving
        and receiving.headline == "Số +8491*****78 đang nhận tin nhắn SMS của Cổng Dịch vụ công."
    )
    stopped = sms.preference(
        {"phone": "+8491*****78", "opted_out": True, "since": "2026-12-04T18:30:00Z", "source": "operator"}
    )
    assert stopped.since == "05/12/2026"  # 01:30 on the 5th in Hà Nội
    assert stopped.stopped_by_support and stopped.headline.endswith(
        "đã dừng nhận tin nhắn SMS từ ngày 05/12/2026."
    )
    assert not sms.preference({"phone": "x", "opted_out": True, "source": "citizen"}).stopped_by_support
    assert sms.clean_reason("  a \n b ") == ("a b", None)
    assert sms.clean_reason("   ") == (None, None)
    assert sms.clean_reason("x" * 501)[1] == "Lý do tối đa 500 ký tự (bạn đã nhập 501)."
