"""Citizens and the traffic police of the vehicle-registration saga: each citizen submits, waits for the fee,
checks out and pays (a few on the "slow bank" that settles after the payment window: a late payment); the police
read dossier-forwarded and report back over HTTP ingest — completed with a plate, or rejected (the fee is then
refunded). A submission whose answer was lost is looked up in "my dossiers" before it is sent again."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer

from dvc_contracts import topics
from dvckit.auth.jwt import DevKeys, issue_token

from .ledger import Ledger, Saga
from .plan import mobile
from .web import PASSING, GaveUp, Web, bearer, signed

POLICE = "BCA-CSGT"
THINK_S = 25.0  # a third of the citizens take up to this long on the pay page (within the payment window)
Item = dict[str, Any]
KINDS = (("complete", 0.8), ("police_reject", 0.12), ("late", 0.08))


def vehicle_procedure(code: str) -> dict[str, object]:
    return {
        "code": code, "name": "Đăng ký xe ô tô (liên thông lệ phí trước bạ)", "sector": "GTVT-DANG-KY-XE",
        "agency_code": POLICE, "agency_name": "Cục Cảnh sát giao thông", "level": "province", "service_level": 4,
        "fee": {"kind": "rule", "rule": {"type": "percent_of_value", "value_field": "vehicle_value_vnd", "percent": 10}},
        "processing_days": 2, "required_fields": ["applicant_name", "phone", "vehicle_value_vnd", "chassis_number"],
        "allowed_agency_codes": ["BTC-TCT"], "chained_flow": "vehicle-registration",
    }  # fmt: skip


def make_sagas(ledger: Ledger, n: int, run: str, seed: int = 14) -> None:
    """The late payers first: their bank settles after the whole payment window, the storm should not wait."""
    rng = random.Random(seed)
    kinds = sorted(
        (rng.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0] for _ in range(n)), key="late".__ne__
    )
    for i, kind in enumerate(kinds):
        saga = Saga(i, kind, f"fs{run.lower()}s{i:06d}", mobile(rng))
        saga.think_s = rng.uniform(0, THINK_S) if rng.random() < 0.3 else 0.0  # some pay during the outage
        ledger.sagas.append(saga)


class Citizens:
    def __init__(
        self, web: Web, dossier: list[str], payment: list[str], keys: DevKeys, procedure: str
    ) -> None:
        self.web, self.dossier, self.payment, self.keys, self.procedure = (
            web,
            dossier,
            payment,
            keys,
            procedure,
        )

    async def drive(self, s: Saga) -> None:
        h = await signed(self.keys, role="citizen", sub=s.sub, name="Công dân thử tải", phone=s.phone)
        try:
            s.code = await self._submit(s, h)
            s.payment_id = await self._payment_id(s, h)
            pay_url = await self._checkout(s, h)
            await asyncio.sleep(s.think_s)
            s.paid_at = time.time()
            await self._click(pay_url, "slow_no_ipn" if s.kind == "late" else "normal")
        except (GaveUp, KeyError, ValueError) as exc:
            s.state = f"citizen gave up: {exc}"

    async def _submit(self, s: Saga, h: dict[str, str]) -> str:
        body = {
            "procedure_code": self.procedure, "province_code": "01", "phone": s.phone,
            "fields": {"vehicle_value_vnd": 400_000_000 + s.index, "chassis_number": f"RLFS{s.index:08d}"},
        }  # fmt: skip
        s.submitted_at = time.time()
        for k in range(10_000):
            with contextlib.suppress(httpx.HTTPError):
                r = await self.web.http.post(f"{self.dossier[k % 2]}/dossiers", json=body, headers=h)
                if r.status_code == 201:
                    return str(r.json()["code"])
                if r.status_code not in PASSING and r.status_code != 404:
                    raise ValueError(f"submit answered {r.status_code}: {r.text[:200]}")
            s.errors += 1
            mine = await self.web.call("GET", self.dossier, "/dossiers", params={"mine": "true"}, headers=h)
            if mine.status_code == 200 and mine.json()["items"]:
                return str(mine.json()["items"][0]["code"])  # it had landed: the answer was lost
            await asyncio.sleep(0.5)
        raise GaveUp("submit")

    async def _payment_id(self, s: Saga, h: dict[str, str]) -> str:
        while True:
            r = await self.web.call("GET", self.dossier, f"/dossiers/{s.code}", headers=h)
            saga = r.json().get("saga") if r.status_code == 200 else None
            if saga and saga.get("payment_id"):
                s.state = saga["state"]
                return str(saga["payment_id"])
            await asyncio.sleep(0.5)

    async def _checkout(self, s: Saga, h: dict[str, str]) -> str:
        while True:
            path = f"/payments/{s.payment_id}/checkout"
            r = await self.web.call("POST", self.payment, path, json={"provider": "momo"}, headers=h)
            if r.status_code in (200, 201):
                url = str(r.json()["pay_url"])
                return url if url.startswith("http") else self.payment[0] + url
            if r.status_code != 404:  # 404: payment has not heard of the intent yet
                raise ValueError(f"checkout answered {r.status_code}: {r.text[:200]}")
            await asyncio.sleep(1.0)

    async def _click(self, pay_url: str, scenario: str) -> None:
        """A second click on the same page changes nothing (the sandbox): safe to repeat after a lost answer."""
        form = {"content-type": "application/x-www-form-urlencoded"}
        path = pay_url.removeprefix(self.payment[0])
        r = await self.web.call(
            "POST", self.payment, path, content=f"action=pay&scenario={scenario}", headers=form
        )
        if r.status_code not in (200, 303):
            raise ValueError(f"pay click answered {r.status_code}")


async def run_citizens(citizens: Citizens, sagas: list[Saga], seconds: float, limit: int = 150) -> None:
    slots, t0 = asyncio.Semaphore(limit), time.monotonic()

    async def one(s: Saga) -> None:
        await asyncio.sleep(max(0.0, t0 + s.index * seconds / max(1, len(sagas)) - time.monotonic()))
        async with slots:
            await citizens.drive(s)

    await asyncio.gather(*(one(s) for s in sagas))


class Police:
    """Reads dossier-forwarded (its own group), answers each forwarded dossier of the storm's procedure once
    over HTTP ingest — a repeat after a crash has the same event id — and commits only after the answer."""

    def __init__(self, web: Web, bootstrap: str, dossier: list[str], keys: DevKeys, run: str) -> None:
        self.web, self.bootstrap, self.dossier = web, bootstrap, dossier
        self.group = f"fs-police-{run.lower()}"
        self.token = issue_token(keys, role="agency", sub="fs-police", agency=POLICE)
        self.answered = 0
        self.errors: Counter[str] = Counter()  # why a round failed (it is tried again)

    async def keep_running(
        self, procedure: str, kind_of: Callable[[str], str | None], stop: asyncio.Event
    ) -> None:
        """Until ``stop``: a consumer that fails (a broker fault, a cancelled request inside aiokafka) is made
        again and resumes from the group's committed offsets."""
        while not stop.is_set():
            try:
                await self.run(procedure, kind_of, stop)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise
                self.errors["CancelledError"] += 1
            except Exception as exc:
                self.errors[type(exc).__name__] += 1
            await asyncio.sleep(0.5)

    async def run(self, procedure: str, kind_of: Callable[[str], str | None], stop: asyncio.Event) -> None:
        consumer = AIOKafkaConsumer(
            topics.DOSSIER_FORWARDED, bootstrap_servers=self.bootstrap, group_id=self.group,
            auto_offset_reset="earliest", enable_auto_commit=False, session_timeout_ms=10000,
            heartbeat_interval_ms=2500, request_timeout_ms=15000,
        )  # fmt: skip
        try:
            await asyncio.wait_for(consumer.start(), 30)
            while not stop.is_set():
                await asyncio.wait_for(self._round(consumer, procedure, kind_of), 60)
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(consumer.stop(), 5)

    async def _round(
        self, consumer: AIOKafkaConsumer, procedure: str, kind_of: Callable[[str], str | None]
    ) -> None:
        batch = await consumer.getmany(timeout_ms=500, max_records=200)
        items = [self._answer(json.loads(r.value), procedure, kind_of) for rs in batch.values() for r in rs]
        if any(items):
            await self._post([i for i in items if i])
        if batch:
            await consumer.commit()

    def _answer(self, d: dict[str, str], procedure: str, kind_of: Callable[[str], str | None]) -> Item | None:
        if d.get("procedure_code") != procedure:
            return None
        code = d["dossier_code"]
        rejected = kind_of(code) == "police_reject"
        data = {
            "dossier_code": code, "procedure_code": procedure, "agency_code": POLICE,
            "province_code": d["province_code"], "sequence": 0, "status": "rejected" if rejected else "completed",
            "occurred_at": "2026-03-03T02:00:00+00:00", "result": None if rejected else f"30K-{code[-6:]}",
        }  # fmt: skip
        return {
            "specversion": "1.0", "id": f"police-{code}", "source": f"/agency/{POLICE}",
            "type": topics.AGENCY_STATUS_REPORTED, "subject": code, "data": data,
        }  # fmt: skip

    async def _post(self, items: list[Item]) -> None:
        r = await self.web.call(
            "POST", self.dossier, "/agency/status-events", json=items, headers=bearer(self.token)
        )
        if r.status_code != 202:
            self.errors[f"HTTP {r.status_code}: {r.text[:120]}"] += 1
            raise RuntimeError(f"police report refused: {r.status_code} {r.text[:300]}")
        self.answered += len(items)
