"""What the fake gateways share: their behaviour, the handset, deduplication, and receipts sent back later."""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

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


def valid_msisdn(msisdn: str) -> bool:
    return msisdn.startswith("84") and len(msisdn) == 11 and msisdn.isdigit()
