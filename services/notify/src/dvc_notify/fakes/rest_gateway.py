"""The fake of ``gw-rest``: JSON requests with an API key, HMAC-signed JSON receipts."""

from __future__ import annotations

import asyncio
import json

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from dvc_contracts import clock
from dvc_notify.adapters.providers import gw_rest
from dvc_notify.domain.status import ReceiptStatus
from dvc_notify.fakes.gateway_base import Behaviour, FakeGateway, valid_msisdn


class FakeRestGateway(FakeGateway):
    """Fake of ``gw-rest`` (see adapters/providers/gw_rest.py for the wire format)."""

    def __init__(self, *, api_key: str, callback_secret: str, behaviour: Behaviour | None = None) -> None:
        super().__init__(gw_rest.NAME, behaviour)
        self.api_key = api_key
        self.callback_secret = callback_secret

    def app(self) -> Starlette:
        return Starlette(
            routes=[Route(gw_rest.SEND_PATH, self._send, methods=["POST"]), *self._admin_routes()]
        )

    async def _send(self, request: Request) -> Response:
        self.requests += 1
        b = self.behaviour
        if b.latency_seconds:
            await asyncio.sleep(b.latency_seconds)
        if request.headers.get("x-api-key") != self.api_key:
            self.refused += 1
            return JSONResponse({"code": "101", "message": "Sai API key"}, status_code=401)
        try:
            body = await request.json()
            request_id, phone, content = str(body["request_id"]), str(body["phone"]), str(body["content"])
            callback = str(body.get("callback_url") or "")
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"code": "102", "message": "Sai định dạng"}, status_code=400)
        if request_id in self.by_client_ref:  # deduplicated: same answer, nothing sent again
            self.duplicates += 1
            return JSONResponse({"code": "100", "sms_id": self.by_client_ref[request_id], "duplicate": True})
        if self._fails():
            self.refused += 1
            if b.failure == "http_503":
                return PlainTextResponse("Service Unavailable", status_code=503)
            code = {"busy": "99", "auth": "101", "invalid_number": "118"}[b.failure]
            return JSONResponse({"code": code, "message": "Hệ thống bận" if code == "99" else "Lỗi"})
        if not valid_msisdn(phone):
            self.refused += 1
            return JSONResponse({"code": "118", "message": "Số điện thoại không hợp lệ"})
        sms_id = self._accept("R", request_id, phone, content)
        if callback:
            self._report_later(sms_id, request_id, callback)
        return JSONResponse({"code": "100", "sms_id": sms_id, "message": "Thành công"})

    def receipt(
        self, gateway_id: str, client_ref: str, status: ReceiptStatus
    ) -> tuple[bytes, dict[str, str]]:
        wire, error = {
            "sent": ("SENT", None),
            "delivered": ("DELIVERED", None),
            "temporary-failure": ("FAILED", "EXPIRED"),
            "permanent-failure": ("FAILED", "INVALID_NUMBER"),
            "technical-failure": ("FAILED", "SYSTEM_ERROR"),
        }[status]
        body = json.dumps(
            {
                "sms_id": gateway_id,
                "request_id": client_ref,
                "status": wire,
                "error_code": error,
                "done_at": clock.vn_now().isoformat(timespec="seconds"),
            }
        ).encode()
        ts = str(int(clock.now().timestamp()))
        headers = {
            "content-type": "application/json",
            "x-timestamp": ts,
            "x-signature": gw_rest.sign(self.callback_secret, ts, body),
        }
        return body, headers
