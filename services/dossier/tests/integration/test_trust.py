"""Issue 13 — every caller acts only as itself, in its own province (real broker + PostgreSQL):

- an HTTP-ingested report is bound to the token's agency and province, and its id to its caller;
- a report cannot take over a dossier (phone, province) nor push its sequence out of reach;
- agencies and operators read only their province's dossiers;
- licence-renewal checks use the verified identity: two citizens sharing a name neither block nor see each
  other's fines, a health record counts only for its own holder, and the last step waits for the licensing agency;
- a submission's form and free text are bounded, with the service's one 422 format;
- a submission's phone is a Vietnamese mobile number, refused when typed (or on the token) if it is not, and kept
  as E.164; a vehicle registration's fee is the contract's assessment (dvc_contracts.fees, half up).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from dvc_contracts import clock, topics
from dvc_contracts.envelope import CloudEvent, new_event, to_structured
from dvc_contracts.events import FeePaidV1, FineIssuedV1
from dvc_contracts.fees import PercentOfValue, ProcedureFeeV1
from dvc_dossier.adapters.orm import dossiers, fines, health_records, history, procedures
from dvc_dossier.sagas.handlers import HEALTH_CHECK_PROCEDURE
from dvckit.testing import eventually, read_topic

from .conftest import DossierHarness, procedure
from .test_status_sync import _changes, _mine, report, rows

pytestmark = pytest.mark.integration
Token = Callable[..., str]


def structured(event: CloudEvent, event_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(to_structured(event)[1])
    return body | ({"id": event_id} if event_id else {})


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def known(h: DossierHarness, *codes: str) -> None:
    async def all_known() -> bool:
        return len(await rows(h.db_url, procedures, procedures.c.code.in_(codes))) == len(codes)

    await eventually(all_known)


async def post_reports(h: DossierHarness, token: str, events: list[Any]) -> list[str | None]:
    resp = await h.client.post("/agency/status-events", json=events, headers=bearer(token))
    assert resp.status_code == 202, resp.text
    return [r["reason"] for r in resp.json()["results"]]


async def ingest_setup(
    h: DossierHarness, publish_procedure: Callable[..., Any], make_token: Token
) -> tuple[str, str, dict[str, str]]:
    run = uuid.uuid4().hex[:6].upper()
    proc = f"TRUST-{run}"
    await publish_procedure(h, procedure(proc, "SO-GTVT", ["BHXH"]))
    await known(h, proc)
    tokens = {
        "ha_noi": make_token("agency", agency="SO-GTVT", province="01"),
        "hcm": make_token(
            "agency", agency="SO-GTVT", province="79"
        ),  # the same agency code, another province
        "bhxh": make_token("agency", agency="BHXH"),  # no province claim: a nationwide agency
    }
    return run, proc, tokens


async def test_http_reports_are_bound_to_the_tokens_agency_and_province(
    dossier: DossierHarness, publish_procedure: Callable[..., Any], make_token: Token
) -> None:
    run, proc, tokens = await ingest_setup(dossier, publish_procedure, make_token)
    ha_noi_own, hcm_dossier, nationwide = f"01-{run}-P1", f"79-{run}-P2", f"48-{run}-P3"
    assert await post_reports(
        dossier,
        tokens["ha_noi"],
        [
            structured(report(ha_noi_own, proc, "SO-GTVT", 0, "received")),
            structured(report(hcm_dossier, proc, "SO-GTVT", 0, "received", province="79")),  # not Hà Nội's
            structured(report(ha_noi_own, proc, "BHXH", 1, "processing")),  # not its agency either
            structured(report(ha_noi_own, proc, "SO-GTVT", 1, "received"), "x" * 90),  # id too long
            structured(report(ha_noi_own, proc, "SO-GTVT", 1, "received", note="n" * 2001)),
        ],
    ) == [None, "agency_mismatch", "agency_mismatch", "invalid_envelope", "invalid_payload"]
    assert await post_reports(
        dossier, tokens["bhxh"], [structured(report(nationwide, proc, "BHXH", 0, "received", province="48"))]
    ) == [None]

    async def applied() -> bool:
        found = await rows(dossier.db_url, dossiers, dossiers.c.code.in_([ha_noi_own, nationwide]))
        return len(found) == 2

    await eventually(applied, timeout=30)
    assert not await rows(dossier.db_url, dossiers, dossiers.c.code == hcm_dossier)


async def test_an_id_chosen_by_one_agency_cannot_pre_empt_anothers(
    dossier: DossierHarness, publish_procedure: Callable[..., Any], make_token: Token
) -> None:
    """The shared topic's inbox is shared by every HTTP caller: ids are scoped to the caller."""
    run, proc, tokens = await ingest_setup(dossier, publish_procedure, make_token)
    ha_noi, hcm, nationwide = f"01-{run}-I1", f"79-{run}-I2", f"48-{run}-I3"
    same_id = f"ev-{run}"
    for token, event in (
        (tokens["ha_noi"], report(ha_noi, proc, "SO-GTVT", 0, "received")),
        (tokens["hcm"], report(hcm, proc, "SO-GTVT", 0, "received", province="79")),
        (tokens["bhxh"], report(nationwide, proc, "BHXH", 0, "received", province="48")),
    ):
        assert await post_reports(dossier, token, [structured(event, same_id)]) == [None]
    # Hà Nội resends its event (same id, whatever the body): still a duplicate; its next event applies
    assert await post_reports(
        dossier,
        tokens["ha_noi"],
        [
            structured(report(ha_noi, proc, "SO-GTVT", 1, "processing"), same_id),
            structured(report(ha_noi, proc, "SO-GTVT", 2, "completed")),
        ],
    ) == [None, None]

    async def applied() -> bool:
        found = {
            r.code: r.status for r in await rows(dossier.db_url, dossiers, dossiers.c.code.contains(run))
        }
        return found.get(ha_noi) == "completed" and hcm in found and nationwide in found

    await eventually(applied, timeout=30)
    hist = await rows(dossier.db_url, history, history.c.dossier_code == ha_noi)
    assert sorted(h.sequence for h in hist) == [0, 2], "the resent id was applied once"
    assert {h.event_id.rsplit("/", 1)[0] for h in hist} == {"SO-GTVT/01"}, "ids carry their caller's scope"


async def test_a_report_cannot_take_over_a_dossier(
    dossier: DossierHarness, publish_procedure: Callable[..., Any]
) -> None:
    run = uuid.uuid4().hex[:6].upper()
    proc, police, tax = f"OWN-{run}", "BCA-CSGT", "BTC-TCT"
    await publish_procedure(dossier, procedure(proc, police, [tax]))
    await known(dossier, proc)
    d = f"01-{run}-T1"
    wild = report(d, proc, police, 3, "completed")
    wild.data["sequence"] = 2_147_483_647  # would make every later report stale
    long_id = report(d, proc, police, 2, "processing")
    long_id.id = "i" * 101  # wider than a stored event id: refused, not a failed batch
    for event in (
        report(d, proc, tax, 0, "received", citizen_phone="0912000001"),  # creates the counter dossier
        report(d, proc, police, 1, "processing", citizen_phone="0999999999"),  # tries to redirect the SMS
        wild,
        long_id,
        report(d, proc, tax, 2, "rejected", province="79"),  # another province's dossier now?
        report(d, proc, police, 2, "supplement_requested"),  # the genuine next report
    ):
        await dossier.send(topics.AGENCY_STATUS_REPORTED, event)

    async def at_two() -> bool:
        return bool(await rows(dossier.db_url, dossiers, dossiers.c.code == d, dossiers.c.sequence == 2))

    await eventually(at_two, timeout=30)
    [row] = await rows(dossier.db_url, dossiers, dossiers.c.code == d)
    assert (row.status, row.province_code, row.citizen_phone) == ("supplement_requested", "01", "0912000001")
    assert row.agency_code == police, "the responsible agency still moves between allowed agencies"

    rejected = _mine(
        await read_topic(
            dossier.bootstrap, topics.AGENCY_STATUS_REJECTED, lambda rs: len(_mine(rs, run)) >= 3
        ),
        run,
    )
    assert sorted(r["data"]["reason"] for r in rejected) == [
        "invalid_envelope",
        "province_mismatch",
        "sequence_out_of_range",
    ]
    changed = await read_topic(
        dossier.bootstrap, topics.DOSSIER_STATUS_CHANGED, lambda rs: len(_changes(rs, d)) >= 3
    )
    assert {c["citizen_phone"] for c in _changes(changed, d)} == {"0912000001"}, (
        "every SMS to the first phone"
    )


async def test_agencies_and_operators_read_only_their_provinces_dossiers(
    dossier: DossierHarness, publish_procedure: Callable[..., Any], make_token: Token
) -> None:
    run = uuid.uuid4().hex[:6].upper()
    proc = f"READ-{run}"
    await publish_procedure(dossier, procedure(proc, "SO-GTVT", []))
    await known(dossier, proc)
    code = f"01-{run}-R1"  # an agency-chosen code that looks like Hà Nội's; the dossier is in province 79
    hcm = make_token("agency", agency="SO-GTVT", province="79")
    assert await post_reports(
        dossier, hcm, [structured(report(code, proc, "SO-GTVT", 0, "received", province="79"))]
    ) == [None]

    async def exists() -> bool:
        return bool(await rows(dossier.db_url, dossiers, dossiers.c.code == code))

    await eventually(exists, timeout=30)

    async def status(token: str) -> int:
        return (await dossier.client.get(f"/dossiers/{code}", headers=bearer(token))).status_code

    assert await status(hcm) == 200
    assert await status(make_token("agency", agency="SO-GTVT")) == 200  # nationwide
    assert await status(make_token("agency", agency="SO-GTVT", province="01")) == 404, (
        "no cross-province read"
    )
    assert await status(make_token("operator", province="79")) == 200
    assert await status(make_token("operator", province="01")) == 404

    async def audited(province: str) -> list[Any]:
        token = make_token("operator", province=province)
        resp = await dossier.client.get("/audit", params={"dossier_code": code}, headers=bearer(token))
        assert resp.status_code == 200, resp.text
        return list(resp.json()["items"])

    assert len(await audited("79")) == 1
    assert await audited("01") == [], "a code's prefix is not its province"


async def test_licence_renewal_checks_the_verified_identity_not_the_name(
    dossier: DossierHarness, publish_procedure: Callable[..., Any], make_token: Token
) -> None:
    run = uuid.uuid4().hex[:6].upper()
    licensing = "BGTVT-TCDBVN"
    licence = f"GPLX-{run}"
    await publish_procedure(dossier, procedure(HEALTH_CHECK_PROCEDURE, "BYT", []))
    await publish_procedure(
        dossier,
        procedure(
            licence,
            licensing,
            ["SO-GTVT"],
            required_fields=["health_check_code"],
            chained_flow="licence-renewal-l4",
        ),
    )
    await known(dossier, licence, HEALTH_CHECK_PROCEDURE)
    name = "Nguyễn Văn An"  # two citizens, one name
    an_1 = make_token("citizen", sub=f"0010{run}01", name=name, phone="0912000011")
    an_2 = make_token("citizen", sub=f"0010{run}02", name=name, phone="0912000022")

    decision = f"QD-{run}"
    fine = FineIssuedV1(
        decision_no=decision,
        record_no=f"BB-{run}",
        violation_date=date(2026, 11, 10),
        offender_name=name,
        offender_id=f"0010{run}01",
        plate="30A-999.99",
        amount=4_000_000,
        issuing_unit="Phòng CSGT Công an TP Hà Nội",
        province_code="01",
        decided_at=clock.now(),
    )
    await dossier.send(
        topics.FINE_ISSUED, new_event(topics.FINE_ISSUED, "/agency/BCA-CSGT", fine, subject=decision)
    )

    async def submit(token: str, procedure_code: str, fields: dict[str, Any]) -> str:
        body = {"procedure_code": procedure_code, "province_code": "01", "fields": fields}
        resp = await dossier.client.post("/dossiers", json=body, headers=bearer(token))
        assert resp.status_code == 201, resp.text
        return str(resp.json()["code"])

    # each citizen's own health check, filed on the portal, completed by the health agency
    checks = {an_1: f"KSK-{run}-1", an_2: f"KSK-{run}-2"}
    for token, result in checks.items():
        health_dossier = await submit(token, HEALTH_CHECK_PROCEDURE, {})
        await dossier.send(
            topics.AGENCY_STATUS_REPORTED,
            report(health_dossier, HEALTH_CHECK_PROCEDURE, "BYT", 0, "completed", result=result),
        )

    async def shared_data_in() -> bool:
        records = await rows(dossier.db_url, health_records, health_records.c.code.in_(checks.values()))
        return len(records) == 2 and bool(await rows(dossier.db_url, fines, fines.c.decision_no == decision))

    await eventually(shared_data_in, timeout=30)

    async def saga(token: str, code: str) -> dict[str, Any]:
        resp = await dossier.client.get(f"/dossiers/{code}", headers=bearer(token))
        assert resp.status_code == 200, resp.text
        return dict(resp.json()["saga"]) | {"history": resp.json()["history"]}

    code_2 = await submit(an_2, licence, {"health_check_code": checks[an_2]})
    mine_2 = await saga(an_2, code_2)
    assert mine_2["state"] == "awaiting_payment", "the other An's fine does not block this An"
    assert decision not in json.dumps(mine_2, ensure_ascii=False), "nor is it shown to them"
    borrowed = await saga(an_2, await submit(an_2, licence, {"health_check_code": checks[an_1]}))
    assert borrowed["state"] == "blocked" and checks[an_1] in borrowed["blocked_reason"]
    mine_1 = await saga(an_1, await submit(an_1, licence, {"health_check_code": checks[an_1]}))
    assert mine_1["state"] == "blocked" and decision in mine_1["blocked_reason"]

    # the fee is paid; only the licensing agency's report finishes the saga
    paid = FeePaidV1(
        payment_id=mine_2["payment_id"],
        dossier_code=code_2,
        amount_vnd=mine_2["amount_vnd"],
        provider="momo",
        provider_txn_id=f"momo-{run}",
        paid_at=clock.now(),
    )
    await dossier.send(
        topics.FEE_PAID, new_event(topics.FEE_PAID, "/dvc/payment", paid, subject=paid.payment_id)
    )

    async def state_is(state: str, sequence: int = -1) -> bool:
        [row] = await rows(dossier.db_url, dossiers, dossiers.c.code == code_2)
        return (await saga(an_2, code_2))["state"] == state and row.sequence == sequence

    await eventually(lambda: state_is("awaiting_agency"), timeout=30)
    await dossier.send(
        topics.AGENCY_STATUS_REPORTED, report(code_2, licence, "SO-GTVT", 0, "completed", result="FAKE-1")
    )
    await eventually(lambda: state_is("awaiting_agency", 0), timeout=30)  # status moved, the saga did not
    await dossier.send(
        topics.AGENCY_STATUS_REPORTED, report(code_2, licence, licensing, 1, "completed", result="GPLX-1")
    )
    await eventually(lambda: state_is("completed", 1), timeout=30)
    assert (await saga(an_2, code_2))["result"] == "GPLX-1"


async def test_a_submissions_form_and_free_text_are_bounded(
    dossier: DossierHarness, make_token: Token
) -> None:
    citizen = bearer(make_token("citizen"))
    base = {"procedure_code": "NOPE", "province_code": "01", "applicant_name": "Trần Thị Bình"}

    async def refused(body: dict[str, Any]) -> list[str]:
        resp = await dossier.client.post("/dossiers", json=base | body, headers=citizen)
        assert resp.status_code == 422, resp.text
        problem = resp.json()
        assert problem["code"] == "invalid_fields" and problem["detail"], problem
        return [e["field"] for e in problem["errors"]]

    assert await refused({"fields": {f"f{i}": i for i in range(51)}}) == ["fields"]
    assert (await refused({"fields": {"k" * 65: "v"}}))[0].startswith("fields.kkk")
    assert await refused({"fields": {"address": "a" * 2001}}) == ["fields.address"]
    assert await refused({"fields": {"items": ["x" * 100] * 30}}) == ["fields.items"]
    assert await refused({"applicant_name": "B" * 201}) == ["applicant_name"]
    assert await refused({"province_code": "001"}) == ["province_code"]
    merged = await dossier.client.post("/dossiers", json=base | {"province_code": "74"}, headers=citizen)
    assert merged.status_code == 422 and "nay thuộc thành phố Hồ Chí Minh, mã 79" in merged.text, merged.text
    within = {"fields": {f"f{i}": "v" * 1000 for i in range(50)}}
    resp = await dossier.client.post("/dossiers", json=base | within, headers=citizen)
    assert resp.status_code == 404 and resp.json()["code"] == "unknown_procedure", resp.text


def refusal(resp: Any) -> tuple[str, list[str], str]:
    """(error code, fields, every message) of a 422, read from the service's problem details (``code``,
    ``detail``, ``errors``)."""
    assert resp.status_code == 422, resp.text
    body = resp.json()
    errors = body.get("errors") or []
    return (
        body["code"],
        [e["field"] for e in errors],
        " ".join([body["detail"], *(e["message"] for e in errors)]),
    )


async def test_a_submissions_phone_is_a_vietnamese_mobile_kept_as_e164(
    dossier: DossierHarness, publish_procedure: Callable[..., Any], make_token: Token
) -> None:
    run = uuid.uuid4().hex[:6].upper()
    code = f"PHONE-{run}"
    await publish_procedure(dossier, procedure(code, "SO-TP", []))
    await known(dossier, code)
    base = {"procedure_code": code, "province_code": "01", "applicant_name": "Trần Thị Bình"}

    async def submit(body: dict[str, Any], sub: str, **claims: Any) -> Any:
        token = make_token("citizen", sub=f"0010{run}{sub}", **claims)
        return await dossier.client.post("/dossiers", json=base | body, headers=bearer(token))

    async def stored_phone(created: Any, sub: str) -> str | None:
        assert created.status_code == 201, created.text
        token = make_token("citizen", sub=f"0010{run}{sub}")
        found = await dossier.client.get(f"/dossiers/{created.json()['code']}", headers=bearer(token))
        phone: str | None = found.json()["phone"]
        return phone

    error, fields, message = refusal(await submit({"phone": "024 3823 4567"}, "01"))  # a Hà Nội landline
    assert (error, fields) == ("invalid_fields", ["phone"])
    assert "Số điện thoại không hợp lệ: không phải số di động Việt Nam" in message
    error, fields, message = refusal(await submit({"phone": "0912 34 567"}, "01"))
    assert fields == ["phone"] and "có 10 chữ số" in message
    # the token's phone, when the body has none, is held to the same rule
    error, fields, message = refusal(await submit({}, "02", phone="02838291234"))
    assert (error, fields) == ("invalid_fields", ["phone"]) and "Số điện thoại của tài khoản" in message

    assert await stored_phone(await submit({"phone": "0912 345 678"}, "01"), "01") == "+84912345678"
    typed = await submit({"phone": "(+84) 987 654 321"}, "02", phone="02838291234")
    assert await stored_phone(typed, "02") == "+84987654321"
    assert await stored_phone(await submit({}, "03", phone="0912.000.033"), "03") == "+84912000033"
    assert await stored_phone(await submit({}, "04"), "04") is None  # no phone at all: no SMS, no refusal


async def test_a_vehicle_registrations_fee_is_rounded_half_up_to_the_dong(
    dossier: DossierHarness, publish_procedure: Callable[..., Any], make_token: Token
) -> None:
    run = uuid.uuid4().hex[:6].upper()
    code = f"DKX-XEMAY-{run}"
    rule = PercentOfValue(
        type="percent_of_value", value_field="vehicle_value_vnd", percent=2, max_vnd=500_000_000
    )
    published = procedure(code, "BCA-CSGT", ["BTC-TCT"], chained_flow="vehicle-registration")
    await publish_procedure(
        dossier, published.model_copy(update={"fee": ProcedureFeeV1(kind="rule", rule=rule)})
    )
    await known(dossier, code)
    citizen = bearer(make_token("citizen", sub=f"0010{run}01"))
    body = {"procedure_code": code, "province_code": "01", "applicant_name": "Trần Thị Bình"}

    # 2% of 30,000,025 is 600,000.5 đồng: 600,001 (the saga's old floor asked for 600,000)
    resp = await dossier.client.post(
        "/dossiers", json=body | {"fields": {"vehicle_value_vnd": 30_000_025}}, headers=citizen
    )
    assert resp.status_code == 201, resp.text
    saga = (await dossier.client.get(f"/dossiers/{resp.json()['code']}", headers=citizen)).json()["saga"]
    assert saga["amount_vnd"] == 600_001

    for value in ("ba mươi triệu", 0, -1):
        bad = await dossier.client.post(
            "/dossiers", json=body | {"fields": {"vehicle_value_vnd": value}}, headers=citizen
        )
        error, fields, message = refusal(bad)
        assert (error, fields) == ("invalid_fields", ["vehicle_value_vnd"]), bad.text
        assert "Không tính được lệ phí: vehicle_value_vnd" in message, bad.text


async def test_a_procedure_that_needs_a_level_2_account_refuses_a_level_1_one(
    dossier: DossierHarness, publish_procedure: Callable[..., Any], make_token: Token
) -> None:
    run = uuid.uuid4().hex[:6].upper()
    code = f"LOA2-{run}"
    await publish_procedure(dossier, procedure(code, "SO-TP", []).model_copy(update={"assurance_level": 2}))
    await known(dossier, code)
    body = {"procedure_code": code, "province_code": "01", "applicant_name": "Trần Thị Bình"}

    async def submit(sub: str, **claims: Any) -> Any:
        token = make_token("citizen", sub=f"0010{run}{sub}", **claims)
        return await dossier.client.post("/dossiers", json=body, headers=bearer(token))

    for refused in (await submit("01", loa=1), await submit("02", loa=None)):  # no claim counts as level 1
        assert refused.status_code == 403, refused.text
        assert refused.json()["code"] == "assurance_level_too_low"
        assert "yêu cầu tài khoản định danh điện tử mức độ 2" in refused.json()["detail"]
    assert (await submit("03", loa=2)).status_code == 201
    refused_token = make_token("citizen", sub=f"0010{run}01")
    mine = await dossier.client.get("/dossiers", headers=bearer(refused_token))
    assert mine.json()["items"] == []  # nothing kept of a refused submission
    assert (mine.json()["total"], mine.json()["next"]) == (0, None)
    owner = bearer(make_token("citizen", sub=f"0010{run}03"))
    for _ in range(2):
        assert (await dossier.client.post("/dossiers", json=body, headers=owner)).status_code == 201
    first = (
        await dossier.client.get("/v1/dossiers", params={"mine": "true", "limit": 2}, headers=owner)
    ).json()
    assert (first["total"], len(first["items"]), first["next"]) == (
        3,
        2,
        "/v1/dossiers?mine=true&limit=2&offset=2",
    )
    last = (await dossier.client.get(first["next"], headers=owner)).json()
    assert len(last["items"]) == 1 and last["next"] is None
    codes = {d["code"] for d in first["items"] + last["items"]}
    assert len(codes) == 3, "every dossier once, newest first"
