"""Each provider's signature scheme: a genuine callback is accepted; a forged one (tampered field, wrong
secret, no signature), a stale one (replayed later) and another merchant's are refused before anything is read.
Replays of an already applied notice and amount mismatches are refused by the service: test_service_flows."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest

from dvc_contracts import clock
from dvc_payment.adapters.providers import momo, paygov, vnpay
from dvc_payment.adapters.providers.base import CallbackInput, CallbackRejected, CheckoutRequest, HttpPort

NOW = clock.now()  # every message below is dated from it: verified at NOW, however long the run takes
VNP_SECRET, MOMO_SECRET, MOMO_ACCESS, PAYGOV_SECRET = (
    "vnp-secret",
    "momo-secret",
    "momo-access",
    "paygov-secret",
)


def vnpay_provider() -> vnpay.VnpayProvider:
    return vnpay.VnpayProvider(
        tmn_code="TMN01", hash_secret=VNP_SECRET, pay_url="/sandbox/vnpay/pay", api_url="/x", http=HttpPort(1),
        max_age_s=900,
    )  # fmt: skip


def momo_provider() -> momo.MomoProvider:
    return momo.MomoProvider(
        partner_code="MOMO01", access_key=MOMO_ACCESS, secret_key=MOMO_SECRET, endpoint="/x", http=HttpPort(1),
        max_age_s=900,
    )  # fmt: skip


def paygov_provider() -> paygov.PaygovProvider:
    return paygov.PaygovProvider(
        merchant_id="DVC", secret=PAYGOV_SECRET, endpoint="/x", http=HttpPort(1), max_age_s=900
    )


# --- VNPay-like: HMAC-SHA512 over the sorted, URL-encoded vnp_* parameters ---------------------------------


def test_vnpay_hash_is_hmac_sha512_over_sorted_urlencoded_params() -> None:
    params = {
        "vnp_TxnRef": "A1",
        "vnp_Amount": "1000000",
        "vnp_OrderInfo": "Lệ phí trước bạ",
        "vnp_Empty": "",
    }
    data = "vnp_Amount=1000000&vnp_OrderInfo=L%E1%BB%87+ph%C3%AD+tr%C6%B0%E1%BB%9Bc+b%E1%BA%A1&vnp_TxnRef=A1"
    assert vnpay.hash_data(params) == data
    assert (
        vnpay.secure_hash(params, VNP_SECRET)
        == hmac.new(VNP_SECRET.encode(), data.encode(), hashlib.sha512).hexdigest()
    )


def vnpay_ipn(**overrides: str) -> dict[str, str]:
    params = {
        "vnp_TmnCode": "TMN01",
        "vnp_Amount": "13500000",
        "vnp_BankCode": "NCB",
        "vnp_PayDate": vnpay.vnp_time(NOW),
        "vnp_OrderInfo": "Lệ phí đổi GPLX",
        "vnp_TransactionNo": "14012345",
        "vnp_ResponseCode": "00",
        "vnp_TransactionStatus": "00",
        "vnp_TxnRef": "DVCREF0001",
    } | overrides
    return dict(parse_qsl(vnpay.signed_query(params, VNP_SECRET)))


def _vnp(params: dict[str, str]) -> CallbackInput:
    return CallbackInput("GET", params, {}, b"")


def test_vnpay_genuine_ipn_is_accepted() -> None:
    n = vnpay_provider().verify_callback(_vnp(vnpay_ipn()), NOW)
    assert (n.ref, n.outcome, n.amount_vnd, n.provider_txn_id) == (
        "DVCREF0001",
        "success",
        135_000,
        "14012345",
    )


def test_vnpay_declined_and_cancelled_are_failures_with_a_reason() -> None:
    p = vnpay_provider()
    assert (
        p.verify_callback(_vnp(vnpay_ipn(vnp_ResponseCode="51", vnp_TransactionStatus="02")), NOW).reason
        == "insufficient_funds"
    )
    assert (
        p.verify_callback(_vnp(vnpay_ipn(vnp_ResponseCode="24", vnp_TransactionStatus="02")), NOW).reason
        == "cancelled"
    )


@pytest.mark.parametrize(
    "forge",
    [
        lambda q: q | {"vnp_Amount": "100"},  # amount changed after signing
        lambda q: q | {"vnp_ResponseCode": "00", "vnp_TxnRef": "DVCOTHER"},  # another order
        lambda q: {k: v for k, v in q.items() if k != "vnp_SecureHash"},  # unsigned
        lambda q: q | {"vnp_SecureHash": "0" * 128},
    ],
)
def test_vnpay_forged_ipn_is_refused(forge: object) -> None:
    with pytest.raises(CallbackRejected) as info:
        vnpay_provider().verify_callback(_vnp(forge(vnpay_ipn())), NOW)  # type: ignore[operator]
    assert info.value.reason == "bad_signature"


def test_vnpay_ipn_signed_with_another_secret_is_refused() -> None:
    params = vnpay_ipn()
    other = dict(
        parse_qsl(vnpay.signed_query({k: v for k, v in params.items() if k != "vnp_SecureHash"}, "guess"))
    )
    with pytest.raises(CallbackRejected, match="does not match"):
        vnpay_provider().verify_callback(_vnp(other), NOW)


def test_vnpay_replayed_long_after_is_stale_and_another_merchant_is_refused() -> None:
    with pytest.raises(CallbackRejected) as stale:
        vnpay_provider().verify_callback(
            _vnp(vnpay_ipn(vnp_PayDate=vnpay.vnp_time(NOW - timedelta(hours=2)))), NOW
        )
    assert stale.value.reason == "stale"
    with pytest.raises(CallbackRejected) as other:
        vnpay_provider().verify_callback(_vnp(vnpay_ipn(vnp_TmnCode="EVIL")), NOW)
    assert other.value.reason == "wrong_merchant"


async def test_vnpay_checkout_url_is_signed_and_carries_the_amount_x100() -> None:
    req = CheckoutRequest(
        ref="DVCREF0002", payment_id="pay_1", amount_vnd=135_000, description="Lệ phí đổi GPLX",
        return_url="http://portal/payments/pay_1/result", notify_url="/callbacks/vnpay", created_at=NOW,
        expires_at=NOW + timedelta(minutes=90), client_ip="10.0.0.1",
    )  # fmt: skip
    url = (await vnpay_provider().checkout(req)).pay_url
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.query))
    assert parts.path == "/sandbox/vnpay/pay/DVCREF0002"
    assert params["vnp_Amount"] == "13500000" and params["vnp_TxnRef"] == "DVCREF0002"
    assert params["vnp_ReturnUrl"] == "http://portal/payments/pay_1/result"
    assert vnpay.verify_params(params, VNP_SECRET)


# --- MoMo-like: HMAC-SHA256 over key=value pairs in a fixed order ------------------------------------------


def momo_ipn(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "partnerCode": "MOMO01",
        "orderId": "DVCREF0003",
        "requestId": "req-1",
        "amount": 135_000,
        "orderInfo": "Lệ phí đổi GPLX",
        "orderType": "momo_wallet",
        "transId": 4000001234,
        "resultCode": 0,
        "message": "Thành công.",
        "payType": "qr",
        "responseTime": int(NOW.timestamp() * 1000),
        "extraData": "",
    } | overrides
    body["signature"] = momo.sign(body, momo.IPN_FIELDS, MOMO_ACCESS, MOMO_SECRET)
    return body


def _momo(body: dict[str, object]) -> CallbackInput:
    return CallbackInput("POST", {}, {"content-type": "application/json"}, json.dumps(body).encode())


def test_momo_raw_signature_uses_the_fixed_field_order() -> None:
    raw = momo.raw_signature(momo_ipn(), momo.IPN_FIELDS, MOMO_ACCESS)
    assert raw.startswith(
        "accessKey=momo-access&amount=135000&extraData=&message=Thành công.&orderId=DVCREF0003&"
    )
    assert raw.endswith("&resultCode=0&transId=4000001234")


def test_momo_genuine_ipn_is_accepted() -> None:
    n = momo_provider().verify_callback(_momo(momo_ipn()), NOW)
    assert (n.ref, n.outcome, n.amount_vnd, n.provider_txn_id) == (
        "DVCREF0003",
        "success",
        135_000,
        "4000001234",
    )
    assert momo_provider().verify_callback(_momo(momo_ipn(resultCode=1006)), NOW).reason == "cancelled"


def test_momo_forged_ipn_is_refused() -> None:
    forged = momo_ipn() | {"amount": 1_000}
    with pytest.raises(CallbackRejected) as info:
        momo_provider().verify_callback(_momo(forged), NOW)
    assert info.value.reason == "bad_signature"
    unsigned = {k: v for k, v in momo_ipn().items() if k != "signature"}
    with pytest.raises(CallbackRejected):
        momo_provider().verify_callback(_momo(unsigned), NOW)
    with pytest.raises(CallbackRejected) as garbage:
        momo_provider().verify_callback(CallbackInput("POST", {}, {}, b"not json"), NOW)
    assert garbage.value.reason == "malformed"


def test_momo_replayed_an_hour_later_is_stale() -> None:
    old = momo_ipn(responseTime=int((NOW.timestamp() - 3600) * 1000))
    with pytest.raises(CallbackRejected) as info:
        momo_provider().verify_callback(_momo(old), NOW)
    assert info.value.reason == "stale"


def test_momo_ipn_of_another_partner_is_refused() -> None:
    with pytest.raises(CallbackRejected) as info:
        momo_provider().verify_callback(_momo(momo_ipn(partnerCode="OTHER")), NOW)
    assert info.value.reason == "wrong_merchant"


# --- PayGov-like: X-PayGov-Signature = HMAC-SHA256("{ts}.{nonce}.{body}") ----------------------------------


def paygov_notice(at: float | None = None, **overrides: object) -> tuple[dict[str, str], bytes]:
    body = paygov.dumps(
        {
            "merchant_id": "DVC",
            "order_ref": "DVCREF0004",
            "transaction_id": "PG000000001",
            "amount": 4_000_000,
            "status": "SUCCESS",
            "paid_at": NOW.isoformat(),
        }
        | overrides
    )
    return paygov.signed_headers(PAYGOV_SECRET, "DVC", body, at=NOW.timestamp() if at is None else at), body


def test_paygov_signature_is_hmac_sha256_of_timestamp_nonce_body() -> None:
    headers, body = paygov_notice()
    message = f"{headers['x-paygov-timestamp']}.{headers['x-paygov-nonce']}.{body.decode()}"
    expected = hmac.new(PAYGOV_SECRET.encode(), message.encode(), hashlib.sha256).hexdigest()
    assert headers["x-paygov-signature"] == expected


def test_paygov_genuine_notification_is_accepted_with_its_nonce_as_replay_key() -> None:
    headers, body = paygov_notice()
    n = paygov_provider().verify_callback(CallbackInput("POST", {}, headers, body), NOW)
    assert (n.ref, n.outcome, n.amount_vnd) == ("DVCREF0004", "success", 4_000_000)
    assert n.dedup_keys == (f"nonce:{headers['x-paygov-nonce']}",)


def test_paygov_forged_body_or_header_is_refused() -> None:
    headers, body = paygov_notice()
    tampered = body.replace(b"4000000", b"4000")
    for h, b in ((headers, tampered), (headers | {"x-paygov-nonce": "other"}, body), ({}, body)):
        with pytest.raises(CallbackRejected) as info:
            paygov_provider().verify_callback(CallbackInput("POST", {}, h, b), NOW)
        assert info.value.reason == "bad_signature"


def test_paygov_replayed_with_an_old_timestamp_is_stale() -> None:
    headers, body = paygov_notice(at=NOW.timestamp() - 3600)
    with pytest.raises(CallbackRejected) as info:
        paygov_provider().verify_callback(CallbackInput("POST", {}, headers, body), NOW)
    assert info.value.reason == "stale"
