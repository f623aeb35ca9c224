"""A payment id alone starts nothing: checkout, the pay page and its form need the intent's owner (a citizen
token whose sub owns it) or a pay link the service signed (HMAC over the id and an expiry). The links are
handed only to those entitled to them; the public status and result page stay public."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from dvc_contracts import clock, topics
from dvc_contracts.envelope import new_event
from dvc_contracts.events import PaymentRequestedV1
from dvc_payment.service import intents
from dvckit.messaging.typed import Event

from ..conftest import PaymentApp, until
from .test_service_flows import click, events_for, new_id, request_payment

FORM = {"content-type": "application/x-www-form-urlencoded"}
OWNER = "001099012345"


async def create(pa: PaymentApp, make_token: Any, *, payer_sub: str | None = OWNER) -> dict[str, Any]:
    """An agency creates an intent over HTTP for a citizen (the agency gets the pay link to hand over)."""
    r = await pa.http.post(
        "/payments",
        json={"amount_vnd": 350_000, "description": "Lệ phí cấp bản sao", "payer_sub": payer_sub},
        headers={
            "authorization": f"Bearer {make_token('agency', agency='HNI-TP')}",
            "idempotency-key": new_id(),
        },
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def test_a_payment_id_alone_starts_nothing(make_payment_app: Any) -> None:
    pa = await make_payment_app()
    pid = new_id()
    await request_payment(pa, pid)
    checkout = await pa.http.post(f"/payments/{pid}/checkout", json={"provider": "momo"})
    assert checkout.status_code == 401 and checkout.json()["code"] == "pay_link_required"
    assert (await pa.http.get(f"/payments/{pid}/pay")).status_code == 401
    assert (
        await pa.http.post(f"/payments/{pid}/pay", content="provider=momo", headers=FORM)
    ).status_code == 401
    async with pa.ctx.uow() as uow:
        assert await uow.attempts.for_payment(pid) == []  # no provider order, nothing to poll for 24 h
    public = await pa.http.get(f"/payments/{pid}")  # the status stays public, without a link in it
    assert public.status_code == 200 and "sig=" not in public.json()["pay_page"]


@pytest.mark.parametrize(
    "tamper",
    [
        lambda q: q | {"sig": "0" * 64},  # a guessed signature
        lambda q: q | {"exp": str(int(q["exp"]) + 3600)},  # a longer life than was signed
        lambda q: {"exp": q["exp"]},  # no signature
    ],
)
async def test_a_forged_pay_link_is_refused(make_payment_app: Any, tamper: Any) -> None:
    pa = await make_payment_app()
    pid = new_id()
    await request_payment(pa, pid)
    query = tamper(dict(parse_qsl((await pa.pay_link(pid))[1:])))
    r = await pa.http.post(f"/payments/{pid}/checkout?{urlencode(query)}", json={"provider": "momo"})
    assert r.status_code == 403 and r.json()["code"] == "pay_link_invalid"


async def test_a_link_signed_for_one_intent_does_not_open_another(make_payment_app: Any) -> None:
    pa = await make_payment_app()
    mine, other = new_id(), new_id()
    await request_payment(pa, mine)
    await request_payment(pa, other)
    r = await pa.http.get(f"/payments/{other}/pay{await pa.pay_link(mine)}")
    assert r.status_code == 403 and r.json()["code"] == "pay_link_invalid"


async def test_a_pay_link_ends_with_its_expiry(make_payment_app: Any) -> None:
    pa = await make_payment_app()
    pid = new_id()
    with clock.pinned(clock.now()) as c:
        await request_payment(pa, pid)  # 90 minutes
        link = await pa.pay_link(pid)
        assert (await pa.http.get(f"/payments/{pid}/pay{link}")).status_code == 200
        c.advance(minutes=91)
        r = await pa.http.get(f"/payments/{pid}/pay{link}")
        assert r.status_code == 403 and r.json()["code"] == "pay_link_expired"


async def test_the_agency_gets_a_signed_link_and_the_citizen_pays_with_it(
    make_payment_app: Any, make_token: Any
) -> None:
    pa = await make_payment_app()
    created = await create(pa, make_token)
    pay_page = created["pay_page"]
    assert "exp=" in pay_page and "sig=" in pay_page
    page = await pa.http.get(pay_page)
    assert page.status_code == 200 and "350.000 ₫" in page.text
    path = urlsplit(pay_page)
    form = await pa.http.post(f"{path.path}?{path.query}", content="provider=momo", headers=FORM)
    assert form.status_code == 303 and "/sandbox/momo/pay/" in form.headers["location"]
    staff = bearer(make_token("operator"))
    history = (await pa.http.get(f"/payments/{created['payment_id']}/history", headers=staff)).json()
    assert "sig=" in history["pay_page"]
    assert [h["actor"] for h in history["history"]][-1] == "citizen:pay_link"


async def test_the_owner_pays_with_their_own_login_and_nobody_else_does(
    make_payment_app: Any, make_token: Any
) -> None:
    pa = await make_payment_app()
    pid = (await create(pa, make_token))["payment_id"]
    someone = await pa.http.post(
        f"/payments/{pid}/checkout",
        json={"provider": "momo"},
        headers=bearer(make_token("citizen", sub="0790")),
    )
    assert someone.status_code == 403 and someone.json()["code"] == "not_owner"
    staff = await pa.http.get(f"/payments/{pid}/pay", headers=bearer(make_token("agency", agency="HNI-TP")))
    assert staff.status_code == 403 and staff.json()["code"] == "forbidden"
    bad = await pa.http.get(f"/payments/{pid}/pay", headers={"authorization": "Bearer not-a-token"})
    assert bad.status_code == 401
    owner = bearer(make_token("citizen", sub=OWNER))
    assert (await pa.http.get(f"/payments/{pid}/pay", headers=owner)).status_code == 200
    mine = await pa.http.post(f"/payments/{pid}/checkout", json={"provider": "momo"}, headers=owner)
    assert mine.status_code == 201, mine.text


async def test_an_intent_without_owner_is_paid_only_by_link(make_payment_app: Any, make_token: Any) -> None:
    pa = await make_payment_app()
    pid = new_id()
    await request_payment(pa, pid)  # payment-requested without payer_sub: nobody's login pays it
    r = await pa.http.post(
        f"/payments/{pid}/checkout", json={"provider": "momo"}, headers=bearer(make_token("citizen"))
    )
    assert r.status_code == 403 and r.json()["code"] == "not_owner"


async def test_the_owner_named_in_payment_requested_pays_with_their_login(
    make_payment_app: Any, make_token: Any
) -> None:
    pa = await make_payment_app()
    pid = new_id()
    data = PaymentRequestedV1.model_validate(
        {"payment_id": pid, "amount_vnd": 135_000, "description": "Lệ phí", "payer_sub": OWNER,
         "requested_at": clock.now().isoformat()}
    )  # fmt: skip
    async with pa.ctx.uow() as uow:
        event = new_event(topics.PAYMENT_REQUESTED, "/dvc/dossier", data, subject=pid)
        await intents.on_payment_requested(Event.parse(event), uow, policy=pa.ctx.policy)
        await uow.commit()
    owner = bearer(make_token("citizen", sub=OWNER))
    r = await pa.http.post(f"/payments/{pid}/checkout", json={"provider": "momo"}, headers=owner)
    assert r.status_code == 201, r.text
    # the owner gets a signed link to open the pay page in a browser (no token there); nobody else does
    link = (await pa.http.get(f"/payments/{pid}/link", headers=owner)).json()["pay_page"]
    page = await pa.http.get(f"/payments/{pid}/pay?{urlsplit(link).query}")
    assert page.status_code == 200 and "sig=" in link
    other = await pa.http.get(f"/payments/{pid}/link", headers=bearer(make_token("citizen", sub="someone")))
    assert other.status_code == 403 and other.json()["code"] == "not_owner"
    assert (await pa.http.get(f"/payments/{pid}/link")).status_code == 401


async def test_after_a_decline_the_result_page_offers_a_signed_retry(make_payment_app: Any) -> None:
    pa = await make_payment_app()
    pid = new_id()
    await request_payment(pa, pid)
    link = await pa.pay_link(pid)
    r = await pa.http.post(f"/payments/{pid}/checkout{link}", json={"provider": "vnpay"})
    back = await click(pa, r.json()["pay_url"], scenario="decline")
    assert back.status_code == 303
    result = urlsplit(back.headers["location"])  # the provider appended its own query to our return URL
    assert result.path.startswith(f"/payments/{pid}/result/")
    await until(lambda: _failed(pa, pid))
    page = await pa.http.get(f"{result.path}?{result.query}")
    assert "Thanh toán lại" in page.text and f"/payments/{pid}/pay?exp=" in page.text
    retry = page.text.split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert (await pa.http.get(retry)).status_code == 200
    public = await pa.http.get(f"/payments/{pid}/result")  # public: no link in it
    assert "Thanh toán lại" in public.text and "sig=" not in public.text


async def test_the_result_page_links_back_to_the_dossier_on_the_configured_portal(
    make_payment_app: Any,
) -> None:
    pa = await make_payment_app(portal_url="https://dichvucong.example.vn/")
    pid = new_id()
    await request_payment(pa, pid)
    link = await pa.pay_link(pid)
    r = await pa.http.post(f"/payments/{pid}/checkout{link}", json={"provider": "momo"})
    back = await click(pa, r.json()["pay_url"])
    result = urlsplit(back.headers["location"])
    await until(lambda: _status_is(pa, pid, "succeeded"))
    want = ('<p><a id="back-to-portal" href="https://dichvucong.example.vn/ho-so/79-261121-ABCDEF">'
            "Quay lại hồ sơ 79-261121-ABCDEF</a></p>")  # fmt: skip
    for query in (result.query, "return=https://evil.example/&next=//evil.example&tiep=https://evil.example"):
        page = await pa.http.get(
            f"{result.path}?{query}"
        )  # whatever the query says, the link stays the portal's
        assert "Thanh toán thành công" in page.text and want in page.text and "evil" not in page.text
    assert want in (await pa.http.get(f"/payments/{pid}/result")).text  # the public page too


def test_the_link_back_is_built_from_the_intent_never_from_outside() -> None:
    from types import SimpleNamespace

    from dvc_payment.entrypoints.pages import back_to_portal

    fine = SimpleNamespace(dossier_code=None, decision_no="1234/QĐ-XPHC", purpose="fine")
    assert back_to_portal(fine, "https://dvc.vn") == (
        "https://dvc.vn/phat-nguoi", "Quay lại trang nộp phạt vi phạm giao thông")  # fmt: skip
    odd = SimpleNamespace(dossier_code="../../x?y=//evil", decision_no=None, purpose="dossier_fee")
    assert back_to_portal(odd, "https://dvc.vn/")[0] == "https://dvc.vn/ho-so/..%2F..%2Fx%3Fy%3D%2F%2Fevil"
    other = SimpleNamespace(dossier_code=None, decision_no=None, purpose="dossier_fee")
    assert back_to_portal(other, "https://dvc.vn") == ("https://dvc.vn/", "Về Cổng Dịch vụ công")


async def _status_is(pa: PaymentApp, pid: str, status: str) -> bool:
    return await pa.status(pid) == status


async def _failed(pa: PaymentApp, pid: str) -> bool:
    return await pa.status(pid) == "failed"


async def test_provider_orders_per_intent_are_limited(make_payment_app: Any) -> None:
    pa = await make_payment_app(max_attempts_per_payment=2)
    pid = new_id()
    await request_payment(pa, pid)
    link = await pa.pay_link(pid)
    codes = [
        (await pa.http.post(f"/payments/{pid}/checkout{link}", json={"provider": "momo"})).status_code
        for _ in range(3)
    ]
    assert codes == [201, 201, 429]
    assert events_for(await pa.outbox(topics.FEE_PAID), pid) == []
