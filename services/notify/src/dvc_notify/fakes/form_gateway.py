"""The fake of ``gw-form``: HMAC-signed form requests, SMPP-style signed form receipts."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from dvc_contracts import clock
from dvc_notify.adapters.providers import gw_form
from dvc_notify.domain.status import ReceiptStatus
from dvc_notify.fakes.gateway_base import Behaviour, FakeGateway, valid_msisdn


class FakeFormGateway(FakeGateway):
    """Fake of ``gw-form`` (see adapters/providers/gw_form.py for the wire format)."""

    def __init__(
        self, *, user: str, secret: str, receipt_url: str, behaviour: Behaviour | None = None
    ) -> None:
        super().__init__(gw_form.NAME, behaviour)
        self.user = user
        self.secret = secret
        self.receipt_url = receipt_url

    def app(self) -> Starlette:
        return Starlette(
            routes=[Route(gw_form.SEND_PATH, self._send, methods=["POST"]), *self._admin_routes()]
        )

    @staticmethod
    def _answer(**values: str) -> PlainTextResponse:
        return PlainTextResponse("&".join(f"{k}={v}" for k, v in values.items()))

    async def _send(self, request: Request) -> Response:
        self.requests += 1
        b = self.behaviour
        if b.latency_seconds:
            await asyncio.sleep(b.latency_seconds)
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
        if form.get("user") != self.user or form.get("sign") != gw_form.sign(
            self.secret, form, gw_form.SEND_FIELDS
        ):
            self.refused += 1
            return self._answer(result="1", desc="bad+signature")
        trans_id, msisdn = form.get("trans_id", ""), form.get("msisdn", "")
        if trans_id in self.by_client_ref:
            self.duplicates += 1
            return self._answer(result="13", msgid=self.by_client_ref[trans_id], desc="duplicate")
        if self._fails():
            self.refused += 1
            if b.failure == "http_503":
                return PlainTextResponse("Service Unavailable", status_code=503)
            return self._answer(
                result={"busy": "9", "auth": "1", "invalid_number": "2"}[b.failure], desc="error"
            )
        if not valid_msisdn(msisdn):
            self.refused += 1
            return self._answer(result="2", desc="invalid+msisdn")
        msgid = self._accept("F", trans_id, msisdn, form.get("message", ""))
        self._report_later(msgid, trans_id, self.receipt_url)
        return self._answer(result="0", msgid=msgid, desc="OK")

    def receipt(
        self, gateway_id: str, client_ref: str, status: ReceiptStatus
    ) -> tuple[bytes, dict[str, str]]:
        stat = {
            "sent": "ACCEPTD",
            "delivered": "DELIVRD",
            "temporary-failure": "EXPIRED",
            "permanent-failure": "UNDELIV",
            "technical-failure": "UNKNOWN",
        }[status]
        form = {
            "msgid": gateway_id,
            "trans_id": client_ref,
            "stat": stat,
            "err": "000" if status in ("sent", "delivered") else "001",
            "done_date": clock.vn_now().strftime("%y%m%d%H%M"),
        }
        form["sign"] = gw_form.sign(self.secret, form, gw_form.RECEIPT_FIELDS)
        body = str(httpx.QueryParams(form)).encode()
        return body, {"content-type": "application/x-www-form-urlencoded"}
