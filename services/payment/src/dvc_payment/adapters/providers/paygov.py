"""The national payment platform, shaped like PayGov (Nền tảng thanh toán trực tuyến quốc gia).

JSON over HTTPS, every request and answer signed in headers:

    X-PayGov-Merchant:  merchant id
    X-PayGov-Timestamp: unix seconds
    X-PayGov-Nonce:     random, never reused
    X-PayGov-Signature: hex HMAC-SHA256(secret, "{timestamp}.{nonce}.{body}")

- ``POST /api/v1/payments`` creates an order → ``payment_url``;
- the platform calls ``notify_url`` (``POST /callbacks/paygov``) with ``{order_ref, transaction_id, amount,
  status: SUCCESS|FAILED|CANCELLED, reason_code, paid_at}``; a nonce seen before or a timestamp outside the
  window is a replay;
- ``GET /api/v1/payments/{order_ref}`` answers the order's status (CREATED, PROCESSING, SUCCESS, FAILED,
  CANCELLED, NOT_FOUND);
- ``POST /api/v1/refunds`` refunds (idempotent by ``refund_ref``).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from dvc_contracts import clock
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
from dvckit.problems import problem_body

H_MERCHANT, H_TS, H_NONCE, H_SIG = (
    "x-paygov-merchant",
    "x-paygov-timestamp",
    "x-paygov-nonce",
    "x-paygov-signature",
)


def signature(secret: str, timestamp: str, nonce: str, body: bytes | str) -> str:
    """Over the bytes as received: a body that is not UTF-8 is then refused as malformed, not a crash."""
    raw = body.encode() if isinstance(body, str) else body
    return hmac_hex(secret, f"{timestamp}.{nonce}.".encode() + raw, "sha256")


def signed_headers(
    secret: str, merchant_id: str, body: bytes | str, *, at: float | None = None
) -> dict[str, str]:
    ts, nonce = str(int(at if at is not None else clock.now().timestamp())), secrets.token_hex(16)
    return {
        H_MERCHANT: merchant_id,
        H_TS: ts,
        H_NONCE: nonce,
        H_SIG: signature(secret, ts, nonce, body),
        "content-type": "application/json",
    }


def verify_headers(
    secret: str, headers: Mapping[str, str], body: bytes, now: datetime, max_age: timedelta
) -> tuple[str, datetime]:
    """Check signature then freshness; returns (nonce, signed at). Raises CallbackRejected."""
    h = {k.lower(): v for k, v in headers.items()}
    ts, nonce = h.get(H_TS, ""), h.get(H_NONCE, "")
    if not ts or not nonce or not same_signature(signature(secret, ts, nonce, body), h.get(H_SIG)):
        raise CallbackRejected("bad_signature", "X-PayGov-Signature does not match")
    try:
        signed_at = datetime.fromtimestamp(int(ts), now.tzinfo)
    except (ValueError, OverflowError) as exc:
        raise CallbackRejected("malformed", "X-PayGov-Timestamp is not unix seconds") from exc
    if signed_at < now - max_age or signed_at > now + timedelta(minutes=5):
        raise CallbackRejected("stale", "X-PayGov-Timestamp outside the accepted window")
    return nonce, signed_at


def dumps(body: Mapping[str, object]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


FAILURE_STATUSES = {"FAILED": "declined", "CANCELLED": "cancelled", "EXPIRED": "timeout"}
REFUSAL_TEXT = {
    "replayed": "Thông báo này đã được xử lý.",
    "unknown_ref": "Không tìm thấy đơn hàng.",
    "amount_mismatch": "Số tiền không khớp với đơn hàng.",
    "bad_signature": "Chữ ký không hợp lệ.",
    "stale": "Thông báo đã quá hạn.",
    "malformed": "Nội dung thông báo không hợp lệ (phải là JSON UTF-8).",
    "wrong_merchant": "Sai mã đơn vị chấp nhận thanh toán.",
}


class PaygovProvider:
    name = "paygov"
    display_name = "Nền tảng thanh toán quốc gia (PayGov)"

    def __init__(
        self, *, merchant_id: str, secret: str, endpoint: str, http: HttpPort, max_age_s: int
    ) -> None:
        self._merchant = merchant_id
        self._secret = secret
        self._endpoint = endpoint.rstrip("/")
        self._http = http
        self._max_age = timedelta(seconds=max_age_s)

    async def _call(
        self, method: str, path: str, body: Mapping[str, object] | None, what: str
    ) -> dict[str, object]:
        raw = dumps(body) if body is not None else b""
        resp = await self._http.request(
            method,
            f"{self._endpoint}{path}",
            content=raw,
            headers=signed_headers(self._secret, self._merchant, raw),
        )
        if resp.status_code >= 500:
            raise ProviderError(f"{what}: HTTP {resp.status_code}")
        try:
            verify_headers(self._secret, dict(resp.headers), resp.content, clock.now(), self._max_age)
        except CallbackRejected as exc:
            raise ProviderError(f"{what}: answer {exc.reason}") from exc
        return json_or_error(resp, what)

    async def checkout(self, req: CheckoutRequest) -> Checkout:
        answer = await self._call(
            "POST",
            "/api/v1/payments",
            {
                "merchant_id": self._merchant,
                "order_ref": req.ref,
                "amount": req.amount_vnd,
                "currency": "VND",
                "description": req.description[:255],
                "return_url": req.return_url,
                "notify_url": req.notify_url,
                "expires_at": req.expires_at.isoformat(),
            },
            "paygov create",
        )
        if not answer.get("payment_url"):
            raise ProviderError(f"paygov create: {answer.get('error') or 'no payment_url'}")
        return Checkout(pay_url=str(answer["payment_url"]))

    def verify_callback(self, cb: CallbackInput, now: datetime) -> Notice:
        nonce, _ = verify_headers(self._secret, cb.headers, cb.body, now, self._max_age)
        try:
            body = json.loads(cb.body)
            ref, amount, status = str(body["order_ref"]), body["amount"], str(body["status"])
            paid_at = datetime.fromisoformat(body["paid_at"]) if body.get("paid_at") else None
        except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise CallbackRejected("malformed", f"missing or invalid field: {exc}") from exc
        if body.get("merchant_id") != self._merchant:
            raise CallbackRejected("wrong_merchant", "merchant_id is not ours")
        if not isinstance(amount, int) or isinstance(amount, bool):
            raise CallbackRejected("malformed", "amount is not an integer")
        notice = self._notice(
            ref, status, amount, body.get("transaction_id"), paid_at, body.get("reason_code")
        )
        return replace(notice, dedup_keys=(f"nonce:{nonce}",))

    def _notice(
        self, ref: str, status: str, amount: int, txn: object, at: datetime | None, reason_code: object = None
    ) -> Notice:
        if status == "SUCCESS":
            outcome, reason = "success", None
        elif status in ("CREATED", "PROCESSING", "NOT_FOUND"):
            outcome, reason = "pending", "not_found" if status == "NOT_FOUND" else None
        else:
            outcome, reason = "failed", str(reason_code or FAILURE_STATUSES.get(status, "declined"))
        return Notice(
            ref=ref,
            outcome=outcome,  # type: ignore[arg-type]
            amount_vnd=amount,
            provider_txn_id=str(txn) if txn else None,
            reason=reason,
            occurred_at=at,
        )

    def callback_reply(self, outcome: str) -> tuple[int, dict[str, object] | None]:
        """200 ``{"status": "ok"}``; a refusal in the service's one error format (the platform reads the status:
        200 and 409 are final, anything else is retried)."""
        status = {"applied": 200, "ignored": 200, "replayed": 409, "unknown_ref": 404}.get(outcome, 400)
        if status == 200:
            return status, {"status": "ok"}
        message = REFUSAL_TEXT.get(outcome, "Thông báo thanh toán không hợp lệ.")
        return status, problem_body(status, outcome, message)

    async def query(self, attempt: AttemptInfo) -> Notice:
        answer = await self._call("GET", f"/api/v1/payments/{attempt.ref}", None, "paygov status")
        paid_at = answer.get("paid_at")
        return self._notice(
            attempt.ref,
            str(answer.get("status")),
            int(str(answer.get("amount") or 0)),
            answer.get("transaction_id"),
            datetime.fromisoformat(str(paid_at)) if paid_at else None,
            answer.get("reason_code"),
        )

    async def refund(
        self, attempt: AttemptInfo, refund_id: str, amount_vnd: int, reason: str
    ) -> RefundResult:
        answer = await self._call(
            "POST",
            "/api/v1/refunds",
            {
                "merchant_id": self._merchant,
                "refund_ref": refund_id,
                "order_ref": attempt.ref,
                "transaction_id": attempt.provider_txn_id,
                "amount": amount_vnd,
                "reason": reason[:255],
            },
            "paygov refund",
        )
        if answer.get("status") == "SUCCESS":
            return RefundResult(ok=True, provider_refund_id=str(answer.get("refund_id") or "") or None)
        return RefundResult(ok=False, reason=f"paygov_{answer.get('reason_code') or 'rejected'}")
