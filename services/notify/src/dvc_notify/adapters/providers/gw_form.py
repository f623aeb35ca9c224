"""``gw-form``: a form-encoded brandname gateway with HMAC-signed requests and receipts (the shape of the
older SOAP/SMPP-bridge Vietnamese APIs: msisdn without +, SMPP data coding, SMPP delivery-receipt states).

Send::

    POST {base}/smsbn/send        application/x-www-form-urlencoded
    user, brandname, msisdn=84912345678, message, dcs=0 (GSM-7) | 8 (UCS-2), trans_id=<our message id>,
    time=yyyyMMddHHmmss (Vietnam time), sign=hex(HMAC-SHA256(secret, "user|brandname|msisdn|trans_id|time|message"))
    → 200 text/plain "result=0&msgid=F-…&desc=OK"

``result``: 0 accepted; 13 duplicate trans_id (accepted earlier: the first msgid comes back, nothing is sent
again, so the gateway is idempotent for us); 9 busy (temporary); 1 bad signature/user, 3 brandname inactive,
4 quota exhausted (technical); 2 invalid msisdn, 5 content filtered (permanent).

Receipt callback (the gateway's own configuration points at ``/providers/gw-form/receipts``)::

    POST  msgid, trans_id, stat=ENROUTE|ACCEPTD|DELIVRD|EXPIRED|UNDELIV|REJECTD|DELETED|UNKNOWN, err=000,
          done_date=yyMMddHHmm (Vietnam time), sign=hex(HMAC-SHA256(secret, "msgid|trans_id|stat|err|done_date"))
    ← "result=0"
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Final
from urllib.parse import parse_qs

from dvc_contracts import clock
from dvc_contracts.clock import VN_TZ
from dvc_notify.adapters.providers.base import InvalidReceipt, OutgoingSms
from dvc_notify.adapters.providers.http_gateway import HttpGateway
from dvc_notify.domain.status import Receipt, ReceiptStatus, SubmitKind, SubmitResult

NAME: Final = "gw-form"
SEND_PATH: Final = "/smsbn/send"

RESULTS: Final[dict[str, tuple[SubmitKind, str]]] = {
    "0": ("accepted", "accepted"),
    "13": ("accepted", "duplicate_trans_id"),
    "9": ("temporary", "busy"),
    "1": ("technical", "bad_signature_or_user"),
    "3": ("technical", "brandname_inactive"),
    "4": ("technical", "quota_exhausted"),
    "2": ("permanent", "invalid_msisdn"),
    "5": ("permanent", "content_filtered"),
}
STATES: Final[dict[str, ReceiptStatus]] = {
    "ENROUTE": "sent",
    "ACCEPTD": "sent",
    "DELIVRD": "delivered",
    "EXPIRED": "temporary-failure",
    "UNDELIV": "permanent-failure",
    "REJECTD": "permanent-failure",
    "DELETED": "technical-failure",
    "UNKNOWN": "technical-failure",
}
SEND_FIELDS: Final = ("user", "brandname", "msisdn", "trans_id", "time", "message")
RECEIPT_FIELDS: Final = ("msgid", "trans_id", "stat", "err", "done_date")


def sign(secret: str, values: Mapping[str, str], fields: tuple[str, ...]) -> str:
    payload = "|".join(values.get(f, "") for f in fields)
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def parse_form(body: bytes) -> dict[str, str]:
    try:
        pairs = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise InvalidReceipt("not UTF-8") from None
    return {k: v[0] for k, v in pairs.items()}


class FormGatewayProvider(HttpGateway):
    name = NAME
    api = "form + HMAC signature"

    def __init__(
        self,
        base_url: str,
        *,
        user: str,
        secret: str,
        brandname: str,
        timeout: float = 5.0,
        concurrency: int = 64,
        fake: bool = False,
    ) -> None:
        super().__init__(base_url, timeout=timeout, concurrency=concurrency, fake=fake)
        self.user = user
        self.secret = secret
        self.brandname = brandname

    async def send(self, sms: OutgoingSms) -> SubmitResult:
        form = {
            "user": self.user,
            "brandname": self.brandname,
            "msisdn": sms.phone.removeprefix("+"),
            "message": sms.text,
            "dcs": "8" if sms.encoding == "UCS-2" else "0",
            "trans_id": sms.message_id,
            "time": clock.vn_now().strftime("%Y%m%d%H%M%S"),
        }
        form["sign"] = sign(self.secret, form, SEND_FIELDS)
        r = await self.post(SEND_PATH, data=form)
        if isinstance(r, SubmitResult):
            return r
        answer = {k: v[0] for k, v in parse_qs(r.text).items()}
        result = answer.get("result")
        if result is None:
            return SubmitResult("technical", code=f"bad_answer_{r.status_code}")
        kind, label = RESULTS.get(result, ("technical", f"result_{result}"))
        if kind == "accepted":
            msgid = answer.get("msgid")
            if not msgid:
                return SubmitResult("technical", code="no_msgid")
            return SubmitResult("accepted", provider_ref=msgid, code=label)
        return SubmitResult(kind, code=label, detail=answer.get("desc", "")[:200])

    def parse_receipt(self, headers: Mapping[str, str], body: bytes, now: datetime) -> Receipt:
        form = parse_form(body)
        missing = [f for f in (*RECEIPT_FIELDS, "sign") if f not in form]
        if missing:
            raise InvalidReceipt(f"missing fields {missing}")
        if not hmac.compare_digest(sign(self.secret, form, RECEIPT_FIELDS), form["sign"]):
            raise InvalidReceipt("bad_signature", 401)
        state = STATES.get(form["stat"])
        if state is None:
            raise InvalidReceipt(f"unknown stat {form['stat']!r}")
        try:
            done = datetime.strptime(form["done_date"], "%y%m%d%H%M").replace(tzinfo=VN_TZ)
        except ValueError:
            raise InvalidReceipt("bad done_date") from None
        return Receipt(
            provider=self.name,
            status=state,
            provider_ref=form["msgid"],
            message_id=form["trans_id"] or None,
            error_code=None if form["err"] in ("", "000") else form["err"],
            reported_at=done,
        )

    def receipt_ack(self) -> tuple[str, str]:
        return "result=0", "text/plain"
