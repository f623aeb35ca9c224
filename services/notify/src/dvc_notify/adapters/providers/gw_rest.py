"""``gw-rest``: a JSON REST brandname gateway with an API key (the shape of eSMS-style Vietnamese APIs).

Send::

    POST {base}/v1/sms            X-Api-Key: <key>
    {"brandname": "CONG DVC", "phone": "84912345678", "content": "…", "unicode": true,
     "request_id": "<our message id>", "callback_url": "https://…/providers/gw-rest/receipts"}
    → 200 {"code": "100", "sms_id": "R-…", "message": "…"}

``request_id`` is deduplicated by the gateway (a repeat returns the first ``sms_id`` and sends nothing),
so the gateway is idempotent for us. Result codes: 100 accepted; 99 busy (temporary); 101 bad key,
103 no balance, 104 brandname not registered (technical: another gateway may send it); 118 invalid number,
119 content refused (permanent). HTTP 429 and 5xx are temporary.

Receipt callback (one per status change)::

    POST {callback_url}           X-Timestamp: <unix s>   X-Signature: sha256=<hex>
    {"sms_id": "R-…", "request_id": "<our id>", "status": "SENT" | "DELIVERED" | "FAILED",
     "error_code": null | "EXPIRED" | "ABSENT_SUBSCRIBER" | "INVALID_NUMBER" | "BLOCKED" | …,
     "done_at": "2026-11-21T09:15:00+07:00"}

The signature is HMAC-SHA256 with the callback secret over ``"<timestamp>.<raw body>"``; a timestamp more
than five minutes off is refused (replay).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from dvc_notify.adapters.providers.base import InvalidReceipt, OutgoingSms
from dvc_notify.adapters.providers.http_gateway import HttpGateway
from dvc_notify.domain.status import Receipt, ReceiptStatus, SubmitKind, SubmitResult

NAME: Final = "gw-rest"
SEND_PATH: Final = "/v1/sms"
RECEIPT_TOLERANCE_SECONDS: Final = 300

CODES: Final[dict[str, tuple[SubmitKind, str]]] = {
    "100": ("accepted", "accepted"),
    "99": ("temporary", "busy"),
    "101": ("technical", "invalid_api_key"),
    "103": ("technical", "insufficient_balance"),
    "104": ("technical", "brandname_not_registered"),
    "118": ("permanent", "invalid_number"),
    "119": ("permanent", "content_refused"),
}
TEMPORARY_ERRORS: Final = frozenset({"EXPIRED", "ABSENT_SUBSCRIBER", "MEMORY_FULL"})
PERMANENT_ERRORS: Final = frozenset({"INVALID_NUMBER", "BLOCKED", "REJECTED", "UNKNOWN_SUBSCRIBER"})


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def receipt_status(status: str, error_code: str | None) -> ReceiptStatus:
    if status == "SENT":
        return "sent"
    if status == "DELIVERED":
        return "delivered"
    if status != "FAILED":
        raise InvalidReceipt(f"unknown status {status!r}")
    if error_code in TEMPORARY_ERRORS:
        return "temporary-failure"
    if error_code in PERMANENT_ERRORS:
        return "permanent-failure"
    return "technical-failure"


class RestGatewayProvider(HttpGateway):
    name = NAME
    api = "JSON REST + API key"

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str,
        callback_secret: str,
        callback_url: str,
        brandname: str,
        timeout: float = 5.0,
        concurrency: int = 64,
        fake: bool = False,
    ) -> None:
        super().__init__(base_url, timeout=timeout, concurrency=concurrency, fake=fake)
        self.api_key = api_key
        self.callback_secret = callback_secret
        self.callback_url = callback_url
        self.brandname = brandname

    async def send(self, sms: OutgoingSms) -> SubmitResult:
        body = {
            "brandname": self.brandname,
            "phone": sms.phone.removeprefix("+"),
            "content": sms.text,
            "unicode": sms.encoding == "UCS-2",
            "request_id": sms.message_id,
            "callback_url": self.callback_url,
        }
        r = await self.post(SEND_PATH, json=body, headers={"X-Api-Key": self.api_key})
        if isinstance(r, SubmitResult):
            return r
        if r.status_code in (401, 403):
            return SubmitResult("technical", code="invalid_api_key")
        try:
            answer: dict[str, Any] = r.json()
            code = str(answer["code"])
        except (ValueError, KeyError, TypeError):
            return SubmitResult("technical", code=f"bad_answer_{r.status_code}")
        kind, label = CODES.get(code, ("technical", f"code_{code}"))
        if kind == "accepted":
            ref = answer.get("sms_id")
            if not ref:
                return SubmitResult("technical", code="no_sms_id")
            return SubmitResult("accepted", provider_ref=str(ref))
        return SubmitResult(kind, code=label, detail=str(answer.get("message", ""))[:200])

    def parse_receipt(self, headers: Mapping[str, str], body: bytes, now: datetime) -> Receipt:
        timestamp = headers.get("x-timestamp", "")
        signature = headers.get("x-signature", "")
        if not timestamp or not signature:
            raise InvalidReceipt("missing_signature", 401)
        if not hmac.compare_digest(sign(self.callback_secret, timestamp, body), signature):
            raise InvalidReceipt("bad_signature", 401)
        try:
            ts = int(timestamp)
        except ValueError:
            raise InvalidReceipt("bad_timestamp", 401) from None
        if abs(now.timestamp() - ts) > RECEIPT_TOLERANCE_SECONDS:
            raise InvalidReceipt("stale_timestamp", 401)
        try:
            data = json.loads(body)
            sms_id = str(data["sms_id"])
            status = str(data["status"])
            error_code = data.get("error_code")
            done_at = datetime.fromisoformat(data["done_at"]) if data.get("done_at") else None
            request_id = data.get("request_id")
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidReceipt(f"malformed: {exc!r}"[:200]) from None
        if done_at is not None and done_at.tzinfo is None:
            raise InvalidReceipt("done_at without offset")
        return Receipt(
            provider=self.name,
            status=receipt_status(status, error_code),
            provider_ref=sms_id,
            message_id=str(request_id) if request_id else None,
            error_code=str(error_code) if error_code else None,
            reported_at=done_at,
        )

    def receipt_ack(self) -> tuple[str, str]:
        return '{"code":"100"}', "application/json"
