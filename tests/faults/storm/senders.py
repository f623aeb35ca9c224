"""The agencies: each sends its dossiers' reports in rounds (one report per dossier per round, the next round
only once the last was acknowledged, so a dossier's reports keep the order the ledger expects) — over Kafka
(Hà Nội's and BHXH's systems, each on its own ingress topic) or over HTTP (every other agency, with its own
token). A failure whose outcome is unknown is retried with the same event ids; the inbox makes that a no-op."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections import defaultdict
from collections.abc import Callable

import httpx
from aiokafka import AIOKafkaProducer
from aiokafka.errors import InvalidProducerEpoch, KafkaError, OutOfOrderSequenceNumber, UnknownProducerId

from dvc_contracts import agencies
from dvckit.auth.jwt import DevKeys, issue_token

from .ledger import Dossier, Ledger, Sent
from .plan import binary, structured

# aiokafka's idempotent producer does not recover from these by itself (the sequence it keeps for a partition no
# longer matches the broker's, e.g. after a leader change lost unacknowledged batches): a new producer does
FATAL = (OutOfOrderSequenceNumber, UnknownProducerId, InvalidProducerEpoch)
WINDOW = 40  # dossiers of one agency in flight at once
RETRY_S = 0.5
SEND_S, STOP_S = 20.0, 5.0  # a send attempt, and closing a producer, may take this long


class Pacer:
    """Hands out events at ``rate`` per second; one that fell behind (a stall) catches up in a burst."""

    def __init__(self, rate: float) -> None:
        self.rate, self.t0, self.given = rate, time.monotonic(), 0

    async def take(self, n: int) -> None:
        self.given += n
        wait = self.t0 + self.given / self.rate - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)


def _mark(items: list[Sent]) -> None:
    now = time.time()
    for s in items:
        s.sends += 1
        s.first_sent = s.first_sent or now


class KafkaAgencies:
    """Every Kafka-connected agency system, through one idempotent producer (remade if it breaks)."""

    def __init__(self, bootstrap: str, ledger: Ledger) -> None:
        self.bootstrap, self.ledger = bootstrap, ledger
        self.producer: AIOKafkaProducer | None = None
        self.last_ack = time.monotonic()
        self.renewing = asyncio.Lock()

    async def _producer(self) -> AIOKafkaProducer:
        if self.producer is None:
            p = AIOKafkaProducer(
                bootstrap_servers=self.bootstrap, acks="all", enable_idempotence=True, linger_ms=5,
                request_timeout_ms=10000, retry_backoff_ms=200,
            )  # fmt: skip
            try:
                await p.start()
            except BaseException:
                with contextlib.suppress(Exception):
                    await p.stop()
                raise
            self.producer = p
        return self.producer

    async def close(self) -> None:
        if self.producer is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.producer.stop(), STOP_S)
            self.producer = None

    async def send(self, batch: list[tuple[Sent, Dossier]]) -> None:
        """Until every record is acknowledged. A producer that stops answering (aiokafka can wait for ever for
        a producer id while the cluster is away) is dropped and made again; the records go again, same ids."""
        pending = batch
        while pending:
            try:
                results = await asyncio.wait_for(self._attempt(pending), SEND_S)
            except (TimeoutError, KafkaError, OSError) as exc:
                results = [exc] * len(pending)
                await self._maybe_renew()
            pending = [p for p, r in zip(pending, results, strict=True) if isinstance(r, BaseException)]
            for r in results:
                if isinstance(r, BaseException):
                    self.ledger.retries[f"kafka {type(r).__name__}"] += 1
            if any(isinstance(r, FATAL) for r in results):
                await self._maybe_renew(force=True)
            if pending:
                await asyncio.sleep(RETRY_S)

    async def _maybe_renew(self, *, force: bool = False) -> None:
        """The shared producer is made again when its idempotence state is broken for good (``force``) or when
        nothing at all has been acknowledged for a while — not for one lane's slow partition, which must not
        fail every other lane's sends. Once per producer: lanes failing together renew it once."""
        producer = self.producer
        if producer is not None and (force or time.monotonic() - self.last_ack > SEND_S):
            async with self.renewing:
                if self.producer is producer:
                    self.ledger.retries["kafka producer renewed"] += 1
                    await self.close()

    async def _attempt(self, pending: list[tuple[Sent, Dossier]]) -> list[object]:
        producer = await self._producer()
        futures = [await self._one(producer, s, d) for s, d in pending]
        results = list(await asyncio.gather(*futures, return_exceptions=True))
        if any(not isinstance(r, BaseException) for r in results):
            self.last_ack = time.monotonic()
        return results

    async def _one(self, producer: AIOKafkaProducer, s: Sent, d: Dossier) -> asyncio.Future[object]:
        headers, value = binary(s, d)
        _mark([s])
        topic = agencies.by_id(s.path.split(":", 1)[1]).reported_topic
        fut: asyncio.Future[object] = await producer.send(
            topic, value, key=s.dossier.encode(), headers=headers
        )
        return fut


class HttpAgencies:
    """Agencies without Kafka: POST /agency/status-events to either dossier instance."""

    def __init__(self, urls: list[str], keys: DevKeys, ledger: Ledger, limit: int = 12) -> None:
        self.urls, self.keys, self.ledger = urls, keys, ledger
        self.tokens: dict[tuple[str, str], str] = {}
        self.http = httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=limit + 4))
        self.slots = asyncio.Semaphore(limit)
        self.turn = itertools.count()

    def token(self, agency: str, province: str) -> str:
        if (agency, province) not in self.tokens:
            sub = f"fs-{agency}-{province}"
            self.tokens[(agency, province)] = issue_token(
                self.keys, role="agency", sub=sub, agency=agency, province=province
            )
        return self.tokens[(agency, province)]

    async def send(self, batch: list[tuple[Sent, Dossier]]) -> None:
        s0 = batch[0][0]
        headers = {"authorization": f"Bearer {self.token(s0.agency, s0.province)}"}
        items = [structured(s, d) for s, d in batch]
        async with self.slots:
            while True:
                _mark([s for s, _ in batch])
                url = self.urls[next(self.turn) % len(self.urls)]
                try:
                    r = await self.http.post(f"{url}/agency/status-events", json=items, headers=headers)
                except httpx.HTTPError:
                    r = None
                if r is not None and r.status_code == 202:
                    self.ledger.http_batches += 1
                    return
                self.ledger.retries[f"http {r.status_code if r is not None else 'no answer'}"] += 1
                wait = RETRY_S
                if r is not None and r.status_code == 429:
                    wait = float(r.headers.get("retry-after", "1"))
                await asyncio.sleep(wait)

    async def close(self) -> None:
        await self.http.aclose()


Send = Callable[[list[tuple[Sent, Dossier]]], "asyncio.Future[None] | object"]


async def agency_lane(dossiers: list[Dossier], send: Send, pacer: Pacer) -> None:
    """One agency's dossiers, WINDOW at a time, one round of reports after another."""
    for start in range(0, len(dossiers), WINDOW):
        window = dossiers[start : start + WINDOW]
        for r in range(max(len(d.items) for d in window)):
            batch = [(d.items[r], d) for d in window if r < len(d.items)]
            await pacer.take(len(batch))
            await send(batch)  # type: ignore[misc]


def lanes(ledger: Ledger) -> dict[tuple[str, str, str], list[Dossier]]:
    out: dict[tuple[str, str, str], list[Dossier]] = defaultdict(list)
    for d in ledger.dossiers:
        out[(d.path, d.agency, d.province)].append(d)
    return out


async def run_agencies(ledger: Ledger, bootstrap: str, urls: list[str], keys: DevKeys, rate: float) -> None:
    kafka, web, pacer = KafkaAgencies(bootstrap, ledger), HttpAgencies(urls, keys, ledger), Pacer(rate)
    try:
        tasks = [
            agency_lane(ds, web.send if path == "http" else kafka.send, pacer)
            for (path, _a, _p), ds in lanes(ledger).items()
        ]
        await asyncio.gather(*tasks)
    finally:
        await kafka.close()
        await web.close()
