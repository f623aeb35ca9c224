"""The payment service end to end inside one process, on SQLite and without a broker: intents, the three
sandboxes' pay pages and signed callbacks, replays and forgeries, expiry, reconciliation, refunds.
What would be published is read from the outbox (the relay is the kit's, tested there)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from prometheus_client import REGISTRY

from dvc_contracts import clock, topics
from dvc_contracts.envelope import new_event
from dvc_contracts.events import PaymentRequestedV1, RefundRequestedV1
from dvc_payment.adapters.providers import momo, paygov, vnpay
from dvc_payment.service import intents, refunds, sweeps
from dvckit.messaging.consumer import Rejected
from dvckit.messaging.typed import Event

from ..conftest import PaymentApp, until

PROVIDERS = ["vnpay", "momo", "paygov"]
_n = 0


def new_id() -> str:
    global _n
    _n += 1
    return f"pay-test-{clock.now():%H%M%S%f}-{_n}"


async def request_payment(
    pa: PaymentApp,
    payment_id: str,
    amount: int = 135_000,
    *,
    expires_at: datetime | None = None,
    event_id: str | None = None,
    wake_checkouts: bool = False,
) -> None:
    data = PaymentRequestedV1(
        payment_id=payment_id,
        dossier_code="79-261121-ABCDEF",
        procedure_code="GPLX-DOI-L4",
        province_code="79",
        amount_vnd=amount,
        description="Lệ phí đổi giấy phép lái xe",
        citizen_phone="0912345678",
        requested_at=clock.now(),
        expires_at=expires_at,
    )
    event = new_event(topics.PAYMENT_REQUESTED, "/dvc/dossier", data, subject=payment_id, id_=event_id)
    arrivals = pa.ctx.arrivals if wake_checkouts else None
    async with pa.ctx.uow() as uow:
        await intents.on_payment_requested(Event.parse(event), uow, policy=pa.ctx.policy, arrivals=arrivals)
        await uow.commit()


async def checkout(pa: PaymentApp, payment_id: str, provider: str) -> str:
    link = await pa.pay_link(payment_id)
    r = await pa.http.post(f"/payments/{payment_id}/checkout{link}", json={"provider": provider})
    assert r.status_code == 201, r.text
    return str(r.json()["pay_url"])


async def click(pa: PaymentApp, pay_url: str, action: str = "pay", scenario: str = "normal") -> Any:
    page = await pa.http.get(pay_url)
    assert page.status_code == 200, page.text
    assert "Thanh toán" in page.text and "Hủy" in page.text
    path = urlsplit(pay_url).path
    return await pa.http.post(
        path,
        content=f"action={action}&scenario={scenario}",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )


async def paid(pa: PaymentApp, provider: str, amount: int = 135_000) -> str:
    pid = new_id()
    await request_payment(pa, pid, amount)
    resp = await click(pa, await checkout(pa, pid, provider))
    assert resp.status_code == 303 and f"/payments/{pid}/result" in resp.headers["location"]
    await until(lambda: _is(pa, pid, "succeeded"))
    return pid


async def _is(pa: PaymentApp, pid: str, status: str) -> bool:
    return await pa.status(pid) == status


def events_for(items: list[tuple[str | None, dict[str, Any]]], pid: str) -> list[dict[str, Any]]:
    return [v for k, v in items if k == pid]


# --- intents -----------------------------------------------------------------------------------------------

# --- a checkout that comes before its intent ---------------------------------------------------------------


async def test_a_checkout_waits_for_an_intent_still_on_its_way(make_payment_app: Any) -> None:
    """The citizen clicks the pay link before payment-requested is consumed: the checkout waits for the
    intent (woken by the consumer's commit) instead of answering 404."""
    pa = await make_payment_app(checkout_wait_seconds=60)
    pid = new_id()
    link = await pa.pay_link(pid)
    pending = asyncio.create_task(pa.http.post(f"/payments/{pid}/checkout{link}", json={"provider": "momo"}))
    await until(lambda: _waiting(pa, 1))
    assert not pending.done()
    await request_payment(pa, pid, wake_checkouts=True)
    r = await pending
    assert r.status_code == 201, r.text
    assert r.json()["payment_id"] == pid and r.json()["provider"] == "momo"
    assert await pa.status(pid) == "pending"
    assert pa.ctx.arrivals.waiting == 0


async def test_a_waiting_checkout_finds_an_intent_created_elsewhere(make_payment_app: Any) -> None:
    """Created by another instance (no wake-up here): the waiter finds it on its next look."""
    pa = await make_payment_app(checkout_wait_seconds=60)
    pid = new_id()
    link = await pa.pay_link(pid)
    pending = asyncio.create_task(pa.http.post(f"/payments/{pid}/checkout{link}", json={"provider": "vnpay"}))
    await until(lambda: _waiting(pa, 1))
    await request_payment(pa, pid, wake_checkouts=False)
    r = await pending
    assert r.status_code == 201, r.text


async def test_an_unknown_intent_is_still_404_after_the_wait(make_payment_app: Any) -> None:
    pa = await make_payment_app(checkout_wait_seconds=0.3)
    pid = new_id()
    r = await pa.http.post(f"/payments/{pid}/checkout{await pa.pay_link(pid)}", json={"provider": "momo"})
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert pa.ctx.arrivals.waiting == 0


async def test_checkouts_do_not_wait_beyond_the_limit_of_waiters(make_payment_app: Any) -> None:
    pa = await make_payment_app(checkout_wait_seconds=60, checkout_max_waiters=0)
    pid = new_id()
    r = await pa.http.post(f"/payments/{pid}/checkout{await pa.pay_link(pid)}", json={"provider": "momo"})
    assert r.status_code == 404


async def _waiting(pa: PaymentApp, n: int) -> bool:
    return pa.ctx.arrivals.waiting == n


async def test_payment_requested_is_idempotent_and_a_conflicting_repeat_is_rejected(
    make_payment_app: Any,
) -> None:
    pa = await make_payment_app()
    pid = new_id()
    await request_payment(pa, pid)
    await request_payment(pa, pid)  # a repeat (another event id, same payment id) is a no-op
    r = await pa.http.get(f"/payments/{pid}")
    assert r.json()["status"] == "created" and r.json()["amount_vnd"] == 135_000
    with pytest.raises(Rejected) as info:
        await request_payment(pa, pid, amount=999)
    assert info.value.reason == "payment_id_conflict"
    with pytest.raises(Rejected) as zero:
        await request_payment(pa, new_id(), amount=0)
    assert zero.value.reason == "invalid_payload"


async def test_http_creation_uses_the_idempotency_key(make_payment_app: Any, make_token: Any) -> None:
    pa = await make_payment_app()
    agency = {"authorization": f"Bearer {make_token('agency', agency='HCM-THUE')}", "idempotency-key": "k-1"}
    body = {"amount_vnd": 2_400_000, "description": "Lệ phí trước bạ xe máy", "dossier_code": "79-X"}
    first = await pa.http.post("/payments", json=body, headers=agency)
    again = await pa.http.post("/payments", json=body, headers=agency)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["payment_id"] == again.json()["payment_id"]
    assert again.headers["idempotent-replayed"] == "true"
    other = await pa.http.post("/payments", json=body | {"amount_vnd": 1}, headers=agency)
    assert other.status_code == 409 and other.json()["code"] == "idempotency_conflict"
    missing = await pa.http.post("/payments", json=body, headers={"authorization": agency["authorization"]})
    assert missing.status_code == 400
    citizen = {"authorization": f"Bearer {make_token('citizen')}", "idempotency-key": "k-2"}
    assert (await pa.http.post("/payments", json=body, headers=citizen)).status_code == 403
    float_amount = await pa.http.post("/payments", json=body | {"amount_vnd": 2400000.0}, headers=agency)
    assert float_amount.status_code == 422


# --- pay page → signed callback, per provider -------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_pay_page_then_signed_callback_pays_once(
    make_payment_app: Any, make_token: Any, provider: str
) -> None:
    pa = await make_payment_app()
    pid = await paid(pa, provider)
    fee_paid = events_for(await pa.outbox(topics.FEE_PAID), pid)
    assert len(fee_paid) == 1
    assert fee_paid[0] | {"paid_at": None, "provider_txn_id": None} == {
        "payment_id": pid,
        "purpose": "dossier_fee",
        "dossier_code": "79-261121-ABCDEF",
        "decision_no": None,
        "province_code": "79",
        "amount_vnd": 135_000,
        "provider": provider,
        "provider_txn_id": None,
        "paid_at": None,
        "late": False,
        "refund_reason": None,
        "citizen_phone": "0912345678",
    }
    staff = {"authorization": f"Bearer {make_token('operator')}"}
    hist = (await pa.http.get(f"/payments/{pid}/history", headers=staff)).json()
    assert [(h["action"], h["to_status"]) for h in hist["history"]] == [
        ("created", "created"),
        ("checkout", "pending"),
        ("succeeded", "succeeded"),
    ]
    assert hist["attempts"][0]["status"] == "succeeded"
    result = await pa.http.get(f"/payments/{pid}/result")
    assert "Thanh toán thành công" in result.text
    sample = REGISTRY.get_sample_value("dvc_payments_total", {"provider": provider, "status": "succeeded"})
    assert sample and sample >= 1


async def test_the_portal_pay_page_lists_the_providers_and_redirects(make_payment_app: Any) -> None:
    pa = await make_payment_app()
    pid = new_id()
    await request_payment(pa, pid)
    link = await pa.pay_link(pid)
    page = await pa.http.get(f"/payments/{pid}/pay{link}")
    assert "135.000 ₫" in page.text and "Ví MoMo" in page.text and "PayGov" in page.text
    assert f'action="/payments/{pid}/pay{link.replace("&", "&amp;")}"' in page.text  # the form keeps the link
    r = await pa.http.post(
        f"/payments/{pid}/pay{link}",
        content="provider=momo",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 303 and "/sandbox/momo/pay/" in r.headers["location"]


# --- replays, forgeries, amount mismatch ----------------------------------------------------------------


async def _sandbox_row(pa: PaymentApp, provider: str, pid: str) -> Any:
    async with pa.ctx.uow() as uow:
        ref = (await uow.attempts.for_payment(pid))[-1].ref
    assert pa.ctx.sandbox is not None
    return await pa.ctx.sandbox.get(provider, ref)


async def test_vnpay_replayed_ipn_is_refused_and_applied_once(make_payment_app: Any) -> None:
    pa = await make_payment_app()
    pid = await paid(pa, "vnpay")
    from dvc_payment.adapters.sandbox.vnpay import payment_params

    row = await _sandbox_row(pa, "vnpay", pid)
    query = vnpay.signed_query(
        payment_params(row, pa.ctx.settings.vnpay_tmn_code),
        pa.ctx.settings.vnpay_hash_secret.get_secret_value(),
    )
    replay = await pa.http.get(f"/callbacks/vnpay?{query}")
    assert replay.status_code == 409 and replay.json() == {
        "RspCode": "02",
        "Message": "Order already confirmed",
    }
    assert len(events_for(await pa.outbox(topics.FEE_PAID), pid)) == 1


async def test_momo_replayed_ipn_is_refused_and_applied_once(make_payment_app: Any) -> None:
    pa = await make_payment_app()
    pid = await paid(pa, "momo")
    row = await _sandbox_row(pa, "momo", pid)
    s = pa.ctx.settings
    body: dict[str, Any] = {
        "partnerCode": s.momo_partner_code, "orderId": row.ref, "requestId": "r", "amount": row.amount_vnd,
        "orderInfo": row.order_info, "orderType": "momo_wallet", "transId": int(row.txn_id), "resultCode": 0,
        "message": "Thành công.", "payType": "qr", "responseTime": int(clock.now().timestamp() * 1000),
        "extraData": "",
    }  # fmt: skip
    body["signature"] = momo.sign(
        body, momo.IPN_FIELDS, s.momo_access_key, s.momo_secret_key.get_secret_value()
    )
    replay = await pa.http.post("/callbacks/momo", json=body)
    assert replay.status_code == 409
    assert len(events_for(await pa.outbox(topics.FEE_PAID), pid)) == 1


async def test_paygov_replayed_nonce_and_renotified_txn_are_refused(make_payment_app: Any) -> None:
    pa = await make_payment_app()
    pid = new_id()
    await request_payment(pa, pid)
    pay_url = await checkout(pa, pid, "paygov")
    await click(pa, pay_url, scenario="no_ipn")  # paid at the provider, no notification yet
    row = await _sandbox_row(pa, "paygov", pid)
    s = pa.ctx.settings
    body = paygov.dumps(
        {"merchant_id": s.paygov_merchant_id, "order_ref": row.ref, "transaction_id": row.txn_id,
         "amount": row.amount_vnd, "status": "SUCCESS", "paid_at": clock.now().isoformat()}
    )  # fmt: skip
    headers = paygov.signed_headers(s.paygov_secret.get_secret_value(), s.paygov_merchant_id, body)
    first = await pa.http.post("/callbacks/paygov", content=body, headers=headers)
    assert first.status_code == 200, first.text
    same = await pa.http.post("/callbacks/paygov", content=body, headers=headers)  # the very same message
    assert same.status_code == 409
    fresh = paygov.signed_headers(s.paygov_secret.get_secret_value(), s.paygov_merchant_id, body)
    again = await pa.http.post("/callbacks/paygov", content=body, headers=fresh)  # new nonce, same txn
    assert again.status_code == 409
    assert len(events_for(await pa.outbox(topics.FEE_PAID), pid)) == 1


async def test_forged_callback_is_refused_and_changes_nothing(make_payment_app: Any) -> None:
    pa = await make_payment_app()
    pid = new_id()
    await request_payment(pa, pid)
    pay_url = await checkout(pa, pid, "vnpay")
    params = dict(parse_qsl(urlsplit(pay_url).query))
    forged = {
        "vnp_TmnCode": params["vnp_TmnCode"], "vnp_Amount": params["vnp_Amount"], "vnp_TxnRef": params["vnp_TxnRef"],
        "vnp_ResponseCode": "00", "vnp_TransactionStatus": "00", "vnp_TransactionNo": "999",
        "vnp_PayDate": vnpay.vnp_time(clock.now()),
    }  # fmt: skip
    query = vnpay.signed_query(forged, "a-guessed-secret")
    r = await pa.http.get(f"/callbacks/vnpay?{query}")
    assert r.status_code == 400 and r.json()["RspCode"] == "97"
    assert await pa.status(pid) == "pending"
    assert events_for(await pa.outbox(topics.FEE_PAID), pid) == []
    sample = REGISTRY.get_sample_value(
        "dvc_payment_callbacks_total", {"provider": "vnpay", "outcome": "bad_signature"}
    )
    assert sample and sample >= 1


async def test_amount_mismatch_and_unknown_order_are_refused(make_payment_app: Any) -> None:
    pa = await make_payment_app()
    pid = new_id()
    await request_payment(pa, pid)
    pay_url = await checkout(pa, pid, "vnpay")
    ref = dict(parse_qsl(urlsplit(pay_url).query))["vnp_TxnRef"]
    secret = pa.ctx.settings.vnpay_hash_secret.get_secret_value()
    ipn = {
        "vnp_TmnCode": pa.ctx.settings.vnpay_tmn_code, "vnp_Amount": "100", "vnp_TxnRef": ref,
        "vnp_ResponseCode": "00", "vnp_TransactionStatus": "00", "vnp_TransactionNo": "1",
        "vnp_PayDate": vnpay.vnp_time(clock.now()),
    }  # fmt: skip
    r = await pa.http.get(f"/callbacks/vnpay?{vnpay.signed_query(ipn, secret)}")
    assert r.status_code == 400 and r.json()["RspCode"] == "04"
    assert await pa.status(pid) == "pending"
    unknown = await pa.http.get(
        f"/callbacks/vnpay?{vnpay.signed_query(ipn | {'vnp_TxnRef': 'DVCNOSUCHREF'}, secret)}"
    )
    assert unknown.status_code == 404 and unknown.json()["RspCode"] == "01"
    # The genuine notification still applies afterwards (the refused ones reserved nothing).
    good = ipn | {"vnp_Amount": "13500000"}
    assert (await pa.http.get(f"/callbacks/vnpay?{vnpay.signed_query(good, secret)}")).status_code == 200
    assert await pa.status(pid) == "succeeded"


def _link_until(pa: PaymentApp, pid: str, minutes: int = 10) -> str:
    """A link valid beyond the intent's expiry: the intent's own state is still checked."""
    return urlencode(pa.ctx.pay_links.params(pid, clock.now() + timedelta(minutes=minutes)))


# --- failure, expiry, reconciliation ---------------------------------------------------------------------


async def test_declined_then_paid_with_another_provider(make_payment_app: Any) -> None:
    pa = await make_payment_app()
    pid = new_id()
    await request_payment(pa, pid)
    await click(pa, await checkout(pa, pid, "vnpay"), scenario="decline")
    await until(lambda: _is(pa, pid, "failed"))
    failed = events_for(await pa.outbox(topics.PAYMENT_FAILED), pid)
    assert [(f["reason"], f["provider"]) for f in failed] == [("insufficient_funds", "vnpay")]
    await click(pa, await checkout(pa, pid, "momo"))
    await until(lambda: _is(pa, pid, "succeeded"))
    [fee] = events_for(await pa.outbox(topics.FEE_PAID), pid)
    assert fee["provider"] == "momo" and fee["late"] is False and fee["refund_reason"] is None


async def test_cancel_on_the_pay_page_fails_with_reason_cancelled(make_payment_app: Any) -> None:
    pa = await make_payment_app()
    pid = new_id()
    await request_payment(pa, pid)
    await click(pa, await checkout(pa, pid, "paygov"), action="cancel")
    await until(lambda: _is(pa, pid, "failed"))
    assert events_for(await pa.outbox(topics.PAYMENT_FAILED), pid)[0]["reason"] == "cancelled"


async def test_expiry_publishes_payment_expired_and_closes_the_intent(make_payment_app: Any) -> None:
    pa = await make_payment_app()
    pid = new_id()
    await request_payment(pa, pid, expires_at=clock.now() - timedelta(seconds=1))
    assert await sweeps.expire_due(pa.ctx.uow, pa.ctx.providers, policy=pa.ctx.policy) >= 1
    assert await pa.status(pid) == "expired"
    [expired] = events_for(await pa.outbox(topics.PAYMENT_EXPIRED), pid)
    assert expired["dossier_code"] == "79-261121-ABCDEF" and expired["amount_vnd"] == 135_000
    r = await pa.http.post(f"/payments/{pid}/checkout{await pa.pay_link(pid)}", json={"provider": "vnpay"})
    assert r.status_code == 403 and r.json()["code"] == "pay_link_expired"  # the link ends with it
    r = await pa.http.post(f"/payments/{pid}/checkout?{_link_until(pa, pid)}", json={"provider": "vnpay"})
    assert r.status_code == 409 and r.json()["code"] == "expired"
    assert await sweeps.expire_due(pa.ctx.uow, pa.ctx.providers, policy=pa.ctx.policy) == 0


async def test_a_lost_callback_is_found_before_expiring(make_payment_app: Any) -> None:
    pa = await make_payment_app()
    pid = new_id()
    with clock.pinned(clock.now()) as frozen:  # paid in the window, however loaded the machine
        expires_at = frozen.now() + timedelta(seconds=5)
        await request_payment(pa, pid, expires_at=expires_at)
        await click(pa, await checkout(pa, pid, "momo"), scenario="no_ipn")
        frozen.set(expires_at + timedelta(seconds=1))  # the sweep runs after the deadline
        await sweeps.expire_due(pa.ctx.uow, pa.ctx.providers, policy=pa.ctx.policy)
    assert await pa.status(pid) == "succeeded"
    [fee] = events_for(await pa.outbox(topics.FEE_PAID), pid)
    assert fee["late"] is False
    assert events_for(await pa.outbox(topics.PAYMENT_EXPIRED), pid) == []


async def test_late_success_after_expiry_is_published_and_refunded(
    make_payment_app: Any, make_token: Any
) -> None:
    pa = await make_payment_app(sandbox_slow_seconds=6.0, reconcile_interval_seconds=0.05)
    pid = new_id()
    # the clock stands still but where the test moves it (VNPay's vnp_ExpireDate has whole seconds)
    with clock.pinned(clock.now()) as frozen:
        expires_at = frozen.now() + timedelta(seconds=4)
        await request_payment(pa, pid, expires_at=expires_at)
        await click(pa, await checkout(pa, pid, "vnpay"), scenario="slow_no_ipn")
        frozen.set(expires_at + timedelta(seconds=0.5))  # past the deadline; the bank is still processing
        await sweeps.expire_due(pa.ctx.uow, pa.ctx.providers, policy=pa.ctx.policy)
        assert await pa.status(pid) == "expired"
        assert events_for(await pa.outbox(topics.FEE_PAID), pid) == []
        frozen.advance(seconds=3)  # the bank settles 6 s after the click
        await until(lambda: _reconciled(pa), timeout=30)
        [fee] = events_for(await pa.outbox(topics.FEE_PAID), pid)
        assert fee["late"] is True and fee["refund_reason"] == "payment_expired"
        assert await refunds.process_refunds(pa.ctx.uow, pa.ctx.providers, policy=pa.ctx.policy) == 1
        [refunded] = events_for(await pa.outbox(topics.FEE_REFUNDED), pid)
        assert refunded["automatic"] is True and refunded["amount_vnd"] == 135_000
        assert refunded["reason"] == "payment_expired" and refunded["refund_id"].startswith("auto-")
        assert await pa.status(pid) == "refunded"
        staff = {"authorization": f"Bearer {make_token('operator')}"}
        hist = (await pa.http.get(f"/payments/{pid}/history", headers=staff)).json()["history"]
        assert [h["action"] for h in hist] == [
            "created", "checkout", "expired", "late_success", "refund_requested", "refunded",
        ]  # fmt: skip


async def test_a_success_paid_after_the_window_is_late_even_before_the_sweep(
    make_payment_app: Any, make_token: Any
) -> None:
    """The bank settled after expires_at and no expiry sweep ran in between (a busy or restarted scheduler):
    the provider's own time decides — the intent expires first and the success is a late one, refunded."""
    # the clock stands still from the request to the click (no race with a loaded machine): the bank settles 6 s
    # after the click, 2 s after expires_at — more than a second, as VNPay dates a payment to the second
    pa = await make_payment_app(sandbox_slow_seconds=6.0, reconcile_interval_seconds=0.05)
    pid = new_id()
    with clock.pinned(clock.now()) as frozen:
        await request_payment(pa, pid, expires_at=frozen.now() + timedelta(seconds=4))
        await click(pa, await checkout(pa, pid, "vnpay"), scenario="slow_no_ipn")
        frozen.advance(seconds=7)
        # no expire_due: only the reconciler asks the bank, which has settled by now
        await until(lambda: _reconciled(pa), timeout=40)
        [fee] = events_for(await pa.outbox(topics.FEE_PAID), pid)
        assert fee["late"] is True and fee["refund_reason"] == "payment_expired"
        [expired] = events_for(await pa.outbox(topics.PAYMENT_EXPIRED), pid)
        assert expired["dossier_code"] == "79-261121-ABCDEF"
        assert await refunds.process_refunds(pa.ctx.uow, pa.ctx.providers, policy=pa.ctx.policy) == 1
        assert await pa.status(pid) == "refunded"
        staff = {"authorization": f"Bearer {make_token('operator')}"}
        hist = (await pa.http.get(f"/payments/{pid}/history", headers=staff)).json()["history"]
        assert [h["action"] for h in hist][:4] == ["created", "checkout", "expired", "late_success"]


async def test_an_undated_success_is_late_when_a_query_after_the_deadline_found_it_unpaid(
    make_payment_app: Any,
) -> None:
    """MoMo does not say when the money moved. A status query sent after the deadline was answered "still
    processing"; the bank settled later and the expiry sweep (behind: a busy scheduler) finds the success. It
    is late — refunded, the dossier having given up — not given the benefit of the doubt."""
    pa = await make_payment_app(sandbox_slow_seconds=6.0, reconcile_interval_seconds=0.05)
    pid = new_id()
    policy = pa.ctx.policy
    with clock.pinned(clock.now()) as frozen:
        expires_at = frozen.now() + timedelta(seconds=4)
        await request_payment(pa, pid, expires_at=expires_at)
        await click(pa, await checkout(pa, pid, "momo"), scenario="slow_no_ipn")
        frozen.set(expires_at + timedelta(seconds=1))
        assert await sweeps.reconcile_due(pa.ctx.uow, pa.ctx.providers, policy=policy) == 1
        assert events_for(await pa.outbox(topics.FEE_PAID), pid) == []  # still processing at the bank
        frozen.advance(seconds=6)  # the bank has settled; the sweep comes only now
        await sweeps.expire_due(pa.ctx.uow, pa.ctx.providers, policy=policy)
        [fee] = events_for(await pa.outbox(topics.FEE_PAID), pid)
        assert fee["late"] is True and fee["refund_reason"] == "payment_expired"
        assert len(events_for(await pa.outbox(topics.PAYMENT_EXPIRED), pid)) == 1
        assert await refunds.process_refunds(pa.ctx.uow, pa.ctx.providers, policy=policy) == 1
        assert await pa.status(pid) == "refunded"


async def test_an_undated_success_first_seen_well_after_the_deadline_is_late(make_payment_app: Any) -> None:
    """Nobody asked MoMo between the deadline and the bank's settlement (the payment service was down, its
    sweep far behind): a success first seen more than the grace (30 s) after the deadline is late, whenever
    the sweep gets to it; within the grace it is a lost notification found in time."""
    pa = await make_payment_app(sandbox_slow_seconds=40.0)
    policy = pa.ctx.policy
    assert policy.undated_grace == timedelta(seconds=30)
    pid = new_id()
    with clock.pinned(clock.now()) as frozen:
        expires_at = frozen.now() + timedelta(seconds=4)
        await request_payment(pa, pid, expires_at=expires_at)
        await click(pa, await checkout(pa, pid, "momo"), scenario="slow_no_ipn")
        frozen.set(expires_at + timedelta(seconds=60))  # settled 36 s after the deadline, seen at 60 s
        await sweeps.expire_due(pa.ctx.uow, pa.ctx.providers, policy=policy)
        [fee] = events_for(await pa.outbox(topics.FEE_PAID), pid)
        assert fee["late"] is True and fee["refund_reason"] == "payment_expired"
        assert len(events_for(await pa.outbox(topics.PAYMENT_EXPIRED), pid)) == 1


async def _reconciled(pa: PaymentApp) -> bool:
    await sweeps.reconcile_due(pa.ctx.uow, pa.ctx.providers, policy=pa.ctx.policy)
    return bool(await pa.outbox(topics.FEE_PAID))


# --- refunds -------------------------------------------------------------------------------------------


async def refund_requested(pa: PaymentApp, refund_id: str, pid: str, amount: int) -> None:
    data = RefundRequestedV1(
        refund_id=refund_id, payment_id=pid, dossier_code="79-261121-ABCDEF", amount_vnd=amount,
        reason="police_rejected", requested_at=clock.now(),
    )  # fmt: skip
    async with pa.ctx.uow() as uow:
        await refunds.on_refund_requested(
            Event.parse(new_event(topics.REFUND_REQUESTED, "/dvc/dossier", data, subject=pid)), uow
        )
        await uow.commit()


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_refund_requested_is_refunded_once(make_payment_app: Any, provider: str) -> None:
    pa = await make_payment_app()
    pid = await paid(pa, provider)
    await refund_requested(pa, "rf-1", pid, 135_000)
    await refund_requested(pa, "rf-1", pid, 135_000)  # a repeat of the refund id is a no-op
    assert await refunds.process_refunds(pa.ctx.uow, pa.ctx.providers, policy=pa.ctx.policy) == 1
    [refunded] = events_for(await pa.outbox(topics.FEE_REFUNDED), pid)
    assert (refunded["refund_id"], refunded["amount_vnd"], refunded["provider"]) == (
        "rf-1",
        135_000,
        provider,
    )
    assert refunded["automatic"] is False and refunded["provider_refund_id"]
    assert await pa.status(pid) == "refunded"
    await refund_requested(pa, "rf-2", pid, 1)
    [failed] = events_for(await pa.outbox(topics.REFUND_FAILED), pid)
    assert (failed["refund_id"], failed["reason"]) == ("rf-2", "already_refunded")


async def test_refunds_that_cannot_be_made_answer_refund_failed(make_payment_app: Any) -> None:
    pa = await make_payment_app()
    await refund_requested(pa, "rf-x", "pay-unknown", 10_000)
    pid = new_id()
    await request_payment(pa, pid)
    await refund_requested(pa, "rf-y", pid, 10_000)
    paid_id = await paid(pa, "momo")
    await refund_requested(pa, "rf-z", paid_id, 200_000)
    await refund_requested(pa, "rf-ok", paid_id, 35_000)  # partial: fine
    reasons = {v["refund_id"]: v["reason"] for _, v in await pa.outbox(topics.REFUND_FAILED)}
    assert reasons == {"rf-x": "payment_not_found", "rf-y": "payment_not_paid", "rf-z": "amount_exceeds_paid"}
    await refunds.process_refunds(pa.ctx.uow, pa.ctx.providers, policy=pa.ctx.policy)
    assert [v["amount_vnd"] for v in events_for(await pa.outbox(topics.FEE_REFUNDED), paid_id)] == [35_000]
    assert await pa.status(paid_id) == "succeeded"  # partly refunded


async def test_a_second_charge_is_refunded_automatically(make_payment_app: Any) -> None:
    pa = await make_payment_app()
    pid = new_id()
    await request_payment(pa, pid)
    first, second = await checkout(pa, pid, "vnpay"), await checkout(pa, pid, "momo")
    await click(pa, first)
    await click(pa, second)
    await until(lambda: _refund_pending(pa, pid))
    await refunds.process_refunds(pa.ctx.uow, pa.ctx.providers, policy=pa.ctx.policy)
    assert len(events_for(await pa.outbox(topics.FEE_PAID), pid)) == 1
    [refunded] = events_for(await pa.outbox(topics.FEE_REFUNDED), pid)
    assert refunded["reason"] == "duplicate_payment" and refunded["automatic"] is True
    assert await pa.status(pid) == "succeeded"


async def _refund_pending(pa: PaymentApp, pid: str) -> bool:
    async with pa.ctx.uow() as uow:
        return bool(await uow.refunds.for_payment(pid))
