"""Traffic fines in one process (SQLite, no broker): decisions from the police, the three-factor lookup that
never shows another person's fine, paying with the early-payment discount, fine-settled, rate limiting."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from dvc_contracts import clock, topics
from dvc_contracts.clock import VN_TZ
from dvc_contracts.envelope import CloudEvent, new_event
from dvc_contracts.events import FineIssuedV1
from dvc_payment.service import fines
from dvckit.messaging.consumer import Rejected
from dvckit.messaging.typed import Event, typed_each

from ..conftest import PaymentApp, until

ICT = VN_TZ  # Indochina Time, UTC+7
PROXY = "127.0.0.1/32"  # the test client's address: it plays the ingress, the x-forwarded-for is the citizen
DECIDED = (clock.vn_now() - timedelta(days=3)).replace(microsecond=0)


def decision(no: str, **overrides: Any) -> dict[str, Any]:
    return {
        "decision_no": no,
        "record_no": f"BB-{no}",
        "violation_date": "2026-11-10",
        "offender_name": "Nguyễn Văn An",
        "plate": "29A-123.45",
        "amount": 4_000_000,
        "issuing_unit": "Đội CSGT số 7, Phòng CSGT Công an Hà Nội",
        "province_code": "01",
        "decided_at": DECIDED.isoformat(),
    } | overrides


async def issue(
    pa: PaymentApp,
    data: dict[str, Any],
    *,
    type_: str = topics.FINE_ISSUED,
    source: str = "urn:agency:HNI-CSGT",
) -> None:
    """Delivered as the kit delivers it (payload validated first); a refusal is raised as ``Rejected``."""
    event = CloudEvent(id=f"ev-{json.dumps(data, sort_keys=True)}", source=source, type=type_, data=data)
    async with pa.ctx.uow() as uow:
        for refused in await typed_each(FineIssuedV1, fines.on_fine_issued)([event], uow):
            raise Rejected(refused.reason, refused.message)
        await uow.commit()


async def lookup(
    pa: PaymentApp, record_no: str, name: str, day: str = "2026-11-10", ip: str = "1.1.1.1"
) -> Any:
    return await pa.http.get(
        "/fines/lookup",
        params={"record_no": record_no, "violation_date": day, "name": name},
        headers={"x-forwarded-for": ip},
    )


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"amount": 4000000.0}, "invalid_payload"),
        ({"amount": 0}, "invalid_fine"),
        ({"decided_at": "2026-11-10T08:00:00"}, "invalid_payload"),
        ({"violation_date": "10/11/2026"}, "invalid_payload"),
        ({"offender_name": "   "}, "invalid_fine"),
    ],
)
async def test_bad_decisions_are_rejected_with_a_reason(
    make_payment_app: Any, data: dict[str, Any], reason: str
) -> None:
    pa = await make_payment_app()
    with pytest.raises(Rejected) as info:
        await issue(pa, decision("QD-BAD", **data))
    assert info.value.reason == reason


async def test_another_event_type_on_the_topic_is_rejected(make_payment_app: Any) -> None:
    pa = await make_payment_app()
    with pytest.raises(Rejected) as info:
        await issue(pa, decision("QD-T"), type_="fine-settled")
    assert info.value.reason == "unknown_type"


async def test_lookup_shows_the_decision_and_the_discount_before_paying(make_payment_app: Any) -> None:
    pa = await make_payment_app(trusted_proxies=PROXY)
    await issue(pa, decision("QD-001"))
    r = await lookup(pa, "BB-QD-001", "nguyen  van AN")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["decision_no"] == "QD-001" and body["plate"] == "29A-123.45"
    assert (body["amount"], body["discount_vnd"], body["amount_due"], body["discount_percent"]) == (
        4_000_000, 400_000, 3_600_000, 10,
    )  # fmt: skip
    assert body["status"] == "unpaid" and body["status_text"] == "Chưa nộp phạt" and body["payment"] is None
    assert body["discount_until"] == str(DECIDED.date() + timedelta(days=15))
    assert (await lookup(pa, " bb-qd-001 ", "NGUYỄN VĂN AN")).status_code == 200


async def test_lookup_never_reveals_another_persons_fine(make_payment_app: Any) -> None:
    pa = await make_payment_app(trusted_proxies=PROXY)
    # Two people on one record (same record number and date), and another record on the same day.
    await issue(pa, decision("QD-010", record_no="BB-777"))
    await issue(pa, decision("QD-011", record_no="BB-777", offender_name="Trần Thị Bình", plate="30E-456.78"))
    await issue(pa, decision("QD-012", record_no="BB-778", offender_name="Lê Văn Cường"))
    assert (await lookup(pa, "BB-777", "tran thi binh")).json()["decision_no"] == "QD-011"
    assert (await lookup(pa, "BB-777", "Nguyễn Văn An")).json()["decision_no"] == "QD-010"
    for record_no, name, day in [
        ("BB-777", "Lê Văn Cường", "2026-11-10"),  # a real person, another record
        ("BB-778", "Nguyễn Văn An", "2026-11-10"),
        ("BB-777", "Nguyễn Văn", "2026-11-10"),  # part of a name
        ("BB-777", "Nguyễn Văn An", "2026-11-11"),  # another day
        ("BB-77", "Nguyễn Văn An", "2026-11-10"),
    ]:
        r = await lookup(pa, record_no, name, day)
        assert r.status_code == 404, (record_no, name, day)
        assert r.json()["detail"].startswith("Không tìm thấy quyết định xử phạt")
        assert "QD-" not in r.text
    bad_date = await lookup(pa, "BB-777", "Nguyễn Văn An", "10/11/2026")
    assert bad_date.status_code == 422 and "YYYY-MM-DD" in bad_date.json()["detail"]


async def test_pay_a_fine_then_fine_settled_and_a_second_payment_is_refused(make_payment_app: Any) -> None:
    pa = await make_payment_app(trusted_proxies=PROXY)
    await issue(pa, decision("20/QĐ-XPHC"))
    form = {
        "record_no": "BB-20/QĐ-XPHC",
        "violation_date": "2026-11-10",
        "name": "nguyen van an",
        "provider": "paygov",
    }
    wrong = await pa.http.post("/fines/20/QĐ-XPHC/pay", json=form | {"name": "Trần Thị Bình"})
    assert wrong.status_code == 404
    # The receipt's phone is checked when typed (dvc_contracts.phone), not found undeliverable by the SMS.
    landline = await pa.http.post("/fines/20/QĐ-XPHC/pay", json=form | {"phone": "024 3823 4567"})
    assert (
        landline.status_code == 422 and "Số điện thoại không hợp lệ: không phải số di động" in landline.text
    )
    r = await pa.http.post("/fines/20/QĐ-XPHC/pay", json=form | {"phone": "0987654321"})
    assert r.status_code == 201, r.text
    started = r.json()
    assert (started["amount"], started["discount_vnd"], started["amount_due"]) == (
        4_000_000,
        400_000,
        3_600_000,
    )
    pending = (await lookup(pa, "BB-20/QĐ-XPHC", "Nguyễn Văn An")).json()
    assert (
        pending["status"] == "payment_pending" and pending["payment"]["payment_id"] == started["payment_id"]
    )
    # Asking again while the payment is open reuses the same intent (one fine, one intent).
    again = await pa.http.post("/fines/20/QĐ-XPHC/pay", json=form | {"provider": "vnpay"})
    assert again.status_code == 201 and again.json()["payment_id"] == started["payment_id"]
    page = await pa.http.get(started["pay_url"])
    assert "3.600.000 ₫" in page.text
    path = started["pay_url"].split("http://payment.test", 1)[1]
    await pa.http.post(
        path,
        content="action=pay&scenario=normal",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )

    async def settled() -> bool:
        return bool(await pa.outbox(topics.FINE_SETTLED))

    await until(settled)
    [(key, event)] = await pa.outbox(topics.FINE_SETTLED)
    assert key == "20/QĐ-XPHC"
    assert event | {"settled_at": None, "provider_txn_id": None} == {
        "decision_no": "20/QĐ-XPHC",
        "record_no": "BB-20/QĐ-XPHC",
        "payment_id": started["payment_id"],
        "amount_due": 4_000_000,
        "discount_vnd": 400_000,
        "amount_paid": 3_600_000,
        "provider": "paygov",
        "provider_txn_id": None,
        "issuing_unit": "Đội CSGT số 7, Phòng CSGT Công an Hà Nội",
        "province_code": "01",
        "channel": "online",
        "settled_at": None,
        "plate": "29A-123.45",
        "citizen_phone": "+84987654321",  # as typed, normalised to E.164
    }
    [(_, fee)] = await pa.outbox(topics.FEE_PAID)
    assert fee["purpose"] == "fine" and fee["decision_no"] == "20/QĐ-XPHC" and fee["amount_vnd"] == 3_600_000
    after = (await lookup(pa, "BB-20/QĐ-XPHC", "Nguyễn Văn An")).json()
    assert (after["status"], after["amount_due"], after["amount_paid"]) == ("settled", 0, 3_600_000)
    twice = await pa.http.post("/fines/20/QĐ-XPHC/pay", json=form)
    assert twice.status_code == 409 and twice.json()["code"] == "already_paid"


async def test_corrections_apply_while_unpaid_and_are_refused_once_settled(
    make_payment_app: Any, make_token: Any
) -> None:
    pa = await make_payment_app(trusted_proxies=PROXY)
    await issue(pa, decision("QD-030"))
    await issue(pa, decision("QD-030"))  # the same decision again: nothing changes
    await issue(pa, decision("QD-030", amount=2_000_000))
    assert (await lookup(pa, "BB-QD-030", "Nguyễn Văn An")).json()["amount"] == 2_000_000
    staff = {"authorization": f"Bearer {make_token('agency', agency='HNI-CSGT')}"}
    hist = (await pa.http.get("/fines/QD-030", headers=staff)).json()["history"]
    assert (await pa.http.get("/fines/20%2FQĐ-none", headers=staff)).status_code == 404
    assert [h["action"] for h in hist] == ["issued", "corrected"]
    async with pa.ctx.uow() as uow:
        await uow.fines.update("QD-030", status="settled")
        await uow.commit()
    with pytest.raises(Rejected) as info:
        await issue(pa, decision("QD-030", amount=1_000_000))
    assert info.value.reason == "fine_already_settled"


async def test_after_the_window_the_full_amount_is_due(make_payment_app: Any) -> None:
    pa = await make_payment_app(trusted_proxies=PROXY)
    await issue(
        pa,
        decision(
            "QD-040",
            decided_at=(clock.now() - timedelta(days=40)).isoformat(),
            violation_date="2026-10-01",
        ),
    )
    body = (await lookup(pa, "BB-QD-040", "Nguyễn Văn An", "2026-10-01")).json()
    assert (body["discount_vnd"], body["amount_due"]) == (0, 4_000_000)


async def test_staff_see_only_the_decisions_of_their_agency_and_province(
    make_payment_app: Any, make_token: Any
) -> None:
    """Hà Nội's traffic police and Hồ Chí Minh City's each see their own decisions; a province operator sees
    their province's, a national operator all; the answer for another's decision is the plain 404."""
    pa = await make_payment_app()
    await issue(pa, decision("QD-HN"), source="urn:agency:HNI-CSGT")
    await issue(pa, decision("QD-SG", province_code="79"), source="/agency/HCM-CSGT")

    async def seen(role: str, **claims: Any) -> set[str]:
        headers = {"authorization": f"Bearer {make_token(role, **claims)}"}
        codes = {
            no: (await pa.http.get(f"/fines/{no}", headers=headers)).status_code for no in ("QD-HN", "QD-SG")
        }
        assert set(codes.values()) <= {200, 404}, codes
        return {no for no, code in codes.items() if code == 200}

    assert await seen("agency", agency="HNI-CSGT") == {"QD-HN"}
    assert await seen("agency", agency="HNI-CSGT", province="01") == {"QD-HN"}
    assert await seen("agency", agency="HCM-CSGT", province="79") == {"QD-SG"}
    assert await seen("agency", agency="HNI-CSGT", province="79") == set()  # its code, another province
    assert await seen("agency", agency="HNI-THUE") == set()  # another agency of the same province
    assert await seen("agency") == set()  # a token without an agency code
    assert await seen("operator", province="01") == {"QD-HN"}
    assert await seen("operator", province="79") == {"QD-SG"}
    assert await seen("operator") == {"QD-HN", "QD-SG"}  # national
    body = (
        await pa.http.get("/fines/QD-SG", headers={"authorization": f"Bearer {make_token('operator')}"})
    ).json()
    assert (body["agency_code"], body["province_code"]) == ("HCM-CSGT", "79")


async def test_lookups_are_rate_limited_per_client(make_payment_app: Any) -> None:
    pa = await make_payment_app(trusted_proxies=PROXY, fines_lookup_burst=3, fines_lookup_per_minute=1)
    codes = [(await lookup(pa, "BB-NONE", "Ai Đó", ip="9.9.9.9")).status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]
    limited = await lookup(pa, "BB-NONE", "Ai Đó", ip="9.9.9.9")
    assert int(limited.headers["retry-after"]) >= 1
    assert "Vui lòng thử lại sau" in limited.json()["detail"]
    assert (await lookup(pa, "BB-NONE", "Ai Đó", ip="8.8.8.8")).status_code == 404  # another client


async def test_a_structured_mode_event_is_accepted_like_binary(make_payment_app: Any) -> None:
    from dvc_contracts.envelope import from_kafka, to_structured

    pa = await make_payment_app(trusted_proxies=PROXY)
    headers, value = to_structured(
        new_event(topics.FINE_ISSUED, "urn:agency:HNI-CSGT", decision("QD-050"), subject="QD-050")
    )
    async with pa.ctx.uow() as uow:
        await fines.on_fine_issued(Event.parse(from_kafka(headers, value)), uow)
        await uow.commit()
    assert (await lookup(pa, "BB-QD-050", "Nguyễn Văn An")).status_code == 200


async def test_a_spoofed_forwarded_for_from_an_untrusted_peer_does_not_buy_a_new_bucket(
    make_payment_app: Any,
) -> None:
    """No proxy configured (or a peer that is not one): every made-up X-Forwarded-For is the same client."""
    pa = await make_payment_app(fines_lookup_burst=2, fines_lookup_per_minute=1)
    codes = [(await lookup(pa, "BB-NONE", "Ai Đó", ip=f"10.0.0.{i}")).status_code for i in range(3)]
    assert codes == [404, 404, 429]


async def test_through_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client(
    make_payment_app: Any,
) -> None:
    pa = await make_payment_app(
        trusted_proxies="127.0.0.0/8, 10.0.0.0/8", fines_lookup_burst=2, fines_lookup_per_minute=1
    )
    # The citizen 203.0.113.9 writes a new left-most address each time; the ingress and a load balancer append.
    codes = [
        (await lookup(pa, "BB-NONE", "Ai Đó", ip=f"6.6.6.{i}, 203.0.113.9, 10.0.0.2")).status_code
        for i in range(3)
    ]
    assert codes == [404, 404, 429]
    assert (await lookup(pa, "BB-NONE", "Ai Đó", ip="6.6.6.1, 203.0.113.10, 10.0.0.2")).status_code == 404
