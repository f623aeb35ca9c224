"""A bank redirect gateway shaped like VNPay (API 2.1.0).

- Pay: the citizen's browser is sent to ``{pay_url}/{ref}?vnp_…&vnp_SecureHash=…``; the hash is HMAC-SHA512
  over the ``vnp_*`` parameters sorted by name, ``k=v`` URL-encoded (quote_plus) and joined with ``&``.
- IPN: the gateway calls the merchant with ``GET /callbacks/vnpay?vnp_…&vnp_SecureHash=…`` (same scheme); the
  merchant answers ``{"RspCode": "00", "Message": "Confirm Success"}`` (97 bad signature, 01 order not found,
  02 already confirmed, 04 invalid amount, 99 other).
- querydr / refund: JSON POST to the merchant web API; requests and answers are signed with HMAC-SHA512 over
  their fields joined with ``|`` in a fixed order.

Amounts travel ×100 (``vnp_Amount=13500000`` is 135.000 ₫); times are ``yyyyMMddHHmmss`` in GMT+7.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from urllib.parse import quote_plus

from dvc_contracts import clock
from dvc_contracts.clock import VN_TZ
from dvc_payment.adapters.providers.base import (
    AttemptInfo,
    CallbackInput,
    CallbackRejected,
    Checkout,
    CheckoutRequest,
    HttpPort,
    Notice,
    ProviderError,
    RefundResult,
    hmac_hex,
    json_or_error,
    same_signature,
)

VERSION = "2.1.0"
HASH_FIELDS_EXCLUDED = ("vnp_SecureHash", "vnp_SecureHashType")
QUERY_REQUEST_FIELDS = (
    "vnp_RequestId", "vnp_Version", "vnp_Command", "vnp_TmnCode", "vnp_TxnRef", "vnp_TransactionDate",
    "vnp_CreateDate", "vnp_IpAddr", "vnp_OrderInfo",
)  # fmt: skip
REFUND_REQUEST_FIELDS = (
    "vnp_RequestId", "vnp_Version", "vnp_Command", "vnp_TmnCode", "vnp_TransactionType", "vnp_TxnRef",
    "vnp_Amount", "vnp_TransactionNo", "vnp_TransactionDate", "vnp_CreateBy", "vnp_CreateDate", "vnp_IpAddr",
    "vnp_OrderInfo",
)  # fmt: skip
RESPONSE_FIELDS = (
    "vnp_ResponseId", "vnp_Command", "vnp_ResponseCode", "vnp_Message", "vnp_TmnCode", "vnp_TxnRef",
    "vnp_Amount", "vnp_BankCode", "vnp_PayDate", "vnp_TransactionNo", "vnp_TransactionType",
    "vnp_TransactionStatus", "vnp_OrderInfo",
)  # fmt: skip
# vnp_ResponseCode of a payment → our failure reason.
FAILURE_CODES = {"24": "cancelled", "51": "insufficient_funds", "11": "timeout", "12": "card_locked"}
REASON_CODES = {v: k for k, v in FAILURE_CODES.items()}


def vnp_time(at: datetime) -> str:
    return at.astimezone(VN_TZ).strftime("%Y%m%d%H%M%S")


def parse_vnp_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=VN_TZ)


def hash_data(params: Mapping[str, str]) -> str:
    return "&".join(
        f"{k}={quote_plus(str(v))}"
        for k, v in sorted(params.items())
        if k.startswith("vnp_") and k not in HASH_FIELDS_EXCLUDED and v not in ("", None)
    )


def secure_hash(params: Mapping[str, str], secret: str) -> str:
    return hmac_hex(secret, hash_data(params), "sha512")


def signed_query(params: Mapping[str, str], secret: str) -> str:
    """The query string of a redirect or an IPN: the hashed data plus ``vnp_SecureHash``."""
    return f"{hash_data(params)}&vnp_SecureHash={secure_hash(params, secret)}"


def verify_params(params: Mapping[str, str], secret: str) -> bool:
    return same_signature(secure_hash(params, secret), params.get("vnp_SecureHash"))


def pipe_hash(values: Mapping[str, object], fields: tuple[str, ...], secret: str) -> str:
    return hmac_hex(secret, "|".join(str(values.get(f, "")) for f in fields), "sha512")


class VnpayProvider:
    name = "vnpay"
    display_name = "VNPAY (thẻ ATM / Internet Banking / QR)"

    def __init__(
        self, *, tmn_code: str, hash_secret: str, pay_url: str, api_url: str, http: HttpPort, max_age_s: int
    ) -> None:
        self._tmn = tmn_code
        self._secret = hash_secret
        self._pay_url = pay_url.rstrip("/")
        self._api_url = api_url
        self._http = http
        self._max_age = timedelta(seconds=max_age_s)

    async def checkout(self, req: CheckoutRequest) -> Checkout:
        params = {
            "vnp_Version": VERSION,
            "vnp_Command": "pay",
            "vnp_TmnCode": self._tmn,
            "vnp_Amount": str(req.amount_vnd * 100),
            "vnp_CurrCode": "VND",
            "vnp_TxnRef": req.ref,
            "vnp_OrderInfo": req.description[:255],
            "vnp_OrderType": "other",
            "vnp_Locale": "vn",
            "vnp_ReturnUrl": req.return_url,
            "vnp_IpAddr": req.client_ip,
            "vnp_CreateDate": vnp_time(req.created_at),
            "vnp_ExpireDate": vnp_time(req.expires_at),
        }
        return Checkout(pay_url=f"{self._pay_url}/{req.ref}?{signed_query(params, self._secret)}")

    def verify_callback(self, cb: CallbackInput, now: datetime) -> Notice:
        params = dict(cb.query)
        if not verify_params(params, self._secret):
            raise CallbackRejected("bad_signature", "vnp_SecureHash does not match")
        try:
            ref = params["vnp_TxnRef"]
            raw_amount = int(params["vnp_Amount"])
            code, status = params["vnp_ResponseCode"], params.get("vnp_TransactionStatus", "")
            txn = params.get("vnp_TransactionNo") or None
            paid_at = parse_vnp_time(params["vnp_PayDate"])
        except (KeyError, ValueError) as exc:
            raise CallbackRejected("malformed", f"missing or invalid field: {exc}") from exc
        if params.get("vnp_TmnCode") != self._tmn:
            raise CallbackRejected("wrong_merchant", "vnp_TmnCode is not ours")
        if paid_at < now - self._max_age or paid_at > now + timedelta(minutes=5):
            raise CallbackRejected("stale", "vnp_PayDate outside the accepted window")
        if code == "00" and status == "00":
            outcome, reason = "success", None
        else:
            outcome, reason = "failed", FAILURE_CODES.get(code, "declined")
        return Notice(
            ref=ref,
            outcome=outcome,  # type: ignore[arg-type]
            amount_vnd=raw_amount // 100 if raw_amount % 100 == 0 else -1,
            provider_txn_id=txn,
            reason=reason,
            occurred_at=paid_at,
        )

    def callback_reply(self, outcome: str) -> tuple[int, dict[str, object] | None]:
        code, status, message = {
            "applied": ("00", 200, "Confirm Success"),
            "ignored": ("00", 200, "Confirm Success"),
            "replayed": ("02", 409, "Order already confirmed"),
            "unknown_ref": ("01", 404, "Order not found"),
            "amount_mismatch": ("04", 400, "Invalid amount"),
            "bad_signature": ("97", 400, "Invalid signature"),
        }.get(outcome, ("99", 400, "Unknown error"))
        return status, {"RspCode": code, "Message": message}

    def _base_request(self, command: str, request_id: str, now: datetime) -> dict[str, str]:
        return {
            "vnp_RequestId": request_id,
            "vnp_Version": VERSION,
            "vnp_Command": command,
            "vnp_TmnCode": self._tmn,
            "vnp_CreateDate": vnp_time(now),
            "vnp_IpAddr": "127.0.0.1",
        }

    async def _call(self, body: dict[str, str], what: str) -> dict[str, object]:
        resp = await self._http.request("POST", self._api_url, json=body)
        answer = json_or_error(resp, what)
        if not same_signature(
            pipe_hash(answer, RESPONSE_FIELDS, self._secret), str(answer.get("vnp_SecureHash"))
        ):
            raise ProviderError(f"{what}: answer signature does not match")
        return answer

    async def query(self, attempt: AttemptInfo) -> Notice:
        now = clock.vn_now()
        body = self._base_request("querydr", uuid.uuid4().hex[:32], now) | {
            "vnp_TxnRef": attempt.ref,
            "vnp_OrderInfo": f"Truy van {attempt.ref}",
            "vnp_TransactionDate": vnp_time(attempt.created_at),
        }
        body["vnp_SecureHash"] = pipe_hash(body, QUERY_REQUEST_FIELDS, self._secret)
        answer = await self._call(body, "vnpay querydr")
        if answer.get("vnp_ResponseCode") == "91":
            return Notice(ref=attempt.ref, outcome="pending", reason="not_found")
        if answer.get("vnp_ResponseCode") != "00":
            raise ProviderError(f"vnpay querydr: response code {answer.get('vnp_ResponseCode')}")
        status = str(answer.get("vnp_TransactionStatus"))
        outcome = {"00": "success", "01": "pending"}.get(status, "failed")
        pay_date = str(answer.get("vnp_PayDate") or "")
        return Notice(
            ref=attempt.ref,
            outcome=outcome,  # type: ignore[arg-type]
            amount_vnd=int(str(answer.get("vnp_Amount") or 0)) // 100,
            provider_txn_id=str(answer.get("vnp_TransactionNo") or "") or None,
            reason=None if outcome != "failed" else "declined",
            occurred_at=parse_vnp_time(pay_date) if pay_date else None,
        )

    async def refund(
        self, attempt: AttemptInfo, refund_id: str, amount_vnd: int, reason: str
    ) -> RefundResult:
        now = clock.vn_now()
        body = self._base_request("refund", refund_id, now) | {
            "vnp_TransactionType": "02" if amount_vnd == attempt.amount_vnd else "03",
            "vnp_TxnRef": attempt.ref,
            "vnp_Amount": str(amount_vnd * 100),
            "vnp_OrderInfo": f"Hoan tien {attempt.ref}",
            "vnp_TransactionNo": attempt.provider_txn_id or "",
            "vnp_TransactionDate": vnp_time(attempt.created_at),
            "vnp_CreateBy": "dvc-payment",
        }
        body["vnp_SecureHash"] = pipe_hash(body, REFUND_REQUEST_FIELDS, self._secret)
        answer = await self._call(body, "vnpay refund")
        if answer.get("vnp_ResponseCode") == "00":
            return RefundResult(
                ok=True, provider_refund_id=str(answer.get("vnp_TransactionNo") or "") or None
            )
        return RefundResult(ok=False, reason=f"vnpay_{answer.get('vnp_ResponseCode')}")
