"""Local fake brandname gateways, for `make run` and tests: small HTTP servers on 127.0.0.1 that behave like
the real ones. They check credentials and signatures, accept a message and return their own id, deduplicate
the client reference, and a moment later POST signed delivery receipts to the callback. Their behaviour
(failure rate and kind, latency, which receipts, in which order) can be changed while they run, from code
(``gateway.behaviour``) or over HTTP (``GET/POST /_fake/behaviour``).

Not a real SMS: the "handset" is ``gateway.handset`` (the last 10,000 accepted messages).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qs

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from dvc_contracts import clock
from dvc_notify.adapters.providers import gw_form, gw_rest
from dvc_notify.domain.status import ReceiptStatus
from dvc_notify.fakes.server import Served
from dvckit.logging import get_logger

log = get_logger("dvc_notify.fakes")

Failure = Literal["busy", "http_503", "auth", "invalid_number"]


@dataclass
class Behaviour:
    failure_rate: float = 0.0  # share of send requests answered with ``failure``
    failure: Failure = "busy"
    latency_seconds: float = 0.0
    receipts: list[ReceiptStatus] = field(default_factory=lambda: ["sent", "delivered"])
    receipt_delay_seconds: float = 0.05
    reverse_receipts: bool = False  # report them out of order (e.g. delivered before sent)
    seed: int = 7

    def update(self, values: dict[str, Any]) -> None:
        for key, value in values.items():
            if key not in self.__dataclass_fields__:
                raise ValueError(f"unknown behaviour {key!r}")
            setattr(self, key, value)


@dataclass(frozen=True)
class HandsetMessage:
    gateway_id: str
    client_ref: str
    msisdn: str
    text: str
    at: float


class FakeGateway:
    """Common parts: behaviour, deduplication, the handset, receipts sent in the background."""

    kind = "fake"

    def __init__(self, name: str, behaviour: Behaviour | None = None) -> None:
        self.name = name
        self.behaviour = behaviour or Behaviour()
        self._rng = random.Random(self.behaviour.seed)
        self._ids = itertools.count(1)
        self.by_client_ref: dict[str, str] = {}
        self.handset: deque[HandsetMessage] = deque(maxlen=10_000)
        self.requests = 0
        self.refused = 0
        self.duplicates = 0
        self.receipts_sent = 0
        self.receipt_errors = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._client: httpx.AsyncClient | None = None
        self._served: Served | None = None

    @property
    def url(self) -> str:
        if self._served is None:
            raise RuntimeError(f"fake gateway {self.name} is not running")
        return self._served.url

    def app(self) -> Starlette:
        raise NotImplementedError

    async def start(self) -> None:
        self._client = httpx.AsyncClient(timeout=5.0)
        self._served = Served(self.app())
        await self._served.start()
        log.info("fake_gateway.started", gateway=self.name, url=self.url)

    async def stop(self) -> None:
        for t in list(self._tasks):
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._served is not None:
            await self._served.stop()
        if self._client is not None:
            await self._client.aclose()

    def _fails(self) -> bool:
        return self.behaviour.failure_rate > 0 and self._rng.random() < self.behaviour.failure_rate

    def _accept(self, prefix: str, client_ref: str, msisdn: str, text: str) -> str:
        gateway_id = f"{prefix}-{next(self._ids):08d}"
        self.by_client_ref[client_ref] = gateway_id
        self.handset.append(HandsetMessage(gateway_id, client_ref, msisdn, text, time.time()))
        return gateway_id

    def _report_later(self, gateway_id: str, client_ref: str, target: str) -> None:
        statuses = list(self.behaviour.receipts)
        if self.behaviour.reverse_receipts:
            statuses.reverse()
        task = asyncio.create_task(self._report(gateway_id, client_ref, target, statuses))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _report(
        self, gateway_id: str, client_ref: str, target: str, statuses: list[ReceiptStatus]
    ) -> None:
        assert self._client is not None
        for status in statuses:
            await asyncio.sleep(self.behaviour.receipt_delay_seconds)
            content, headers = self.receipt(gateway_id, client_ref, status)
            for attempt in range(5):  # like real gateways: retry the callback a few times
                try:
                    r = await self._client.post(target, content=content, headers=headers)
                    if r.status_code < 500:
                        if r.status_code >= 400:
                            self.receipt_errors += 1
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2 * 2**attempt)
            else:
                self.receipt_errors += 1
                continue
            self.receipts_sent += 1

    def receipt(
        self, gateway_id: str, client_ref: str, status: ReceiptStatus
    ) -> tuple[bytes, dict[str, str]]:
        raise NotImplementedError

    def stats(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "url": self.url if self._served else None,
            "requests": self.requests,
            "accepted": len(self.by_client_ref),
            "refused": self.refused,
            "duplicates": self.duplicates,
            "receipts_sent": self.receipts_sent,
            "receipt_errors": self.receipt_errors,
            "behaviour": asdict(self.behaviour),
        }

    async def _behaviour_endpoint(self, request: Request) -> Response:
        if request.method == "POST":
            try:
                self.behaviour.update(await request.json())
            except (ValueError, TypeError) as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse(self.stats())

    def _admin_routes(self) -> list[Route]:
        return [Route("/_fake/behaviour", self._behaviour_endpoint, methods=["GET", "POST"])]


def _valid_msisdn(msisdn: str) -> bool:
    return msisdn.startswith("84") and len(msisdn) == 11 and msisdn.isdigit()


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
        if not _valid_msisdn(phone):
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
        if not _valid_msisdn(msisdn):
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


@contextlib.asynccontextmanager
async def running(*gateways: FakeGateway) -> AsyncIterator[tuple[FakeGateway, ...]]:
    """Start the gateways for the duration of a block (tests)."""
    for g in gateways:
        await g.start()
    try:
        yield gateways
    finally:
        for g in gateways:
            await g.stop()
