"""Refunds by API and webhook endpoints over HTTP, on SQLite (no broker): who may, full and partial refunds
through the refund worker, amounts above what remains, Idempotency-Key replays, endpoints per scope and the
deliveries a payment event writes."""

from __future__ import annotations

from typing import Any

from dvc_contracts import clock, topics
from dvc_contracts.envelope import new_event
from dvc_contracts.events import ProcedurePublishedV1
from dvc_payment.service import refunds, webhooks
from dvckit.messaging.typed import Event
from dvckit.testing import free_port

from ..conftest import PaymentApp, until
from .test_service_flows import paid  # an intent of province 79, procedure GPLX-DOI-L4, paid by the sandbox


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def ask_refund(pa: PaymentApp, token: str, pid: str, key: str, **body: Any) -> Any:
    headers = bearer(token) | {"idempotency-key": key}
    return await pa.http.post(f"/v1/payments/{pid}/refunds", json={"reason": "Hồ sơ bị từ chối"} | body,
                              headers=headers)  # fmt: skip


async def test_refunds_by_api(make_payment_app: Any, make_token: Any) -> None:
    pa = await make_payment_app()
    pid = await paid(pa, "paygov", 135_000)
    hcm, hanoi = make_token("operator", province="79"), make_token("operator", province="01")
    assert (await ask_refund(pa, hanoi, pid, "k1", amount_vnd=1000)).status_code == 403
    assert (await ask_refund(pa, make_token("agency", agency="SO-GTVT"), pid, "k1")).status_code == 403
    missing = await pa.http.post(f"/v1/payments/{pid}/refunds", json={"reason": "x"}, headers=bearer(hcm))
    assert missing.status_code == 400 and missing.json()["code"] == "missing_idempotency_key"
    no_reason = await ask_refund(pa, hcm, pid, "k0", reason="")
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"

    first = await ask_refund(pa, hcm, pid, "k1", amount_vnd=35_000)
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "requested" and first.json()["amount_vnd"] == 35_000
    again = await ask_refund(pa, hcm, pid, "k1", amount_vnd=35_000)
    assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
    assert again.json()["refund_id"] == first.json()["refund_id"]
    other = await ask_refund(pa, hcm, pid, "k1", amount_vnd=1_000)
    assert other.status_code == 409 and other.json()["code"] == "idempotency_conflict"

    too_much = await ask_refund(pa, hcm, pid, "k2", amount_vnd=100_001)
    assert too_much.status_code == 409 and too_much.json()["code"] == "amount_exceeds_refundable"
    assert "100.000 ₫" in too_much.json()["detail"]  # what remains, in the message
    rest = await ask_refund(pa, make_token("operator"), pid, "k3")  # a national operator; all that remains
    assert rest.status_code == 201 and rest.json()["amount_vnd"] == 100_000
    nothing_left = await ask_refund(pa, hcm, pid, "k4", amount_vnd=1)
    assert nothing_left.status_code == 409 and nothing_left.json()["code"] == "already_refunded"

    # the same worker as refund-requested sends them to the provider
    while await refunds.process_refunds(pa.ctx.uow, pa.ctx.providers, policy=pa.ctx.policy):
        pass
    listed = await pa.http.get(f"/v1/payments/{pid}/refunds", headers=bearer(hcm))
    assert listed.status_code == 200
    body = listed.json()
    assert [r["status"] for r in body["items"]] == ["refunded", "refunded"]
    assert body["refunded_vnd"] == 135_000 and body["refundable_vnd"] == 0
    assert await pa.status(pid) == "refunded"
    assert [p["amount_vnd"] for _, p in await pa.outbox(topics.FEE_REFUNDED)] == [35_000, 100_000]
    assert (await pa.http.get(f"/v1/payments/{pid}/refunds", headers=bearer(hanoi))).status_code == 403
    unpaid = await ask_refund(pa, hcm, "pay_nope", "k5")
    assert unpaid.status_code == 404


async def publish_procedure(pa: PaymentApp, code: str, agency: str, version: int = 1) -> None:
    data = ProcedurePublishedV1.model_validate(
        {"code": code, "version": version, "name": "Đổi GPLX", "sector": "Giao thông", "agency_code": agency,
         "agency_name": "Sở GTVT", "level": "province", "service_level": 4, "processing_days": 5, "fee": {"kind": "fixed", "amount_vnd": 135000},
         "published_at": clock.now()}
    )  # fmt: skip
    event = new_event(topics.PROCEDURE_PUBLISHED, "/dvc/catalog", data, subject=code)
    async with pa.ctx.uow() as uow:
        await webhooks.on_procedure_published(Event.parse(event), uow)
        await uow.commit()


async def test_endpoints_and_the_deliveries_a_payment_writes(make_payment_app: Any, make_token: Any) -> None:
    pa = await make_payment_app(webhook_max_endpoints=2)
    await publish_procedure(pa, "GPLX-DOI-L4", "SO-GTVT")
    gtvt_hcm = make_token("agency", sub="gtvt-79", agency="SO-GTVT", province="79")
    gtvt_hanoi = make_token("agency", sub="gtvt-01", agency="SO-GTVT", province="01")
    url = "http://127.0.0.1:9/hook"
    made = await pa.http.post("/v1/webhooks/endpoints", json={"url": url}, headers=bearer(gtvt_hcm))
    assert made.status_code == 201, made.text
    assert made.json()["secret"].startswith("whsec_") and made.json()["province_code"] == "79"
    assert len(made.json()["events"]) == 5
    insecure = await pa.http.post(
        "/v1/webhooks/endpoints", json={"url": "http://example.org/h"}, headers=bearer(gtvt_hcm)
    )
    assert insecure.status_code == 422 and insecure.json()["code"] == "insecure_url"
    await pa.http.post("/v1/webhooks/endpoints", json={"url": url, "events": ["payment.refunded"]},
                       headers=bearer(gtvt_hanoi))  # fmt: skip
    second = await pa.http.post("/v1/webhooks/endpoints", json={"url": url + "2"}, headers=bearer(gtvt_hcm))
    assert second.status_code == 201
    third = await pa.http.post("/v1/webhooks/endpoints", json={"url": url + "3"}, headers=bearer(gtvt_hcm))
    assert third.status_code == 409 and third.json()["code"] == "too_many_endpoints"
    gone = await pa.http.delete(
        f"/v1/webhooks/endpoints/{second.json()['endpoint_id']}", headers=bearer(gtvt_hanoi)
    )
    assert gone.status_code == 404  # not theirs
    gone = await pa.http.delete(
        f"/v1/webhooks/endpoints/{second.json()['endpoint_id']}", headers=bearer(gtvt_hcm)
    )
    assert gone.status_code == 204

    pid = await paid(pa, "vnpay")  # province 79, procedure of SO-GTVT: the HCM endpoint only
    log = await pa.http.get("/v1/webhooks/deliveries", headers=bearer(gtvt_hcm))
    assert log.status_code == 200
    items = log.json()["items"]
    assert [(d["event_type"], d["payment_id"], d["status"]) for d in items] == [
        ("payment.succeeded", pid, "pending")
    ]
    assert items[0]["endpoint_id"] == made.json()["endpoint_id"]
    assert (await pa.http.get("/v1/webhooks/deliveries", headers=bearer(gtvt_hanoi))).json()["items"] == []
    op_hanoi = await pa.http.get(
        "/v1/webhooks/deliveries", headers=bearer(make_token("operator", province="01"))
    )
    assert op_hanoi.json()["total"] == 0
    national = await pa.http.get("/v1/webhooks/deliveries", headers=bearer(make_token("operator")))
    assert national.json()["total"] == 1
    other = await pa.http.get("/v1/webhooks/deliveries?agency_code=SO-TP", headers=bearer(gtvt_hcm))
    assert other.status_code == 403
    citizen = await pa.http.get("/v1/webhooks/deliveries", headers=bearer(make_token("citizen")))
    assert citizen.status_code == 403
    listed = await pa.http.get("/v1/webhooks/endpoints", headers=bearer(gtvt_hcm))
    assert [e["url"] for e in listed.json()["items"]] == [url] and "secret" not in listed.json()["items"][0]
    assert (listed.json()["total"], listed.json()["next"]) == (None, None), (
        "a handful per agency: not counted"
    )
    paged = (
        await pa.http.get("/v1/webhooks/deliveries", params={"limit": 1}, headers=bearer(gtvt_hcm))
    ).json()
    assert (paged["total"], paged["limit"], paged["next"]) == (1, 1, None)


async def test_an_endpoint_that_never_answers_is_given_up_after_the_last_attempt(
    make_payment_app: Any, make_token: Any
) -> None:
    pa = await make_payment_app(webhook_max_attempts=3, webhook_backoff_base_seconds=0.01)
    gtvt = make_token("agency", sub="gtvt-79", agency="SO-GTVT", province="79")
    url = f"http://127.0.0.1:{free_port()}/hook"  # nothing listens there
    assert (
        await pa.http.post("/v1/webhooks/endpoints", json={"url": url}, headers=bearer(gtvt))
    ).status_code == 201
    await publish_procedure(pa, "GPLX-DOI-L4", "SO-GTVT")
    await paid(pa, "momo")

    async def given_up() -> bool:
        await webhooks.send_due(pa.ctx.uow, pa.ctx.webhooks)
        log = (await pa.http.get("/v1/webhooks/deliveries?status=failed", headers=bearer(gtvt))).json()
        return log["total"] == 1

    await until(given_up, timeout=30)
    [d] = (await pa.http.get("/v1/webhooks/deliveries", headers=bearer(gtvt))).json()["items"]
    assert d["attempts"] == 3 and d["next_attempt_at"] is None and d["last_status_code"] is None
    assert [a["attempt"] for a in d["log"]] == [1, 2, 3]
    assert all(a["error"].startswith("ConnectError") for a in d["log"])
    await pa.ctx.webhooks.aclose()
