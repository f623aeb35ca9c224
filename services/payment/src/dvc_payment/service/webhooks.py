"""Webhooks for agencies. A payment event (succeeded, failed, expired, refunded, refund failed) writes one
delivery per listening endpoint in the same transaction as the state change, next to the Kafka outbox row:
nothing is lost if the process dies. A background sender posts due deliveries, signed, outside any
transaction; each attempt is logged; a failure is retried with exponential backoff and jitter, then given up.

The agency of a payment: the one that created it over HTTP (its token's agency), else the issuing agency of
the fine it pays, else the agency of its procedure (procedure-published, kept in ``procedure_agencies``)."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from pydantic import BaseModel

from dvc_contracts import clock, units
from dvc_contracts.events import ProcedurePublishedV1
from dvc_payment.domain.webhooks import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    Backoff,
    DeliveryStatus,
    Scope,
    SigningSecrets,
    WebhookEvent,
)
from dvc_payment.metrics import WEBHOOK_ATTEMPTS
from dvc_payment.service.uow import PaymentUnitOfWork
from dvckit.logging import get_logger
from dvckit.messaging.typed import Event

log = get_logger("dvc_payment.webhooks")
PERSONAL = {"citizen_phone"}  # agencies get what they need to reconcile, not the citizen's phone number


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def signing_secrets(e: Any) -> SigningSecrets:
    """An endpoint row's secrets (the previous one while a rotation's grace period runs)."""
    return SigningSecrets(e.secret, e.previous_secret, e.previous_secret_until)


async def payment_scope(uow: PaymentUnitOfWork, p: Any) -> tuple[str | None, str | None]:
    """(agency code, today's province code) of a payment, for matching endpoints."""
    agency, province = p.agency_code, p.province_code
    if p.purpose == "fine" and p.decision_no and (agency is None or province is None):
        fine = await uow.fines.get(p.decision_no)
        if fine is not None:
            agency, province = agency or fine.agency_code, province or fine.province_code
    if agency is None:
        agency = await uow.webhooks.procedure_agency(p.procedure_code)
    return agency, units.today(province)


async def enqueue(
    uow: PaymentUnitOfWork, p: Any, kind: WebhookEvent, data: BaseModel, *, event_id: str, at: datetime
) -> int:
    """Write the deliveries of one payment event (in the caller's transaction); how many."""
    if p is None:
        return 0
    agency, province = await payment_scope(uow, p)
    if agency is None:
        return 0
    endpoints = [
        e
        for e in await uow.webhooks.listening(agency)
        if Scope(e.agency_code, e.province_code).covers(agency, province)
        and kind.value in e.events.split(",")
    ]
    if not endpoints:
        return 0
    payload = {
        "id": event_id,
        "type": kind.value,
        "created_at": at.isoformat(),
        "data": data.model_dump(mode="json", exclude=PERSONAL),
    }
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    rows = [
        {
            "id": new_id("whd"),
            "endpoint_id": e.id,
            "agency_code": agency,
            "province_code": province,
            "event_id": event_id,
            "event_type": kind.value,
            "payment_id": p.id,
            "body": body,
            "status": DeliveryStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_at": at,
            "created_at": at,
            "updated_at": at,
        }
        for e in endpoints
    ]
    await uow.webhooks.add_deliveries(rows)
    return len(rows)


async def on_procedure_published(event: Event[ProcedurePublishedV1], uow: PaymentUnitOfWork) -> None:
    """Remember which agency collects a procedure's fee (the newest version wins)."""
    data = event.data
    await uow.webhooks.set_procedure_agency(data.code, data.agency_code.upper(), data.version)


# --- sending ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    latency_ms: int
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass
class WebhookSender:
    """Posts signed bodies. No redirects followed (the registered URL is the only one called)."""

    backoff: Backoff = field(default_factory=Backoff)
    timeout_seconds: float = 10.0
    lease: timedelta = timedelta(seconds=60)
    max_body_bytes: int = 65536
    client: httpx.AsyncClient | None = None
    now: Callable[[], datetime] = clock.now

    def _client(self) -> httpx.AsyncClient:
        if self.client is None:
            self.client = httpx.AsyncClient(
                timeout=self.timeout_seconds,
                follow_redirects=False,
                headers={"user-agent": "CongDVC-Webhooks/1"},
            )
        return self.client

    async def aclose(self) -> None:
        if self.client is not None:
            await self.client.aclose()

    async def post(self, url: str, keys: SigningSecrets, delivery: Any) -> Outcome:
        body = delivery.body.encode()
        if len(body) > self.max_body_bytes:
            return Outcome(None, 0, "body_too_large")
        now = self.now()
        headers = {
            "content-type": "application/json",
            SIGNATURE_HEADER: keys.sign(int(now.timestamp()), body, now),
            DELIVERY_HEADER: delivery.id,
            "Idempotency-Key": delivery.id,
            EVENT_HEADER: delivery.event_type,
        }
        started = time.monotonic()
        try:
            response = await self._client().post(url, content=body, headers=headers)
            status: int | None = response.status_code
            error = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            status, error = None, f"{type(exc).__name__}: {exc}"[:300]
        return Outcome(status, int((time.monotonic() - started) * 1000), error)


async def send_due(
    uow_factory: Callable[[], PaymentUnitOfWork], sender: WebhookSender, limit: int = 50
) -> int:
    """One pass of the sender: claim due deliveries (leased), send each, record each attempt."""
    async with uow_factory() as uow:
        due = await uow.webhooks.claim_due(sender.now(), limit, sender.lease)
        endpoints = {d.endpoint_id: await uow.webhooks.endpoint(d.endpoint_id) for d in due}
        await uow.commit()
    for d in due:
        e = endpoints[d.endpoint_id]
        if e is None or e.disabled_at is not None:
            outcome = Outcome(None, 0, "endpoint_removed")
        else:
            outcome = await sender.post(e.url, signing_secrets(e), d)
        await record_attempt(uow_factory, sender, d.id, outcome, final=e is None or e.disabled_at is not None)
    return len(due)


async def record_attempt(
    uow_factory: Callable[[], PaymentUnitOfWork], sender: WebhookSender, delivery_id: str, outcome: Outcome,
    *, final: bool = False,
) -> None:  # fmt: skip
    now = sender.now()
    async with uow_factory() as uow:
        d = await uow.webhooks.delivery(delivery_id, for_update=True)
        if d is None or d.status != DeliveryStatus.PENDING.value:
            return
        attempt = d.attempts + 1
        await uow.webhooks.add_attempt(
            {"delivery_id": d.id, "attempt": attempt, "at": now, "status_code": outcome.status_code,
             "latency_ms": outcome.latency_ms, "error": outcome.error}
        )  # fmt: skip
        values: dict[str, Any] = {"attempts": attempt, "updated_at": now, "last_status_code": outcome.status_code,
                                  "last_error": outcome.error}  # fmt: skip
        if outcome.ok:
            values |= {"status": DeliveryStatus.DELIVERED.value, "delivered_at": now, "next_attempt_at": None}
            result = "delivered"
        elif final or outcome.error == "body_too_large" or sender.backoff.gives_up(attempt):
            values |= {"status": DeliveryStatus.FAILED.value, "next_attempt_at": None}
            result = "failed"
        else:
            values["next_attempt_at"] = now + sender.backoff.delay(attempt)
            result = "retry"
        await uow.webhooks.update_delivery(d.id, **values)
        kind = d.event_type
        uow.after_commit(lambda: WEBHOOK_ATTEMPTS.labels(kind, result).inc())
        await uow.commit()
    log.info("webhook.attempt", delivery_id=delivery_id, attempt=attempt, result=result,
             status_code=outcome.status_code, error=outcome.error)  # fmt: skip
