"""A citizen's own SMS opt-out (``/v1/citizen/opt-out``, what the portal's "Tin nhắn SMS" page calls) and the
SMS about a dossier sent to their number (``/v1/citizen/sms``, the portal's dossier page) on the real PostgreSQL,
the app in-process: the number is the token's, stopping puts it on the list every message is checked against (a
live send to it ends ``opted_out``), restarting takes it off, and nobody reaches another's number or messages."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

from dvc_notify.adapters.orm import messages, opt_outs
from dvc_notify.config import Settings
from dvc_notify.domain.limits import Limit, RateLimiter
from dvc_notify.entrypoints.app import create_app
from dvc_notify.entrypoints.citizen_http import MY_SMS_LIMIT
from dvckit.auth.jwt import DevKeys, TokenVerifier
from dvckit.testing import PostgresServer, migrated_database

pytestmark = pytest.mark.integration

AN = "0912345678"  # the citizen's number in the token
REFUND = {
    "template_id": "fee-refunded",
    "personalisation": {"dossier_code": "01-260302-ABC123", "amount": 135000},
}


@pytest.fixture(scope="module")
async def app_on_pg(pg: PostgresServer, dev_keys: tuple[DevKeys, Path]) -> AsyncIterator[Any]:
    settings = Settings(database_url=await migrated_database(pg, "dvc_notify"), providers=["sandbox"])
    app = create_app(settings)  # routes work without the lifespan: no broker, no background sender
    app.state.token_verifier = TokenVerifier(dev_keys[0].jwks, issuer="cong-dvc", audience="cong-dvc")
    yield app
    await app.state.runtime.engine.dispose()


@pytest.fixture
async def http(app_on_pg: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with app_on_pg.state.runtime.engine.begin() as conn:
        await conn.execute(text("TRUNCATE api_keys, api_notifications, sms_messages, outbox, sms_opt_outs"))
    app_on_pg.state.notify.key_limiter = RateLimiter(Limit(1000, 1000, daily=0))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app_on_pg), base_url="http://notify.test"
    ) as c:
        yield c


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def send_to(http: httpx.AsyncClient, operator: dict[str, str], reference: str) -> dict[str, Any]:
    key = await http.post(
        "/v1/api-keys", json={"name": "t", "service": "payment", "key_type": "live"}, headers=operator
    )
    body = REFUND | {"phone_number": AN, "reference": reference}
    r = await http.post("/v1/notifications/sms", json=body, headers=bearer(key.json()["key"]))
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


async def test_stop_and_restart_my_own_sms(
    http: httpx.AsyncClient, app_on_pg: Any, make_token: Callable[..., str]
) -> None:
    me = bearer(make_token("citizen", sub="citizen-an", phone=AN))
    operator = bearer(make_token("operator", sub="op-national"))
    assert (await http.get("/v1/citizen/opt-out", headers=me)).json() == {
        "phone": "+8491*****78", "opted_out": False, "since": None, "source": None,
    }  # fmt: skip

    stopped = await http.put("/v1/citizen/opt-out", json={"reason": "  đã đủ thông tin  "}, headers=me)
    assert stopped.status_code == 201, stopped.text
    assert stopped.json()["opted_out"] is True and stopped.json()["source"] == "citizen"
    again = await http.put("/v1/citizen/opt-out", headers=me)
    assert again.status_code == 200 and again.json()["since"] == stopped.json()["since"]
    async with app_on_pg.state.runtime.uow() as uow:
        row = (await uow.session.execute(select(opt_outs))).one()
    assert (row.phone, row.reason, row.source, row.created_by) == (
        "+84912345678",
        "đã đủ thông tin",
        "citizen",
        "citizen-an",
    )
    refused = await send_to(http, operator, "while-stopped")
    assert (refused["status"], refused["failure_reason"]) == ("permanent-failure", "opted_out")

    restarted = await http.delete("/v1/citizen/opt-out", headers=me)
    assert restarted.status_code == 200 and restarted.json()["opted_out"] is False
    assert (await http.get("/v1/citizen/opt-out", headers=me)).json()["opted_out"] is False
    sent = await send_to(http, operator, "after-restart")
    assert sent["status"] == "created" and sent["failure_reason"] is None


async def test_only_my_own_number_and_only_a_citizen(
    http: httpx.AsyncClient, make_token: Callable[..., str]
) -> None:
    an = bearer(make_token("citizen", sub="citizen-an", phone=AN))
    binh = bearer(make_token("citizen", sub="citizen-binh", phone="0987654321"))
    assert (await http.put("/v1/citizen/opt-out", headers=an)).status_code == 201
    other = await http.delete("/v1/citizen/opt-out", headers=binh)  # Bình restarts *her* number only
    assert other.status_code == 200 and other.json()["phone"] == "+8498*****21"
    assert (await http.get("/v1/citizen/opt-out", headers=an)).json()["opted_out"] is True

    no_phone = await http.put("/v1/citizen/opt-out", headers=bearer(make_token("citizen", sub="citizen-x")))
    assert no_phone.status_code == 422 and no_phone.json()["code"] == "no_phone"
    landline = await http.get(
        "/v1/citizen/opt-out", headers=bearer(make_token("citizen", phone="0241234567"))
    )
    assert landline.status_code == 422 and landline.json()["code"] == "invalid_phone"
    operator = await http.put("/v1/citizen/opt-out", headers=bearer(make_token("operator")))
    assert operator.status_code == 403
    assert (await http.get("/v1/citizen/opt-out")).status_code == 401
    too_long = await http.put("/v1/citizen/opt-out", json={"reason": "x" * 501}, headers=an)
    assert too_long.status_code == 422


def sms_row(n: int, dossier: str, phone: str, status: str = "delivered") -> dict[str, Any]:
    at = datetime(2026, 12, 4, 16, 58, tzinfo=UTC) + timedelta(minutes=n)  # around midnight in Hà Nội
    return {
        "id": f"m-{n}", "trigger_event_id": f"e-{n}", "template": "dossier-status-changed", "dossier_code": dossier,
        "province_code": "01", "phone": phone, "phone_masked": "x", "text": f"Ho so {dossier}: buoc {n}",
        "encoding": "GSM-7", "segments": 1, "status": status, "created_at": at, "updated_at": at,
        "sent_at": at, "delivered_at": at if status == "delivered" else None,
    }  # fmt: skip


async def test_my_sms_about_a_dossier_are_those_sent_to_my_own_number(
    http: httpx.AsyncClient, app_on_pg: Any, make_token: Callable[..., str]
) -> None:
    rows = [sms_row(1, "01-261205-AAA111", "+84912345678"), sms_row(3, "01-261205-AAA111", "+84912345678", "sent"),
            sms_row(2, "01-261205-AAA111", "+84987654321"), sms_row(4, "01-261205-BBB222", "+84912345678")]  # fmt: skip
    async with app_on_pg.state.runtime.engine.begin() as conn:
        await conn.execute(messages.insert(), rows)
    an = bearer(make_token("citizen", sub="citizen-an", phone=AN))
    mine = await http.get("/v1/citizen/sms", params={"dossier_code": "01-261205-AAA111"}, headers=an)
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert body["phone"] == "+8491*****78"
    assert [(i["text"], i["status"]) for i in body["items"]] == [
        ("Ho so 01-261205-AAA111: buoc 3", "sent"),  # newest first; the other number's step 2 is not here
        ("Ho so 01-261205-AAA111: buoc 1", "delivered"),
    ]
    assert set(body["items"][0]) == {"template", "text", "status", "created_at", "sent_at", "delivered_at"}

    binh = bearer(make_token("citizen", sub="citizen-binh", phone="0987654321"))
    hers = await http.get("/v1/citizen/sms", params={"dossier_code": "01-261205-AAA111"}, headers=binh)
    assert [i["text"] for i in hers.json()["items"]] == ["Ho so 01-261205-AAA111: buoc 2"]
    for bad in ("", "x" * 65, "01 261205", "../sms"):
        r = await http.get("/v1/citizen/sms", params={"dossier_code": bad}, headers=an)
        assert r.status_code == 422, bad
    assert (await http.get("/v1/citizen/sms", headers=an)).status_code == 422  # a dossier is required
    operator = bearer(make_token("operator"))
    assert (
        await http.get("/v1/citizen/sms", params={"dossier_code": "A"}, headers=operator)
    ).status_code == 403
    assert (await http.get("/v1/citizen/sms", params={"dossier_code": "A"})).status_code == 401
    no_phone = bearer(make_token("citizen", sub="citizen-x"))
    r = await http.get("/v1/citizen/sms", params={"dossier_code": "A"}, headers=no_phone)
    assert r.status_code == 422 and r.json()["code"] == "no_phone"


async def test_my_sms_list_stops_at_the_newest_fifty(
    http: httpx.AsyncClient, app_on_pg: Any, make_token: Callable[..., str]
) -> None:
    rows = [sms_row(n, "01-261205-CCC333", "+84912345678") for n in range(1, MY_SMS_LIMIT + 4)]
    async with app_on_pg.state.runtime.engine.begin() as conn:
        await conn.execute(messages.insert(), rows)
    an = bearer(make_token("citizen", sub="citizen-an", phone=AN))
    r = await http.get("/v1/citizen/sms", params={"dossier_code": "01-261205-CCC333"}, headers=an)
    texts = [i["text"] for i in r.json()["items"]]
    assert MY_SMS_LIMIT == 50
    assert len(texts) == 50
    # the newest first, the 3 oldest left out
    assert texts[0] == f"Ho so 01-261205-CCC333: buoc {MY_SMS_LIMIT + 3}"
    assert texts[-1] == "Ho so 01-261205-CCC333: buoc 4"
