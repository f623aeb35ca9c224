"""Paid for the right amount: an intent for a fine asks exactly what is due at that moment (the early-payment
discount applied by rule); a provider's notice for another amount than the order's pays nothing — fee or fine —
is recorded in the intent's history and answered per the provider's protocol; a decision corrected after its
intent was made is not settled by that intent (the money goes back)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from dvc_contracts import clock, topics
from dvc_contracts.envelope import new_event
from dvc_contracts.events import PaymentRequestedV1
from dvc_payment.adapters.providers import momo, paygov, vnpay
from dvc_payment.service import intents
from dvckit.messaging.consumer import Rejected
from dvckit.messaging.typed import Event

from ..conftest import PaymentApp, until
from .test_fines_flows import PROXY, decision, issue
from .test_service_flows import PROVIDERS, checkout, click, events_for, new_id, request_payment

DUE, FULL = 3_600_000, 4_000_000  # decided 3 days ago: 10 % off within 15 days


async def send_success(pa: PaymentApp, provider: str, ref: str, amount: int, txn: str) -> httpx.Response:
    """A correctly signed "paid" notice from ``provider`` for ``ref`` and ``amount``."""
    s, now = pa.ctx.settings, clock.now()
    if provider == "vnpay":
        params = {
            "vnp_TmnCode": s.vnpay_tmn_code, "vnp_Amount": str(amount * 100), "vnp_TxnRef": ref,
            "vnp_ResponseCode": "00", "vnp_TransactionStatus": "00", "vnp_TransactionNo": txn,
            "vnp_PayDate": vnpay.vnp_time(now),
        }  # fmt: skip
        return await pa.http.get(
            f"/callbacks/vnpay?{vnpay.signed_query(params, s.vnpay_hash_secret.get_secret_value())}"
        )
    if provider == "momo":
        body: dict[str, Any] = {
            "partnerCode": s.momo_partner_code, "orderId": ref, "requestId": f"r-{txn}", "amount": amount,
            "orderInfo": "x", "orderType": "momo_wallet", "transId": int(txn), "resultCode": 0, "message": "",
            "payType": "qr", "responseTime": int(now.timestamp() * 1000), "extraData": "",
        }  # fmt: skip
        body["signature"] = momo.sign(
            body, momo.IPN_FIELDS, s.momo_access_key, s.momo_secret_key.get_secret_value()
        )
        return await pa.http.post("/callbacks/momo", json=body)
    raw = paygov.dumps(
        {"merchant_id": s.paygov_merchant_id, "order_ref": ref, "transaction_id": txn, "amount": amount,
         "status": "SUCCESS", "paid_at": now.isoformat()}
    )  # fmt: skip
    headers = paygov.signed_headers(s.paygov_secret.get_secret_value(), s.paygov_merchant_id, raw)
    return await pa.http.post("/callbacks/paygov", content=raw, headers=headers)


REFUSED_AMOUNT = {
    "vnpay": lambda r: r.json() == {"RspCode": "04", "Message": "Invalid amount"},
    "momo": lambda r: r.json()["resultCode"] == 22,
    "paygov": lambda r: r.json()["code"] == "amount_mismatch",
}


async def last_ref(pa: PaymentApp, pid: str) -> str:
    async with pa.ctx.uow() as uow:
        return str((await uow.attempts.for_payment(pid))[-1].ref)


async def mismatches(pa: PaymentApp, pid: str) -> list[str]:
    async with pa.ctx.uow() as uow:
        return [h.reason for h in await uow.payments.history(pid) if h.action == "amount_mismatch"]


# --- fees --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_fee_notice_for_another_amount_pays_nothing_and_is_recorded(
    make_payment_app: Any, provider: str
) -> None:
    pa = await make_payment_app()
    pid = new_id()
    await request_payment(pa, pid, 135_000)
    await checkout(pa, pid, provider)
    ref = await last_ref(pa, pid)
    for _ in range(2):  # sent again (a provider retries): still refused, recorded once
        short = await send_success(pa, provider, ref, 1_000, txn="4001")
        assert short.status_code == 400 and REFUSED_AMOUNT[provider](short), short.text
    assert await pa.status(pid) == "pending"
    assert events_for(await pa.outbox(topics.FEE_PAID), pid) == []
    assert await mismatches(pa, pid) == ["success: provider 1000 VND, order 135000 VND"]
    genuine = await send_success(pa, provider, ref, 135_000, txn="4001")
    assert genuine.status_code in (200, 204), genuine.text
    assert await pa.status(pid) == "succeeded"


# --- fines: the intent --------------------------------------------------------------------------------------


def _fine_body(decision_no: str | None, amount: int) -> dict[str, Any]:
    return {"purpose": "fine", "decision_no": decision_no, "amount_vnd": amount, "description": "Nộp phạt"}


async def test_a_fine_intent_asks_exactly_what_is_due_now(make_payment_app: Any, make_token: Any) -> None:
    pa = await make_payment_app()
    await issue(pa, decision("QD-A1"))
    agency = {"authorization": f"Bearer {make_token('agency', agency='HNI-CSGT')}"}

    async def post(body: dict[str, Any]) -> httpx.Response:
        return await pa.http.post("/payments", json=body, headers=agency | {"idempotency-key": new_id()})

    for amount in (1_000, FULL, DUE + 1):
        wrong = await post(_fine_body("QD-A1", amount))
        assert wrong.status_code == 422, (amount, wrong.text)
        assert wrong.json()["code"] == "amount_mismatch"
        assert "3.600.000 ₫" in wrong.json()["detail"]
    for no in ("QD-NONE", None):
        unknown = await post(_fine_body(no, DUE))
        assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_decision"
    ok = await post(_fine_body("QD-A1", DUE))
    assert ok.status_code == 201, ok.text
    assert (ok.json()["amount_vnd"], ok.json()["discount_vnd"]) == (DUE, 400_000)
    with clock.pinned(clock.now() + timedelta(days=20)):  # the discount has ended: the full amount is due
        assert (await post(_fine_body("QD-A1", DUE))).status_code == 422
        assert (await post(_fine_body("QD-A1", FULL))).status_code == 201


async def test_an_idempotent_replay_of_a_fine_intent_is_the_same_intent_later(
    make_payment_app: Any, make_token: Any
) -> None:
    pa = await make_payment_app()
    await issue(pa, decision("QD-A5"))
    headers = {
        "authorization": f"Bearer {make_token('agency', agency='HNI-CSGT')}",
        "idempotency-key": "k-a5",
    }
    first = await pa.http.post("/payments", json=_fine_body("QD-A5", DUE), headers=headers)
    with clock.pinned(clock.now() + timedelta(days=20)):
        again = await pa.http.post("/payments", json=_fine_body("QD-A5", DUE), headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["payment_id"] == first.json()["payment_id"]


async def _requested(pa: PaymentApp, pid: str, decision_no: str, amount: int) -> None:
    data = PaymentRequestedV1(
        payment_id=pid, purpose="fine", decision_no=decision_no, amount_vnd=amount,
        description="Nộp phạt", requested_at=clock.now(),
    )  # fmt: skip
    async with pa.ctx.uow() as uow:
        await intents.on_payment_requested(
            Event.parse(new_event(topics.PAYMENT_REQUESTED, "/dvc/portal", data, subject=pid)),
            uow,
            policy=pa.ctx.policy,
        )
        await uow.commit()


@pytest.mark.parametrize(
    ("decision_no", "amount", "reason"),
    [
        ("QD-A2", FULL, "amount_mismatch"),
        ("QD-A2", 1, "amount_mismatch"),
        ("QD-NONE", DUE, "unknown_decision"),
    ],
)
async def test_payment_requested_for_a_fine_must_ask_what_is_due(
    make_payment_app: Any, decision_no: str, amount: int, reason: str
) -> None:
    pa = await make_payment_app()
    await issue(pa, decision("QD-A2"))
    with pytest.raises(Rejected) as refused:
        await _requested(pa, new_id(), decision_no, amount)
    assert refused.value.reason == reason
    pid = new_id()
    await _requested(pa, pid, "QD-A2", DUE)
    assert (await pa.http.get(f"/payments/{pid}")).json()["discount_vnd"] == 400_000
    with clock.pinned(clock.now() + timedelta(days=20)):
        await _requested(pa, pid, "QD-A2", DUE)  # a repeat stays a no-op after the discount ended


# --- fines: the settlement ----------------------------------------------------------------------------------

FORM = {"record_no": "BB-{}", "violation_date": "2026-11-10", "name": "Nguyễn Văn An"}


async def pay_fine(pa: PaymentApp, no: str, provider: str = "paygov") -> dict[str, Any]:
    form = {k: v.format(no) for k, v in FORM.items()} | {"provider": provider}
    r = await pa.http.post(f"/fines/{no}/pay", json=form, headers={"x-forwarded-for": "1.1.1.1"})
    assert r.status_code == 201, r.text
    return dict(r.json())


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_fine_notice_for_another_amount_settles_nothing(make_payment_app: Any, provider: str) -> None:
    pa = await make_payment_app(trusted_proxies=PROXY)
    await issue(pa, decision("QD-A3"))
    started = await pay_fine(pa, "QD-A3", provider)
    pid, ref = started["payment_id"], await last_ref(pa, started["payment_id"])
    full = await send_success(pa, provider, ref, FULL, txn="5001")  # the whole fine, not the order's amount
    assert full.status_code == 400 and REFUSED_AMOUNT[provider](full), full.text
    assert await pa.outbox(topics.FINE_SETTLED) == [] and await pa.outbox(topics.FEE_PAID) == []
    async with pa.ctx.uow() as uow:
        assert (await uow.fines.get("QD-A3")).status == "unpaid"
    assert await mismatches(pa, pid) == [f"success: provider {FULL} VND, order {DUE} VND"]
    assert (await send_success(pa, provider, ref, DUE, txn="5001")).status_code in (200, 204)
    [(_, settled)] = await pa.outbox(topics.FINE_SETTLED)
    assert (settled["amount_paid"], settled["discount_vnd"], settled["amount_due"]) == (DUE, 400_000, FULL)


async def test_a_decision_corrected_after_its_intent_is_not_settled_by_it(make_payment_app: Any) -> None:
    pa = await make_payment_app(trusted_proxies=PROXY)
    await issue(pa, decision("QD-A4"))
    started = await pay_fine(pa, "QD-A4")
    await issue(pa, decision("QD-A4", amount=6_000_000))  # the police correct the amount meanwhile
    await click(pa, started["pay_url"])  # the citizen pays the old amount
    await until(lambda: _has(pa, topics.FEE_PAID))
    assert await pa.outbox(topics.FINE_SETTLED) == []
    async with pa.ctx.uow() as uow:
        [refund] = await uow.refunds.for_payment(started["payment_id"])
        assert (await uow.fines.get("QD-A4")).status == "unpaid"
    assert (refund.reason, refund.amount_vnd, refund.automatic) == ("fine_amount_mismatch", DUE, True)
    again = await pay_fine(pa, "QD-A4")  # the decision as corrected, a new intent
    assert again["payment_id"] != started["payment_id"] and again["amount_due"] == 5_400_000


async def test_a_stale_open_intent_is_not_offered_after_a_correction(make_payment_app: Any) -> None:
    pa = await make_payment_app(trusted_proxies=PROXY)
    await issue(pa, decision("QD-A6"))
    started = await pay_fine(pa, "QD-A6")
    await issue(pa, decision("QD-A6", amount=2_000_000))
    again = await pay_fine(pa, "QD-A6")
    assert again["payment_id"] != started["payment_id"] and again["amount_due"] == 1_800_000


async def _has(pa: PaymentApp, topic: str) -> bool:
    return bool(await pa.outbox(topic))
