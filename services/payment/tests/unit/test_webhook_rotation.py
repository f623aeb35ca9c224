"""Rotating an endpoint's signing secret (deliveries signed under the new and, during the grace period, the
previous secret) and pruning the delivery log after its retention (finished deliveries only)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select, update

from dvc_contracts import clock
from dvc_payment.adapters.orm import webhook_attempts, webhook_deliveries
from dvc_payment.domain.webhooks import SigningSecrets, signature, verify
from dvc_payment.service import maintenance, webhooks

from ..conftest import PaymentApp
from .test_service_flows import paid
from .test_staff_api import bearer, publish_procedure

URL = "http://127.0.0.1:9/hook"


def capture(pa: PaymentApp) -> list[httpx.Request]:
    """The agency's receiver: every request the sender makes, answered 200."""
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, text="ok")

    pa.ctx.webhooks.client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    return seen


async def rotate(pa: PaymentApp, token: str, endpoint_id: str, **body: Any) -> httpx.Response:
    path = f"/v1/webhooks/endpoints/{endpoint_id}/rotate-secret"
    return await pa.http.post(path, json=body or None, headers=bearer(token))


async def deliver_one(pa: PaymentApp, seen: list[httpx.Request]) -> tuple[str, bytes]:
    before = len(seen)
    await paid(pa, "vnpay")
    assert await webhooks.send_due(pa.ctx.uow, pa.ctx.webhooks) == 1
    [request] = seen[before:]
    return request.headers["x-dvc-signature"], request.content


def test_during_the_grace_period_both_secrets_sign_the_new_one_first() -> None:
    body, now = b'{"id":"e1"}', clock.now()
    keys = SigningSecrets("whsec_old").rotate("whsec_new", now, timedelta(hours=1))
    header = keys.sign(1000, body, now)
    assert header.startswith(signature("whsec_new", 1000, body) + ",v1=")
    assert header.count("v1=") == 2
    assert verify("whsec_new", header, body, now=1000) and verify("whsec_old", header, body, now=1000)
    later = now + timedelta(hours=1)  # the grace period has ended (its end is exclusive)
    assert keys.sign(1000, body, later) == signature("whsec_new", 1000, body)
    again = keys.rotate("whsec_newer", now, timedelta(minutes=5))  # an earlier previous secret stops at once
    assert (again.current, again.previous) == ("whsec_newer", "whsec_new")
    assert SigningSecrets("a").rotate("b", now, timedelta(0)).previous_at(now) is None


async def test_rotating_a_secret_signs_deliveries_under_both_until_the_grace_ends(
    make_payment_app: Any, make_token: Any
) -> None:
    pa = await make_payment_app()
    seen = capture(pa)
    await publish_procedure(pa, "GPLX-DOI-L4", "SO-GTVT")
    gtvt = make_token("agency", sub="gtvt-79", agency="SO-GTVT", province="79")
    made = (await pa.http.post("/v1/webhooks/endpoints", json={"url": URL}, headers=bearer(gtvt))).json()
    first = made["secret"]
    assert made["previous_secret_until"] is None

    other = make_token("agency", sub="tp-79", agency="SO-TP", province="79")
    assert (await rotate(pa, other, made["endpoint_id"])).status_code == 404  # not theirs
    assert (await rotate(pa, make_token("citizen"), made["endpoint_id"])).status_code == 403
    assert (await rotate(pa, gtvt, made["endpoint_id"], grace_seconds=8 * 86400)).status_code == 422

    r = await rotate(pa, gtvt, made["endpoint_id"], grace_seconds=3600)
    assert r.status_code == 200, r.text
    second, until = r.json()["secret"], r.json()["previous_secret_until"]
    assert second.startswith("whsec_") and second != first and until is not None
    listed = (await pa.http.get("/v1/webhooks/endpoints", headers=bearer(gtvt))).json()["items"]
    assert [e["previous_secret_until"] for e in listed] == [until] and "secret" not in listed[0]

    header, body = await deliver_one(pa, seen)
    t = int(header.split(",")[0].removeprefix("t="))
    assert header.count("v1=") == 2 and header.startswith(signature(second, t, body))
    assert verify(second, header, body, now=t) and verify(first, header, body, now=t)

    r = await rotate(pa, gtvt, made["endpoint_id"], grace_seconds=0)  # the previous one stops now
    third = r.json()["secret"]
    assert r.json()["previous_secret_until"] is None
    header, body = await deliver_one(pa, seen)
    t = int(header.split(",")[0].removeprefix("t="))
    assert header == signature(third, t, body)
    assert not verify(second, header, body, now=t) and not verify(first, header, body, now=t)

    r = await rotate(pa, gtvt, made["endpoint_id"])  # the service's default grace: 24 h
    assert r.json()["previous_secret_until"] is not None
    await pa.ctx.webhooks.aclose()


async def test_the_delivery_log_is_pruned_after_its_retention_but_pending_deliveries_stay(
    make_payment_app: Any, make_token: Any
) -> None:
    pa = await make_payment_app(webhook_log_retention_days=30)
    seen = capture(pa)
    await publish_procedure(pa, "GPLX-DOI-L4", "SO-GTVT")
    gtvt = make_token("agency", sub="gtvt-79", agency="SO-GTVT", province="79")
    await pa.http.post("/v1/webhooks/endpoints", json={"url": URL}, headers=bearer(gtvt))
    for _ in range(3):
        await deliver_one(pa, seen)  # three delivered, each with its attempt
    await paid(pa, "momo")  # a fourth, still pending
    items = (await pa.http.get("/v1/webhooks/deliveries", headers=bearer(gtvt))).json()["items"]
    pending = next(d["delivery_id"] for d in items if d["status"] == "pending")
    delivered = [d["delivery_id"] for d in items if d["status"] == "delivered"]
    now = clock.now()
    old, recent = [*delivered[:2], pending], delivered[2]
    async with pa.ctx.runtime.engine.begin() as conn:
        d = webhook_deliveries
        await conn.execute(update(d).where(d.c.id.in_(old)).values(created_at=now - timedelta(days=31)))
        await conn.execute(update(d).where(d.c.id == recent).values(created_at=now - timedelta(days=29)))

    assert await maintenance.prune(pa.ctx.uow, policy=pa.ctx.policy, now=now, batch=1) == 1  # in batches
    assert await maintenance.prune(pa.ctx.uow, policy=pa.ctx.policy, now=now) == 1
    assert await maintenance.prune(pa.ctx.uow, policy=pa.ctx.policy, now=now) == 0
    left = (await pa.http.get("/v1/webhooks/deliveries", headers=bearer(gtvt))).json()["items"]
    assert sorted(d["delivery_id"] for d in left) == sorted([recent, pending])
    async with pa.ctx.runtime.engine.connect() as conn:
        a = webhook_attempts
        assert await conn.scalar(select(func.count()).select_from(a).where(a.c.delivery_id.in_(old))) == 0
        assert await conn.scalar(select(func.count()).select_from(a).where(a.c.delivery_id == recent)) == 1
    await pa.ctx.webhooks.aclose()
