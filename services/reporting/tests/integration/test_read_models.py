"""Read models from real events on the real broker and PostgreSQL: the pinned summary, province scoping,
out-of-order status events, a cross-agency dossier counted once, rejections, dead letters, CSV."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from dvc_contracts import agencies, clock, topics, units
from dvc_contracts.clock import now, vn_today
from dvc_reporting.adapters.orm import operator_sessions
from dvc_reporting.adapters.queries.headline import SUMMARY_KEYS
from dvckit.devbroker import NO_ADMIN_OFFSETS_KINDS, DevBroker
from dvckit.testing import eventually

from ..conftest import Emitter, Events
from .conftest import Reporting

pytestmark = pytest.mark.integration


async def summary(rep: Reporting, token: str, **params: Any) -> dict[str, Any]:
    r = await rep.get("/api/summary", token, **params)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_summary_figures_and_province_scope(
    reporting: Reporting, emitter: Emitter, events: Events, make_token: Callable[..., str]
) -> None:
    national = make_token("operator")
    p97 = make_token("operator", sub="op-97", province="97")
    proc, e = f"P-{events.run}", events
    d1, d2, d3 = e.code(1), e.code(2), e.code(3)
    for payload in (
        e.procedure(proc, saving=50_000),
        e.submitted(d1, "97", proc, due=vn_today() - timedelta(days=2)),  # online, overdue
        e.status(
            d2, "97", proc, 1, "received", channel="counter", due=vn_today() + timedelta(days=3)
        ),  # counter dossier
        e.submitted(d3, "98", proc),
        e.paid(f"pay-{e.run}-1", 150_000, dossier=d1),  # no province: the dossier's
        e.paid(f"pay-{e.run}-2", 90_000, province="98"),
        e.fine(f"QD-{e.run}-1", "97"),
        e.fine(f"QD-{e.run}-2", "97"),
        e.fine_settled(f"QD-{e.run}-1", "97", "online"),
        e.feedback(f"FB-{e.run}-1", "97", due=vn_today() - timedelta(days=1)),
        e.feedback(f"FB-{e.run}-2", "97"),
        e.answered(f"FB-{e.run}-2", "97"),
        e.sms_sent(f"M-{e.run}-1", d1, segments=2),
        e.sms_sent(f"M-{e.run}-2", d1),
        e.sms_delivered(f"M-{e.run}-1", d1),
        e.sms_failed(f"M-{e.run}-2", d1),
    ):
        await emitter.send(payload)
    await emitter.flush()

    expected = {
        "dossiers_total": 2,
        "dossiers_overdue": 1,
        "payments_total_vnd": 150_000,
        "fines_issued": 2,
        "fines_settled_online": 1,
        "feedback_received": 2,
        "feedback_answered": 1,
        "sms_sent": 2,
        "sms_delivered": 1,
        "estimated_savings_vnd": 50_000,
    }

    expected_98 = {"dossiers_total": 1, "payments_total_vnd": 90_000, "estimated_savings_vnd": 50_000}

    async def settled() -> bool:
        # Both provinces: their events sit on different partitions and may land in different batches.
        # SMS failures arrive on their own topic, unordered with the rest.
        s, s98 = [await summary(reporting, national, province=p) for p in ("97", "98")]
        fig = (await reporting.get("/api/figures", national, province="97")).json()
        history = (await reporting.get(f"/api/dossiers/{d1}", national)).json().get("history", [])
        return (
            all(s[k] == v for k, v in expected.items())
            and all(s98[k] == v for k, v in expected_98.items())
            and (fig["sms_failed"], fig["sms_segments"]) == (1, 3)
            and [h["kind"] for h in history].count("sms") == 4
        )

    await eventually(settled, timeout=60)
    s = await summary(reporting, national, province="97")
    assert tuple(s) == SUMMARY_KEYS  # exactly the pinned names
    assert s["dossiers_by_status"]["submitted"] == 1 and s["dossiers_by_status"]["received"] == 1
    assert sum(s["dossiers_by_status"].values()) == 2

    # A province operator sees their province only, whatever they ask for.
    assert await summary(reporting, p97) == s
    r = await reporting.get("/api/summary", p97, province="98")
    assert r.status_code == 403 and "Tài khoản này chỉ xem được" in r.json()["detail"]
    assert (await reporting.get(f"/api/dossiers/{d3}", p97)).status_code == 404
    assert (await reporting.get(f"/api/dossiers/{d1}", p97)).status_code == 200
    assert (await reporting.get("/api/pipeline", p97)).status_code == 403
    rows = (await reporting.get("/api/provinces", p97)).json()["items"]
    assert [r["province_code"] for r in rows] == ["97"]
    assert (
        rows[0]["dossiers_total"] == 2
        and rows[0]["dossiers_overdue"] == 1
        and rows[0]["payments_total_vnd"] == 150_000
    )

    # The other province, for a national operator; the national table lists the 34 provinces of today, and
    # the 63 of before 1 July 2025 on request (units=2024), with what no former province can be given.
    s98 = await summary(reporting, national, province="98")
    assert {k: s98[k] for k in expected_98} == expected_98
    national_rows = (await reporting.get("/api/provinces", national)).json()["items"]
    assert len(national_rows) == 34 and {r["province_name"] for r in national_rows} >= {"Hà Nội", "Đắk Lắk"}
    former_rows = (await reporting.get("/api/provinces", national, units="2024")).json()["items"]
    assert {r["province_code"] for r in former_rows} - {""} == {u.code for u in units.FORMER}
    assert {r["province_name"] for r in former_rows} >= {"Hà Giang", "Bắc Giang", "Bà Rịa - Vũng Tàu"}

    # Extended figures and the dashboard's other endpoints.
    fig = (await reporting.get("/api/figures", national, province="97")).json()
    assert fig["dossiers_online"] == 1 and fig["dossiers_counter"] == 1 and fig["feedback_overdue"] == 1
    assert fig["sms_failed"] == 1 and fig["sms_segments"] == 3 and fig["payments_count"] == 1
    overdue = (await reporting.get("/api/overdue", national, province="97")).json()
    assert (overdue["limit"], overdue["offset"], overdue["next"]) == (50, 0, None)
    assert (
        overdue["total"] == 1
        and overdue["items"][0]["code"] == d1
        and overdue["items"][0]["days_overdue"] == 2
    )
    by_agency = (await reporting.get("/api/overdue/by/agency", national, province="97")).json()["items"]
    assert by_agency == [{"key": "SO-GTVT", "name": "Sở Giao thông vận tải", "overdue": 1}]
    trend = (await reporting.get("/api/trends", national, province="97", days=15)).json()["items"]
    assert len(trend) == 15 and sum(d["received_online"] + d["received_counter"] for d in trend) == 2
    assert sum(d["payments_amount_vnd"] for d in trend) == 150_000
    detail = (await reporting.get(f"/api/dossiers/{d1}", national)).json()
    assert [h["kind"] for h in detail["history"]].count("sms") == 4 and detail["status"] == "submitted"

    # Filters: a date range on submission day, and sector.
    dated = await summary(
        reporting, national, province="97", date_from=(vn_today() - timedelta(days=30)).isoformat()
    )
    assert dated["dossiers_total"] == 2 and dated["estimated_savings_vnd"] == 50_000
    none = await summary(reporting, national, province="97", sector="THUE")
    assert none["dossiers_total"] == 0

    # Authentication.
    assert (await reporting.get("/api/summary")).status_code == 401
    assert (await reporting.get("/api/summary", make_token("citizen"))).status_code == 403


async def test_out_of_order_status_and_cross_agency_counted_once(
    reporting: Reporting, emitter: Emitter, events: Events, make_token: Callable[..., str]
) -> None:
    token = make_token("operator")
    e, proc = events, f"P-{events.run}"
    code = e.code("X")
    start = now() - timedelta(days=6)
    submitted = e.submitted(code, "99", proc, agency="BTC-TCT", due=vn_today() + timedelta(days=10), at=start)
    s1 = e.status(code, "99", proc, 1, "received", agency="BTC-TCT", at=start + timedelta(hours=1))
    s2 = e.status(code, "99", proc, 2, "forwarded", agency="BTC-TCT", at=start + timedelta(hours=2))
    fwd = e.forwarded(code, "99", proc, "BTC-TCT", "CA-TINH", start + timedelta(hours=2, minutes=1))
    s3 = e.status(code, "99", proc, 3, "processing", agency="CA-TINH", at=start + timedelta(hours=3))
    s4 = e.status(
        code,
        "99",
        proc,
        4,
        "completed",
        agency="CA-TINH",
        at=start + timedelta(hours=4),
        note="Đã trả kết quả",
    )
    # newest first: the older sequences arrive late; plus a repeated delivery of the completion
    for payload in (s4, s3, fwd, submitted, s2, s1):
        await emitter.send(payload)
    repeat = emitter.event(s3, event_id=str(uuid.uuid4()))[1]
    await emitter.send_event(topics.DOSSIER_STATUS_CHANGED, repeat)
    await emitter.send_event(topics.DOSSIER_STATUS_CHANGED, repeat)  # the same event id twice
    await emitter.flush()

    async def applied() -> bool:
        r = await reporting.get(f"/api/dossiers/{code}", token)
        return r.status_code == 200 and len(r.json()["history"]) == 7

    await eventually(applied, timeout=60)
    d = (await reporting.get(f"/api/dossiers/{code}", token)).json()
    assert d["status"] == "completed" and d["sequence"] == 4
    assert d["agency_code"] == "CA-TINH" and d["forwarded_times"] == 1
    assert d["on_time"] is True and d["channel"] == "online"
    late = [h["sequence"] for h in d["history"] if h["late"]]
    assert late == [1, 2, 3, 3]  # arrived after sequence 4: kept in history, status not moved
    assert [h["kind"] for h in d["history"]].count("forwarded") == 1
    s = await summary(reporting, token, province="99")
    assert s["dossiers_total"] == 1 and s["dossiers_by_status"]["completed"] == 1  # one dossier, two agencies
    fig = (await reporting.get("/api/figures", token, province="99")).json()
    assert fig["on_time_rate"] == 1.0 and fig["dossiers_open"] == 0


async def test_rejections_dead_letters_and_lag(
    reporting: Reporting,
    emitter: Emitter,
    events: Events,
    make_token: Callable[..., str],
    kafka_broker: DevBroker,
) -> None:
    lag_served = kafka_broker.kind not in NO_ADMIN_OFFSETS_KINDS
    token = make_token("operator")
    e = events
    agency = f"AG-{e.run}"
    await emitter.send(
        e.submitted(e.code(9), "97", f"P-{e.run}")
    )  # a dossier of its own for the /metrics gauge
    await emitter.send(
        e.rejected(agency, "unknown_procedure", "procedure_code: không có trong danh mục", e.code(7))
    )
    _, on_system_topic = emitter.event(
        e.rejected(agency, "invalid_payload", "occurred_at: Input should have timezone info", e.code(8))
    )  # an agency system's own rejection topic counts as well
    await emitter.send_event(agencies.by_id("bhxh").rejected_topic, on_system_topic)
    # a record reporting cannot parse: it dead-letters it (through its outbox) and consumes that record back
    await emitter.send_raw(topics.FEE_PAID, f"bad-{e.run}", b"{not json", [("content-type", b"application/json"),
                           ("ce_specversion", b"1.0"), ("ce_id", f"bad-{e.run}".encode()), ("ce_source", b"/x"),
                           ("ce_type", b"fee-paid")])  # fmt: skip
    # another service's dead letter
    await emitter.send_raw(
        topics.DEAD_LETTER,
        f"dl-{e.run}",
        b"\x00garbage",
        [("dvc_reason", b"malformed_json"), ("dvc_original_topic", b"sms-requested"), ("dvc_rejected_by", b"notify"),
         ("dvc_original_offset", b"42"), ("dvc_rejected_at", now().isoformat().encode()),
         ("dvc_message", f"run {e.run}".encode())],
    )  # fmt: skip
    await emitter.flush()

    async def seen() -> bool:
        p = (await reporting.get("/api/pipeline", token)).json()
        rej = [r for r in p["rejections"] if r["agency_code"] == agency]
        reasons = {(d["original_topic"], d["rejected_by"], d["reason"]) for d in p["dead_letters"]}
        own = any(r["service"] == "reporting" for r in p["lag"]["rows"]) or not lag_served
        return (
            bool(rej)
            and rej[0]["rejected"] == 2
            and ("fee-paid", "reporting", "malformed_json") in reasons
            and ("sms-requested", "notify", "malformed_json") in reasons
            and own
        )

    await eventually(seen, timeout=60)
    p = (await reporting.get("/api/pipeline", token)).json()
    rej = next(r for r in p["rejections"] if r["agency_code"] == agency)
    assert rej["by_reason"] == {"unknown_procedure": 1, "invalid_payload": 1}
    assert {x["reason"] for x in rej["latest"]} == {"unknown_procedure", "invalid_payload"}
    if lag_served:  # committed offsets from the admin API, nothing else
        assert p["lag"]["method"] == "admin" and p["lag"]["error"] is None
    else:  # Tansu does not serve ListConsumerGroupOffsets: no figure, and the page says why
        assert p["lag"]["method"] == "none" and "admin API" in p["lag"]["error"] and not p["lag"]["rows"]
    assert any(s["service"] == "reporting" and s["up"] for s in p["services"])

    async def gauges_refreshed() -> (
        bool
    ):  # the read-model gauges are refreshed every metrics interval (1 s here)
        return "dvc_dossiers{" in (await reporting.client.get("/metrics")).text

    await eventually(gauges_refreshed, timeout=30)
    metrics = (await reporting.client.get("/metrics")).text
    assert ("dvc_consumer_group_lag{" in metrics) == lag_served


async def test_csv_exports(reporting: Reporting, make_token: Callable[..., str]) -> None:
    token = make_token("operator")
    r = await reporting.get("/api/provinces", token, format="csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert len(rows) == 34 and "Huế" in {row["province_name"] for row in rows}
    r = await reporting.get("/api/overdue", token, format="csv", province="97")
    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert rows and all(row["province_code"] == "97" for row in rows)
    assert r.headers["x-total-count"] == str(len(rows)) and "link" not in r.headers, "one file holds them all"
    r = await reporting.get("/api/dossiers/breakdown", token, format="csv", province="99")
    assert "completed" in r.text
    spec = (await reporting.client.get("/openapi.json")).json()
    props = spec["components"]["schemas"]["Summary"]["properties"]
    assert tuple(props) == SUMMARY_KEYS


async def test_dashboard_pages_and_login(reporting: Reporting, make_token: Callable[..., str]) -> None:
    r = await reporting.client.get("/")
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert "Đăng nhập" in (await reporting.client.get("/login")).text
    bad = await reporting.client.post("/api/session", json={"token": make_token("citizen")})
    assert bad.status_code == 403 and "operator" in bad.json()["detail"]

    province_op = make_token("operator", sub="op-48", province="48")
    session = await _log_in(reporting, province_op, expect_province="Đà Nẵng")
    page = await reporting.client.get("/", headers=session)
    assert page.status_code == 200 and 'data-scope="48"' in page.text
    assert "Tình trạng đường truyền dữ liệu" not in page.text  # national only
    assert (await reporting.client.get("/api/summary", headers=session)).status_code == 200

    national = make_token("operator")
    national_session = await _log_in(reporting, national)
    page = await reporting.client.get("/?province=97", headers=national_session)
    assert "Tình trạng đường truyền dữ liệu" in page.text and "Toàn quốc" in page.text
    assert (await reporting.client.get("/static/dashboard.js")).status_code == 200

    # Logging out ends the session on the server: the same cookie, replayed, opens nothing.
    assert (await reporting.client.delete("/api/session", headers=session)).status_code == 204
    assert (await reporting.client.get("/api/summary", headers=session)).status_code == 401
    assert (await reporting.client.get("/", headers=session)).headers["location"] == "/login?het-han=1"
    assert (await reporting.client.get("/api/summary", headers=national_session)).status_code == 200
    # A cookie carrying a bearer token (the old scheme) is no session; other systems send the token itself.
    old = {"cookie": f"dvc_operator_token={national}"}
    assert (await reporting.client.get("/api/summary", headers=old)).status_code == 401
    assert (await reporting.get("/api/summary", national)).status_code == 200
    # A session ends after 8 hours.
    with clock.pinned(clock.now() + timedelta(hours=8, minutes=1)):
        assert (await reporting.client.get("/api/summary", headers=national_session)).status_code == 401
    engine = create_async_engine(reporting.db_url)
    async with engine.connect() as conn:
        stored = {r.id_hash for r in (await conn.execute(select(operator_sessions))).all()}
    await engine.dispose()
    cookie_value = national_session["cookie"].split("=", 1)[1]
    assert cookie_value not in stored and len(stored) >= 1, "only a hash of the session id is kept"


async def _log_in(reporting: Reporting, token: str, expect_province: str | None = None) -> dict[str, str]:
    """POST /api/session; returns the cookie header of the session (the shared client's jar is cleared)."""
    r = await reporting.client.post("/api/session", json={"token": token})
    assert r.status_code == 200, r.text
    if expect_province:
        assert r.json()["province_name"] == expect_province
    set_cookie = r.headers["set-cookie"]
    assert "httponly" in set_cookie.lower() and token not in set_cookie, "the token never reaches the browser"
    reporting.client.cookies.clear()
    return {"cookie": f"dvc_session={r.cookies['dvc_session']}"}
