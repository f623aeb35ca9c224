"""Agency status sync on the real broker + PostgreSQL: once, in order, only if allowed; everything refused
goes to agency-status-rejected with a machine-readable reason and the original bytes."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from dvc_contracts import agencies, topics
from dvc_contracts.envelope import CloudEvent, new_event, to_structured
from dvc_contracts.events import AgencyStatusReportedV1
from dvc_dossier.adapters.orm import dossiers, history, procedures
from dvckit.testing import eventually, read_topic

from .conftest import DossierHarness, procedure

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def report(
    dossier: str, proc: str, agency: str, seq: int, status: str, province: str = "01", **extra: Any
) -> CloudEvent:
    data = AgencyStatusReportedV1(
        dossier_code=dossier,
        procedure_code=proc,
        agency_code=agency,
        province_code=province,
        sequence=seq,
        status=status,  # type: ignore[arg-type]
        occurred_at=T0 + timedelta(hours=seq),
        **extra,
    )
    return new_event(topics.AGENCY_STATUS_REPORTED, f"/agency/{agency}", data, subject=dossier)


async def rows(db_url: str, table: Any, *where: Any) -> list[Any]:
    engine = create_async_engine(db_url)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(select(table).where(*where))).all())
    finally:
        await engine.dispose()


async def test_reports_applied_once_in_order_and_refusals_reach_the_agency(
    dossier: DossierHarness, publish_procedure: Callable[..., Any], make_token: Callable[..., str]
) -> None:
    run = uuid.uuid4().hex[:6].upper()
    proc, police, tax, stranger = f"DKX-{run}", "BCA-CSGT", "BTC-TCT", "BYT"
    await publish_procedure(dossier, procedure(proc, police, [tax]))

    async def procedure_known() -> bool:
        return bool(await rows(dossier.db_url, procedures, procedures.c.code == proc))

    await eventually(procedure_known)

    d1, d5 = f"01-{run}-D1", f"01-{run}-D5"
    received = report(d1, proc, tax, 0, "received", citizen_phone="0912345678")
    processing = report(d1, proc, tax, 1, "processing")
    completed = report(d1, proc, police, 3, "completed", result="30A-123.45")
    late = report(d1, proc, police, 2, "supplement_requested", note="Bổ sung giấy tờ")
    await dossier.send(topics.AGENCY_STATUS_REPORTED, received)  # binary mode
    headers, value = to_structured(processing)
    await dossier.send_raw(topics.AGENCY_STATUS_REPORTED, d1, value, headers)  # structured mode
    await dossier.send_raw(topics.AGENCY_STATUS_REPORTED, d1, value, headers)  # duplicate delivery
    await dossier.send(topics.AGENCY_STATUS_REPORTED, completed)
    await dossier.send(topics.AGENCY_STATUS_REPORTED, late)  # older sequence, arrives late
    unknown = report(f"01-{run}-D2", f"NOPE-{run}", tax, 0, "received")
    unauthorised = report(f"01-{run}-D3", proc, stranger, 0, "received")
    await dossier.send(topics.AGENCY_STATUS_REPORTED, unknown)
    await dossier.send(topics.AGENCY_STATUS_REPORTED, unauthorised)
    poison = b'{"dossier_code": "' + d5.encode() + b'", broken'
    await dossier.send_raw(
        topics.AGENCY_STATUS_REPORTED,
        d5,
        poison,
        [("content-type", b"application/json"), ("ce_specversion", b"1.0")],
    )
    bad_payload = new_event(
        topics.AGENCY_STATUS_REPORTED, "/agency/x", {"dossier_code": d5, "sequence": "abc"}, subject=d5
    )
    await dossier.send(topics.AGENCY_STATUS_REPORTED, bad_payload)
    after_poison = report(d5, proc, police, 0, "received")  # same key and partition as the poison
    await dossier.send(topics.AGENCY_STATUS_REPORTED, after_poison)

    async def both_applied() -> bool:
        # D1 and D5 sit on different partitions: neither is known to finish first
        d1_rows = await rows(dossier.db_url, dossiers, dossiers.c.code == d1, dossiers.c.sequence == 3)
        d1_history = await rows(dossier.db_url, history, history.c.dossier_code == d1)
        d5_rows = await rows(dossier.db_url, dossiers, dossiers.c.code == d5)
        return bool(d1_rows) and len(d1_history) == 4 and bool(d5_rows)

    await eventually(both_applied, timeout=30)

    [d1_row] = await rows(dossier.db_url, dossiers, dossiers.c.code == d1)
    assert (d1_row.status, d1_row.sequence, d1_row.result) == ("completed", 3, "30A-123.45")
    assert d1_row.channel == "counter", "a dossier filed at the agency's counter appears on first sight"
    assert d1_row.agency_code == police, "one identity across agencies: tax then police, same dossier"
    hist = await rows(dossier.db_url, history, history.c.dossier_code == d1)
    assert sorted((h.sequence, h.status, bool(h.applied)) for h in hist) == [
        (0, "received", True),
        (1, "processing", True),
        (2, "supplement_requested", False),  # kept in history, did not move the status
        (3, "completed", True),
    ]
    assert not await rows(dossier.db_url, dossiers, dossiers.c.code.in_([f"01-{run}-D2", f"01-{run}-D3"]))

    def four_rejections(records: list[Any]) -> bool:
        return len(_mine(records, run)) >= 4

    rejected = _mine(await read_topic(dossier.bootstrap, topics.AGENCY_STATUS_REJECTED, four_rejections), run)
    reasons = {r["data"]["reason"]: r["data"] for r in rejected}
    assert set(reasons) == {"unknown_procedure", "agency_not_allowed", "malformed_json", "invalid_payload"}
    assert base64.b64decode(reasons["malformed_json"]["original_value_b64"]) == poison, "original bytes kept"
    assert reasons["agency_not_allowed"]["agency_code"] == stranger
    assert reasons["unknown_procedure"]["dossier_code"] == f"01-{run}-D2"

    changed = await read_topic(
        dossier.bootstrap, topics.DOSSIER_STATUS_CHANGED, lambda rs: len(_changes(rs, d1)) >= 3
    )
    assert [(c["sequence"], c["old_status"], c["new_status"]) for c in _changes(changed, d1)] == [
        (0, None, "received"),
        (1, "received", "processing"),
        (3, "processing", "completed"),
    ]

    # Public tracking: status and steps only, no personal data. The audit trail is for operators.
    public = (await dossier.client.get(f"/track/{d1}")).json()
    assert public["status"] == "completed" and "phone" not in public and "applicant_name" not in public
    assert [h["status"] for h in public["history"]] == [
        "received",
        "processing",
        "completed",
        "supplement_requested",
    ]
    operator = {"authorization": f"Bearer {make_token('operator')}"}
    audit = (await dossier.client.get("/audit", params={"dossier_code": d1}, headers=operator)).json()[
        "items"
    ]
    assert {(a["old_status"], a["new_status"], a["actor"]) for a in audit if a["applied"]} == {
        (None, "received", f"agency:{tax}"),
        ("received", "processing", f"agency:{tax}"),
        ("processing", "completed", f"agency:{police}"),
    }
    assert all(a["event_id"] for a in audit)
    # paged like every list (dvckit.paging): newest first, next links walk the trail once, no silent cap
    walked, url, params = [], "/v1/audit", {"dossier_code": d1, "limit": 2}
    while url:
        page = (await dossier.client.get(url, params=params, headers=operator)).json()
        assert page["limit"] == 2 and page["total"] is None and len(page["items"]) <= 2
        walked += page["items"]
        url, params = page["next"], None
    assert walked == audit and len(audit) > 2
    assert (await dossier.client.get("/audit", params={"limit": 5000}, headers=operator)).json()[
        "limit"
    ] == 200
    citizen = {"authorization": f"Bearer {make_token('citizen')}"}
    assert (await dossier.client.get("/audit", headers=citizen)).status_code == 403


async def test_http_ingest_same_validation(
    dossier: DossierHarness, publish_procedure: Callable[..., Any], make_token: Callable[..., str]
) -> None:
    run = uuid.uuid4().hex[:6].upper()
    proc = f"GPLX-{run}"
    await publish_procedure(dossier, procedure(proc, "BGTVT-TCDBVN", []))

    async def procedure_known() -> bool:
        return bool(await rows(dossier.db_url, procedures, procedures.c.code == proc))

    await eventually(procedure_known)
    ok = json.loads(to_structured(report(f"79-{run}-H1", proc, "BGTVT-TCDBVN", 0, "received"))[1])
    other_agency = json.loads(to_structured(report(f"79-{run}-H2", proc, "BCA-CSGT", 0, "received"))[1])
    no_spec = {k: v for k, v in ok.items() if k != "specversion"} | {"id": "x-1"}
    token = make_token("agency", agency="BGTVT-TCDBVN")
    resp = await dossier.client.post(
        "/agency/status-events",
        json=[ok, other_agency, no_spec, "nonsense"],
        headers={"authorization": f"Bearer {token}"},
    )
    assert resp.status_code == 202, resp.text
    body = resp.json()
    assert (body["accepted"], body["rejected"]) == (1, 3)
    assert [r["reason"] for r in body["results"]] == [
        None,
        "agency_mismatch",
        "not_cloudevent",
        "invalid_envelope",
    ]

    async def applied() -> bool:
        return bool(await rows(dossier.db_url, dossiers, dossiers.c.code == f"79-{run}-H1"))

    await eventually(applied)
    too_many = await dossier.client.post(
        "/agency/status-events", json=[ok] * 1001, headers={"authorization": f"Bearer {token}"}
    )
    assert too_many.status_code == 413
    citizen = make_token("citizen")
    assert (
        await dossier.client.post(
            "/agency/status-events", json=[ok], headers={"authorization": f"Bearer {citizen}"}
        )
    ).status_code == 403


async def test_an_agency_system_reports_only_as_itself_and_its_refusals_go_to_it_alone(
    dossier: DossierHarness, publish_procedure: Callable[..., Any], make_token: Callable[..., str]
) -> None:
    """Each system has its own ingress and rejection topic (dvc_contracts.agencies): a report for an agency
    or province the system does not cover is refused as agency_mismatch; every refusal goes to the rejection
    topic of the system the record came from; an event id is one system's own."""
    run = uuid.uuid4().hex[:6].upper()
    ha_noi, bhxh = agencies.by_id("ha-noi"), agencies.by_id("bhxh")
    proc = f"BHYT-{run}"
    await publish_procedure(dossier, procedure(proc, "SO-GTVT", ["BHXH"]))

    async def procedure_known() -> bool:
        return bool(await rows(dossier.db_url, procedures, procedures.c.code == proc))

    await eventually(procedure_known)
    own = report(f"01-{run}-A1", proc, "SO-GTVT", 0, "received")
    as_bhxh = report(f"01-{run}-A2", proc, "BHXH", 0, "received")  # Hà Nội posing as social insurance
    other_province = report(f"79-{run}-A3", proc, "SO-GTVT", 0, "received", province="79")
    for event in (own, as_bhxh, other_province):
        await dossier.send(ha_noi.reported_topic, event)
    genuine = report(f"01-{run}-A2", proc, "BHXH", 0, "processing")
    genuine.id = as_bhxh.id  # the id Hà Nội used first does not pre-empt social insurance's own event
    await dossier.send(bhxh.reported_topic, genuine)
    await dossier.send(bhxh.reported_topic, report(f"01-{run}-A4", f"NOPE-{run}", "BHXH", 0, "received"))
    token = make_token("agency", agency="SO-GTVT")
    http_unknown = json.loads(
        to_structured(report(f"01-{run}-A5", f"NOPE-{run}", "SO-GTVT", 0, "received"))[1]
    )
    resp = await dossier.client.post(
        "/agency/status-events", json=[http_unknown], headers={"authorization": f"Bearer {token}"}
    )
    assert resp.status_code == 202 and resp.json()["rejected"] == 1, resp.text

    async def applied() -> bool:
        codes = {
            r.code: r.status for r in await rows(dossier.db_url, dossiers, dossiers.c.code.contains(run))
        }
        return codes.get(f"01-{run}-A1") == "received" and codes.get(f"01-{run}-A2") == "processing"

    await eventually(applied, timeout=30)
    assert not await rows(dossier.db_url, dossiers, dossiers.c.code == f"79-{run}-A3")

    def at_least(expected: int) -> Callable[[list[Any]], bool]:
        return lambda records: len(_mine(records, run)) >= expected

    ha_noi_records = await read_topic(dossier.bootstrap, ha_noi.rejected_topic, at_least(3))
    at_ha_noi = _mine(ha_noi_records, run)
    at_bhxh = _mine(await read_topic(dossier.bootstrap, bhxh.rejected_topic, at_least(1)), run)
    assert {dict(r.headers)["ce_type"] for r in ha_noi_records} == {topics.AGENCY_STATUS_REJECTED.encode()}
    assert sorted((r["data"]["reason"], r["data"]["original_topic"]) for r in at_ha_noi) == [
        ("agency_mismatch", ha_noi.reported_topic),
        ("agency_mismatch", ha_noi.reported_topic),
        ("unknown_procedure", "http:/agency/status-events"),
    ]
    assert [(r["data"]["reason"], r["data"]["dossier_code"]) for r in at_bhxh] == [
        ("unknown_procedure", f"01-{run}-A4")
    ], "a system reads its own refusals, and only those"


def _mine(records: list[Any], run: str) -> list[dict[str, Any]]:
    out = []
    for r in records:
        data = json.loads(r.value)
        if run in (data.get("dossier_code") or "") or run.encode() in base64.b64decode(
            data["original_value_b64"]
        ):
            out.append({"data": data})
    return out


def _changes(records: list[Any], dossier_code: str) -> list[dict[str, Any]]:
    return [json.loads(r.value) for r in records if r.key == dossier_code.encode()]
