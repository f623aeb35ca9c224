"""An e-wallet shaped like MoMo (payment gateway API v2, captureWallet).

JSON over HTTPS. Every request and answer carries ``signature`` = HMAC-SHA256 (hex, secret key) over
``key=value`` pairs joined with ``&`` in a fixed order (always including ``accessKey``):

- create:   accessKey amount extraData ipnUrl orderId orderInfo partnerCode redirectUrl requestId requestType
- IPN:      accessKey amount extraData message orderId orderInfo orderType partnerCode payType requestId
            responseTime resultCode transId                       (the merchant answers 204 No Content)
- query:    accessKey orderId partnerCode requestId
- refund:   accessKey amount description orderId partnerCode requestId transId
- answers of query/refund: accessKey amount extraData message orderId partnerCode payType requestId
            responseTime resultCode transId

``resultCode`` 0 is success; 1000 initiated, 7000/7002 processing; 1006 declined by the user; 1001
insufficient funds; 1005 expired; 42 order not found.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

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

CREATE_FIELDS = (
    "accessKey", "amount", "extraData", "ipnUrl", "orderId", "orderInfo", "partnerCode", "redirectUrl",
    "requestId", "requestType",
)  # fmt: skip
IPN_FIELDS = (
    "accessKey", "amount", "extraData", "message", "orderId", "orderInfo", "orderType", "partnerCode",
    "payType", "requestId", "responseTime", "resultCode", "transId",
)  # fmt: skip
QUERY_FIELDS = ("accessKey", "orderId", "partnerCode", "requestId")
REFUND_FIELDS = ("accessKey", "amount", "description", "orderId", "partnerCode", "requestId", "transId")
ANSWER_FIELDS = (
    "accessKey", "amount", "extraData", "message", "orderId", "partnerCode", "payType", "requestId",
    "responseTime", "resultCode", "transId",
)  # fmt: skip
FAILURE_CODES = {1006: "cancelled", 1001: "insufficient_funds", 1005: "timeout", 1003: "cancelled"}
REASON_CODES = {"cancelled": 1006, "insufficient_funds": 1001, "timeout": 1005}
PENDING_CODES = {1000, 7000, 7002, 42}


def raw_signature(values: Mapping[str, object], fields: tuple[str, ...], access_key: str) -> str:
    merged = {**values, "accessKey": access_key}
    return "&".join(f"{f}={'' if merged.get(f) is None else merged.get(f)}" for f in fields)


def sign(values: Mapping[str, object], fields: tuple[str, ...], access_key: str, secret: str) -> str:
    return hmac_hex(secret, raw_signature(values, fields, access_key), "sha256")


def refund_order_id(refund_id: str) -> str:
    """MoMo order ids are ≤ 50 characters of [0-9a-zA-Z-_.]: derive one per refund id."""
    return "RF" + hashlib.sha256(refund_id.encode()).hexdigest()[:30]


class MomoProvider:
    name = "momo"
    display_name = "Ví MoMo"

    def __init__(
        self,
        *,
        partner_code: str,
        access_key: str,
        secret_key: str,
        endpoint: str,
        http: HttpPort,
        max_age_s: int,
    ) -> None:
        self._partner = partner_code
        self._access = access_key
        self._secret = secret_key
        self._endpoint = endpoint.rstrip("/")
        self._http = http
        self._max_age = timedelta(seconds=max_age_s)

    def _sign(self, values: Mapping[str, object], fields: tuple[str, ...]) -> str:
        return sign(values, fields, self._access, self._secret)

    async def _post(
        self, path: str, body: dict[str, object], what: str, *, signed_answer: bool
    ) -> dict[str, object]:
        resp = await self._http.request("POST", f"{self._endpoint}{path}", json=body)
        answer = json_or_error(resp, what)
        if signed_answer and not same_signature(
            self._sign(answer, ANSWER_FIELDS), str(answer.get("signature"))
        ):
            raise ProviderError(f"{what}: answer signature does not match")
        return answer

    async def checkout(self, req: CheckoutRequest) -> Checkout:
        body: dict[str, object] = {
            "partnerCode": self._partner,
            "requestId": uuid.uuid4().hex,
            "amount": req.amount_vnd,
            "orderId": req.ref,
            "orderInfo": req.description[:255],
            "redirectUrl": req.return_url,
            "ipnUrl": req.notify_url,
            "requestType": "captureWallet",
            "extraData": "",
            "lang": "vi",
        }
        body["signature"] = self._sign(body, CREATE_FIELDS)
        answer = await self._post("/v2/gateway/api/create", body, "momo create", signed_answer=False)
        if answer.get("resultCode") != 0 or not answer.get("payUrl"):
            raise ProviderError(f"momo create: resultCode {answer.get('resultCode')}")
        return Checkout(pay_url=str(answer["payUrl"]))

    def verify_callback(self, cb: CallbackInput, now: datetime) -> Notice:
        try:
            body = json.loads(cb.body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CallbackRejected("malformed", "body is not JSON") from exc
        if not isinstance(body, dict):
            raise CallbackRejected("malformed", "body is not a JSON object")
        if not same_signature(self._sign(body, IPN_FIELDS), body.get("signature")):
            raise CallbackRejected("bad_signature", "signature does not match")
        try:
            ref = str(body["orderId"])
            amount = body["amount"]
            code = int(body["resultCode"])
            sent_at = datetime.fromtimestamp(int(body["responseTime"]) / 1000, UTC)
            trans_id = str(body.get("transId") or "") or None
        except (KeyError, TypeError, ValueError) as exc:
            raise CallbackRejected("malformed", f"missing or invalid field: {exc}") from exc
        if body.get("partnerCode") != self._partner:
            raise CallbackRejected("wrong_merchant", "partnerCode is not ours")
        if not isinstance(amount, int) or isinstance(amount, bool):
            raise CallbackRejected("malformed", "amount is not an integer")
        if sent_at < now - self._max_age or sent_at > now + timedelta(minutes=5):
            raise CallbackRejected("stale", "responseTime outside the accepted window")
        # responseTime dates the message, not the payment: MoMo does not say when the money moved
        return self._notice(ref, code, amount, trans_id, request_id=str(body.get("requestId")))

    def _notice(
        self,
        ref: str,
        code: int,
        amount: int,
        trans_id: str | None,
        *,
        request_id: str = "",
    ) -> Notice:
        if code == 0:
            outcome, reason = "success", None
        elif code in PENDING_CODES:
            outcome, reason = "pending", "not_found" if code == 42 else None
        else:
            outcome, reason = "failed", FAILURE_CODES.get(code, "declined")
        return Notice(
            ref=ref,
            outcome=outcome,  # type: ignore[arg-type]
            amount_vnd=amount,
            provider_txn_id=trans_id,
            reason=reason,
            dedup_keys=(f"request:{request_id}",) if request_id else (),
        )

    def callback_reply(self, outcome: str) -> tuple[int, dict[str, object] | None]:
        if outcome in ("applied", "ignored"):
            return 204, None
        status, code = {
            "replayed": (409, 41),
            "unknown_ref": (404, 42),
            "amount_mismatch": (400, 22),
            "bad_signature": (400, 11),
        }.get(outcome, (400, 99))
        return status, {"resultCode": code, "message": outcome}

    async def query(self, attempt: AttemptInfo) -> Notice:
        body: dict[str, object] = {
            "partnerCode": self._partner,
            "requestId": uuid.uuid4().hex,
            "orderId": attempt.ref,
            "lang": "vi",
        }
        body["signature"] = self._sign(body, QUERY_FIELDS)
        answer = await self._post("/v2/gateway/api/query", body, "momo query", signed_answer=True)
        try:
            code, amount = int(str(answer["resultCode"])), int(str(answer.get("amount") or 0))
        except (KeyError, ValueError) as exc:
            raise ProviderError("momo query: invalid answer") from exc
        trans = str(answer.get("transId") or "") or None
        return self._notice(attempt.ref, code, amount, trans)

    async def refund(
        self, attempt: AttemptInfo, refund_id: str, amount_vnd: int, reason: str
    ) -> RefundResult:
        body: dict[str, object] = {
            "partnerCode": self._partner,
            "orderId": refund_order_id(refund_id),
            "requestId": refund_order_id(refund_id),
            "amount": amount_vnd,
            "transId": attempt.provider_txn_id or "",
            "lang": "vi",
            "description": reason[:255],
        }
        body["signature"] = self._sign(body, REFUND_FIELDS)
        answer = await self._post("/v2/gateway/api/refund", body, "momo refund", signed_answer=True)
        if answer.get("resultCode") == 0:
            return RefundResult(ok=True, provider_refund_id=str(answer.get("transId") or "") or None)
        return RefundResult(ok=False, reason=f"momo_{answer.get('resultCode')}")
