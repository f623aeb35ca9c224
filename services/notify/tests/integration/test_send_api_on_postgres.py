"""The integrators' API on the real PostgreSQL (the app in-process, no broker; the sender driven pass by pass with
the sandbox provider as the only gateway): templates and previews, keys, live and test sends, idempotency by
reference under concurrency, revocation, and one service not seeing another's notifications."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from dvc_contracts import topics
from dvc_contracts.envelope import new_event
from dvc_contracts.events import SmsRequestedV1
from dvc_notify.adapters.orm import messages, messaging, sandbox_inbox
from dvc_notify.config import Settings
from dvc_notify.domain.limits import Limit, RateLimiter
from dvc_notify.entrypoints.app import create_app
from dvc_notify.entrypoints.wiring import Notify
from dvc_notify.service import handlers
from dvc_notify.service.uow import NotifyUnitOfWork
from dvckit.auth.jwt import DevKeys, TokenVerifier
from dvckit.messaging.typed import Event
from dvckit.testing import PostgresServer, migrated_database

pytestmark = pytest.mark.integration

TABLES = (
    "api_keys, api_notifications, sms_messages, outbox, inbox, sandbox_sms, sms_opt_outs, sms_daily_usage"
)
REFUND = {
    "template_id": "fee-refunded",
    "personalisation": {"dossier_code": "01-260302-ABC123", "amount": 135000},
}


@dataclass
class Api:
    http: httpx.AsyncClient
    notify: Notify
    uow: Callable[[], NotifyUnitOfWork]
    operator: dict[str, str]

    async def key(self, service: str, key_type: str = "live") -> dict[str, str]:
        body = {"name": f"{service} {key_type}", "service": service, "key_type": key_type}
        r = await self.http.post("/v1/api-keys", json=body, headers=self.operator)
        assert r.status_code == 201, r.text
        return {"authorization": f"Bearer {r.json()['key']}", "id": r.json()["id"]}

    async def send(self, key: dict[str, str], reference: str, **body: Any) -> httpx.Response:
        payload = REFUND | {"phone_number": "0912345678", "reference": reference} | body
        return await self.http.post("/v1/notifications/sms", json=payload, headers=_auth(key))

    async def count(self, table: Any) -> int:
        async with self.uow() as uow:
            return int((await uow.session.execute(select(func.count()).select_from(table))).scalar_one())

    async def sandbox(self) -> list[Any]:
        async with self.uow() as uow:
            return list((await uow.session.execute(select(sandbox_inbox))).all())


def _auth(key: dict[str, str]) -> dict[str, str]:
    return {"authorization": key["authorization"]}


@pytest.fixture(scope="module")
async def app_on_pg(pg: PostgresServer, dev_keys: tuple[DevKeys, Path]) -> AsyncIterator[Any]:
    settings = Settings(database_url=await migrated_database(pg, "dvc_notify"), providers=["sandbox"])
    app = create_app(settings)  # routes work without the lifespan: no broker, no background sender
    app.state.token_verifier = TokenVerifier(dev_keys[0].jwks, issuer="cong-dvc", audience="cong-dvc")
    yield app
    await app.state.runtime.engine.dispose()


@pytest.fixture
async def api(app_on_pg: Any, make_token: Callable[..., str]) -> AsyncIterator[Api]:
    runtime = app_on_pg.state.runtime
    async with runtime.engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {TABLES}"))
    notify: Notify = app_on_pg.state.notify
    notify.key_limiter = RateLimiter(Limit(1000, 1000, daily=0))
    operator = {"authorization": f"Bearer {make_token('operator', sub='op-national')}"}
    transport = httpx.ASGITransport(app=app_on_pg)
    async with httpx.AsyncClient(transport=transport, base_url="http://notify.test") as http:
        yield Api(http, notify, runtime.uow, operator)


async def test_templates_list_get_and_a_preview_with_segments_and_cost(api: Api) -> None:
    listed = (await api.http.get("/v1/templates")).json()
    assert listed["total"] == len(listed["items"]) >= 10
    one = (await api.http.get("/v1/templates/dossier-status-changed")).json()
    assert one == next(t for t in listed["items"] if t["id"] == "dossier-status-changed")
    fields = {f["name"]: f for f in one["fields"]}
    assert fields["dossier_code"]["required"] and fields["status"]["choices"]["forwarded"].startswith("đã")
    assert fields["to_agency"] == {
        "name": "to_agency", "kind": "text", "required": False, "choices": None,
        "required_when": {"status": ["forwarded"]},
    }  # fmt: skip

    values = {"dossier_code": "01-260302-ABC123", "status": "forwarded", "to_agency": "Phòng CSGT Hà Nội"}
    r = await api.http.post("/v1/templates/dossier-status-changed/preview", json={"personalisation": values})
    assert r.status_code == 200, r.text
    assert r.json() == {
        "id": "dossier-status-changed", "type": "sms",
        "body": "Cong DVC: Ho so 01-260302-ABC123 da duoc chuyen sang Phong CSGT Ha Noi. Tra cuu: dichvucong.gov.vn",
        "encoding": "GSM-7", "segments": 1, "characters": 98,
        "cost": {"segments": 1, "price_per_segment_vnd": 800, "total_vnd": 800},
    }  # fmt: skip
    refund = await api.http.post("/v1/templates/fee-refunded/preview", json=REFUND)
    assert (refund.json()["encoding"], refund.json()["segments"], refund.json()["cost"]["total_vnd"]) == (
        "UCS-2", 2, 1600,
    )  # fmt: skip
    assert (await api.http.get("/v1/templates/khong-co")).json()["code"] == "unknown_template"


async def test_missing_or_unknown_personalisation_is_a_422_naming_the_fields(api: Api) -> None:
    r = await api.http.post(
        "/v1/templates/fee-paid/preview", json={"personalisation": {"dossier_code": "X", "amont": 1}}
    )
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["code"] == "missing_personalisation"
    assert [e["field"] for e in problem["errors"]] == [
        "personalisation.amount", "personalisation.paid_at", "personalisation.amont",
    ]  # fmt: skip
    key = await api.key("payment")
    sent = await api.send(key, "r-missing", personalisation={"dossier_code": "X"})
    assert sent.status_code == 422 and sent.json()["errors"][0]["field"] == "personalisation.amount"
    assert await api.count(messages) == 0


async def test_a_live_key_sends_exactly_what_the_preview_showed(api: Api) -> None:
    key = await api.key("payment")
    previewed = (await api.http.post("/v1/templates/fee-refunded/preview", json=REFUND)).json()
    r = await api.send(key, "refund-0001")
    assert r.status_code == 201, r.text
    sent = r.json()
    assert (sent["status"], sent["key_type"], sent["phone_number"]) == ("created", "live", "+84912345678")
    assert sent["content"]["body"] == previewed["body"] and sent["cost"] == previewed["cost"]
    await api.notify.sender.run_once()
    [handset] = await api.sandbox()
    assert (handset.phone, handset.text) == ("+84912345678", previewed["body"])
    status = (await api.http.get(sent["uri"], headers=_auth(key))).json()
    assert status["status"] == "sent" and status["sent_at"] is not None


async def test_a_test_key_never_reaches_a_gateway(api: Api) -> None:
    key = await api.key("payment", "test")
    r = await api.send(key, "trial-1")
    assert r.status_code == 201, r.text
    assert (r.json()["status"], r.json()["key_type"]) == ("delivered", "test")
    report = await api.notify.sender.run_once()
    assert report.handled == 0 and report.remote == 0
    assert await api.sandbox() == [] and await api.count(messages) == 0
    assert await api.count(messaging.outbox) == 0  # no sms-sent/-failed: nothing left notify
    again = (await api.http.get(r.json()["uri"], headers=_auth(key))).json()
    assert again["status"] == "delivered" and again["content"] == r.json()["content"]


async def test_the_same_reference_posted_twice_at_once_sends_one_sms(api: Api) -> None:
    key = await api.key("payment")
    first, second = await asyncio.gather(api.send(key, "once-1"), api.send(key, "once-1"))
    assert sorted([first.status_code, second.status_code]) == [200, 201], (first.text, second.text)
    assert first.json()["id"] == second.json()["id"]
    assert await api.count(messages) == 1
    for _ in range(2):
        await api.notify.sender.run_once()
    assert len(await api.sandbox()) == 1
    other = await api.send(key, "once-1", phone_number="0912345679")
    assert other.status_code == 409 and other.json()["code"] == "reference_reused"


async def test_an_sms_requested_and_the_api_with_one_reference_send_once(api: Api) -> None:
    key = await api.key("payment")
    request = SmsRequestedV1(
        request_id="shared-7", phone="0912345678", template="fee-refunded",
        personalisation=REFUND["personalisation"], sending_service="payment",
    )  # fmt: skip
    async with api.uow() as uow:
        await handlers.on_sms_requested([Event.parse(new_event(topics.SMS_REQUESTED, "/test", request))], uow)
        await uow.commit()
    r = await api.send(key, "shared-7")
    assert r.status_code == 201 and await api.count(messages) == 1
    await api.notify.sender.run_once()
    assert len(await api.sandbox()) == 1


async def test_the_same_rules_as_sms_requested_apply_to_a_live_key(api: Api) -> None:
    r = await api.http.post(
        "/v1/opt-outs", json={"phone": "0912345670", "reason": "không muốn nhận"}, headers=api.operator
    )
    assert r.status_code == 201
    key = await api.key("payment")
    refused = (await api.send(key, "to-opted-out", phone_number="0912345670")).json()
    assert (refused["status"], refused["failure_reason"]) == ("permanent-failure", "opted_out")
    bad = await api.send(key, "bad-number", phone_number="0241234567")
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_phone"


async def test_a_revoked_or_unknown_key_is_refused(api: Api) -> None:
    key = await api.key("payment")
    assert (await api.send(key, "before")).status_code == 201
    r = await api.http.post(f"/v1/api-keys/{key['id']}/revoke", headers=api.operator)
    assert r.status_code == 200 and r.json()["revoked_at"] is not None
    refused = await api.send(key, "after")
    assert refused.status_code == 401 and refused.json()["code"] == "api_key_revoked"
    assert refused.headers["www-authenticate"] == "Bearer"
    forged = key["authorization"][:-4] + "0000"
    assert (await api.send({"authorization": forged}, "x")).json()["code"] == "invalid_api_key"
    as_operator = await api.send(api.operator, "x")  # a JWT is not an API key
    assert as_operator.status_code == 401
    listed = (
        await api.http.get("/v1/api-keys", params={"include_revoked": "true"}, headers=api.operator)
    ).json()
    assert [k["id"] for k in listed["items"]] == [key["id"]] and "key" not in listed["items"][0]
    assert (await api.http.get("/v1/api-keys", headers=api.operator)).json()["total"] == 0


async def test_a_service_sees_only_its_own_notifications(api: Api) -> None:
    payment, dossier = await api.key("payment"), await api.key("dossier", "test")
    sent = (await api.send(payment, "mine-1")).json()
    assert (await api.http.get(sent["uri"], headers=_auth(payment))).status_code == 200
    theirs = await api.http.get(sent["uri"], headers=_auth(dossier))
    assert theirs.status_code == 404 and theirs.json()["code"] == "not_found"
    assert (
        await api.http.get(f"/v1/notifications/{uuid.uuid4()}", headers=_auth(payment))
    ).status_code == 404


async def test_keys_are_for_national_operators_and_requests_are_limited_per_key(
    api: Api, make_token: Callable[..., str]
) -> None:
    body = {"name": "x", "service": "payment", "key_type": "live"}
    province = {"authorization": f"Bearer {make_token('operator', province='01')}"}
    citizen = {"authorization": f"Bearer {make_token('citizen')}"}
    assert (await api.http.post("/v1/api-keys", json=body, headers=province)).status_code == 403
    assert (await api.http.post("/v1/api-keys", json=body, headers=citizen)).status_code == 403
    key = await api.key("payment", "test")
    api.notify.key_limiter = RateLimiter(Limit(0.01, 2, daily=0))
    codes = [(await api.send(key, f"burst-{i}")).status_code for i in range(3)]
    assert codes == [201, 201, 429]
    limited = await api.send(key, "burst-3")
    assert limited.json()["code"] == "rate_limited" and int(limited.headers["retry-after"]) >= 1
