"""The feedback service in-process on the real broker and PostgreSQL: routing from the catalog and dossier
read models (fed by CloudEvents produced with aiokafka), deadlines and overdue, who may read what, likely
duplicates, and feedback-received / -answered / -status-changed / -overdue landing on Kafka."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from fastapi import FastAPI
from sqlalchemy import select

from dvc_contracts import clock, topics
from dvc_contracts.calendar import add_working_days
from dvc_contracts.clock import vn_date
from dvc_contracts.envelope import new_event, to_binary
from dvc_contracts.events import (
    DossierStatusChangedV1,
    DossierSubmittedV1,
    ProcedureFeeV1,
    ProcedurePublishedV1,
)
from dvc_feedback.adapters.orm import dossiers
from dvc_feedback.config import Settings
from dvc_feedback.entrypoints.app import create_app
from dvc_feedback.entrypoints.context import FeedbackContext, utc_now
from dvc_feedback.entrypoints.scheduler import tick
from dvckit.settings import AuthSettings, KafkaSettings
from dvckit.testing import PostgresServer, migrated_database, running_app

pytestmark = pytest.mark.integration

FEEDBACK_TOPICS = [
    topics.FEEDBACK_RECEIVED,
    topics.FEEDBACK_ANSWERED,
    topics.FEEDBACK_STATUS_CHANGED,
    topics.FEEDBACK_OVERDUE,
]
CONTENT = (
    "Tôi nộp hồ sơ đổi giấy phép lái xe trực tuyến đã quá hạn trả kết quả mười ngày nhưng chưa nhận được "
    "giấy phép, cũng không có thông báo lý do. Số điện thoại liên hệ 0912 345 678."
)
ANSWER = "Sở Giao thông vận tải đã kiểm tra: giấy phép đã được gửi qua bưu điện ngày 25/11. Xin lỗi ông/bà."


@dataclass
class Watcher:
    """Every record on the feedback topics, as (topic, key, headers, payload)."""

    consumer: AIOKafkaConsumer
    records: list[tuple[str, str, dict[str, str], dict[str, Any]]] = field(default_factory=list)
    task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        async for msg in self.consumer:
            headers = {k: v.decode() for k, v in msg.headers}
            self.records.append((msg.topic, msg.key.decode(), headers, json.loads(msg.value)))

    def of(self, topic: str, key: str) -> list[dict[str, Any]]:
        return [p for t, k, _, p in self.records if t == topic and k == key]

    async def wait(self, topic: str, key: str, count: int = 1, timeout: float = 20.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.of(topic, key)
            if len(found) >= count:
                return found
            await asyncio.sleep(0.05)
        raise AssertionError(
            f"{count} × {topic} for {key} not on Kafka within {timeout} s: {self.of(topic, key)}"
        )


@dataclass
class Service:
    app: FastAPI
    http: httpx.AsyncClient
    producer: AIOKafkaProducer
    watcher: Watcher
    token: Callable[..., str]

    @property
    def ctx(self) -> FeedbackContext:
        ctx: FeedbackContext = self.app.state.feedback
        return ctx

    def auth(self, role: str = "citizen", **claims: Any) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token(role, **claims)}"}

    async def produce(self, type_: str, data: Any, key: str) -> None:
        headers, value = to_binary(new_event(type_, "/dvc/test", data, subject=key))
        await self.producer.send_and_wait(type_, value=value, key=key.encode(), headers=headers)


@pytest.fixture(scope="module")
async def svc(
    pg: PostgresServer, kafka_bootstrap: str, auth_env: dict[str, str], make_token: Callable[..., str]
) -> AsyncIterator[Service]:
    settings = Settings(
        database_url=await migrated_database(pg, "dvc_feedback"),
        consumer_group=f"dvc-feedback-it-{uuid.uuid4().hex[:8]}",
        relay_idle_seconds=0.05,
        scheduler_interval_seconds=3600,  # the tests run the scheduler's tick themselves
        kafka=KafkaSettings(bootstrap=kafka_bootstrap),
        auth=AuthSettings(jwks_file=auth_env["AUTH_JWKS_FILE"], jwks_url=None),
    )
    consumer = AIOKafkaConsumer(
        *FEEDBACK_TOPICS,
        bootstrap_servers=kafka_bootstrap,
        group_id=f"feedback-it-watch-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        session_timeout_ms=6000,
        heartbeat_interval_ms=500,
    )
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await asyncio.gather(consumer.start(), producer.start())
    watcher = Watcher(consumer)
    watcher.task = asyncio.create_task(watcher.run())
    app = create_app(settings)
    try:
        async with running_app(app) as http:
            yield Service(app, http, producer, watcher, make_token)
    finally:
        watcher.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher.task
        await asyncio.gather(consumer.stop(), producer.stop())


async def poll(
    fetch: Callable[[], Awaitable[Any]], until: Callable[[Any], bool], timeout: float = 20.0
) -> Any:
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = await fetch()
        if until(value):
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"not reached within {timeout} s; last value: {value!r}")


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6].upper()}"


def procedure(code: str, agency: str, allowed: list[str] | None = None) -> ProcedurePublishedV1:
    return ProcedurePublishedV1(
        code=code,
        version=1,
        name="Đổi giấy phép lái xe do ngành Giao thông vận tải cấp",
        sector="GTVT-DUONG-BO",
        agency_code=agency,
        agency_name="Sở Giao thông vận tải",
        level="province",
        service_level=4,
        fee=ProcedureFeeV1(kind="fixed", amount_vnd=135000),
        processing_days=5,
        allowed_agency_codes=allowed or [],
        published_at=clock.now(),
    )


def body(**kw: Any) -> dict[str, Any]:
    return {
        "kind": "feedback",
        "category": "dossier_handling",
        "title": "Hồ sơ đổi giấy phép lái xe trễ hẹn",
        "content": CONTENT,
        "province_code": "01",
    } | kw


async def published_procedure(svc: Service) -> tuple[str, str]:
    """A fresh procedure of a fresh agency, known to the service; returns (procedure code, agency code)."""
    code, agency = unique("IT-GPLX-"), unique("SO-GTVT-")
    await svc.produce(topics.PROCEDURE_PUBLISHED, procedure(code, agency), code)
    return code, agency


async def submit(svc: Service, headers: dict[str, str], **kw: Any) -> dict[str, Any]:
    """Submit, waiting while the service has not yet seen the procedure/dossier named (422 unknown_*)."""

    async def post() -> httpx.Response:
        return await svc.http.post("/feedback", json=body(**kw), headers=headers)

    def known(resp: httpx.Response) -> bool:
        return resp.status_code != 422 or not resp.json()["code"].startswith("unknown_")

    r = await poll(post, known)
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


async def test_routed_from_procedure_published_with_a_deadline(svc: Service) -> None:
    citizen = svc.auth("citizen", sub="001099000001", name="Nguyễn Văn An", phone="0912345678")
    code, agency = unique("IT-GPLX-"), unique("SO-GTVT-")
    ministry = unique("BGTVT-")
    r = await svc.http.post("/feedback", json=body(procedure_code=code), headers=citizen)
    assert r.status_code == 422
    assert r.json()["code"] == "unknown_procedure"
    assert r.json()["detail"] == (f"Không tìm thấy thủ tục {code} trong Cơ sở dữ liệu thủ tục hành chính.")

    await svc.produce(topics.PROCEDURE_PUBLISHED, procedure(code, agency, allowed=[ministry]), code)
    fb = await submit(svc, citizen, procedure_code=code)
    today = vn_date(clock.now())
    assert fb["status"] == "routed" and fb["agency_code"] == agency and fb["procedure_code"] == code
    assert fb["due_date"] == add_working_days(today, 10).isoformat(), "10 working days from today, in Hà Nội"
    assert fb["id"].startswith(f"PA-{today:%y%m%d}-") and fb["overdue"] is False
    assert fb["phone"] == "+84912345678", "the token's phone, for the SMS about the answer (E.164)"

    [event] = await svc.watcher.wait(topics.FEEDBACK_RECEIVED, fb["id"])
    assert event["agency_code"] == agency and event["due_date"] == fb["due_date"]
    assert event["kind"] == "feedback" and event["province_code"] == "01"
    headers = next(h for t, k, h, _ in svc.watcher.records if k == fb["id"])
    assert headers["ce_type"] == "feedback-received" and headers["ce_source"] == "/dvc/feedback"

    # naming one of the procedure's agencies routes there; an agency the catalog never named is a 422
    named = await submit(svc, citizen, procedure_code=code, agency_code=ministry, kind="petition")
    assert named["agency_code"] == ministry and named["id"].startswith("KN-")
    r = await svc.http.post("/feedback", json=body(agency_code="KHONG-TON-TAI"), headers=citizen)
    assert r.status_code == 422 and r.json()["errors"] == [{"field": "agency_code", "message": "Mã cơ quan"}]
    assert "Không tìm thấy cơ quan có mã KHONG-TON-TAI" in r.json()["detail"]


async def test_routed_to_the_agency_handling_the_dossier_now(svc: Service) -> None:
    citizen = svc.auth("citizen", sub="079201000002", name="Trần Thị Bình")
    dossier, tax, police, treasury = (
        unique("79-261121-"),
        unique("BTC-TCT-"),
        unique("CA-TINH-"),
        unique("KBNN-"),
    )
    submitted = DossierSubmittedV1(
        dossier_code=dossier,
        procedure_code="DKX-OTO",
        procedure_name="Đăng ký xe ô tô",
        procedure_version=1,
        agency_code=tax,
        province_code="79",
        sector="GTVT",
        channel="online",
        applicant_name="Trần Thị Bình",
        submitted_at=clock.now(),
    )
    await svc.produce(topics.DOSSIER_SUBMITTED, submitted, dossier)
    for seq, agency in ((3, police), (2, treasury)):  # the older report arrives late: it must not win
        changed = DossierStatusChangedV1(
            dossier_code=dossier,
            procedure_code="DKX-OTO",
            agency_code=agency,
            province_code="79",
            sector="GTVT",
            channel="online",
            sequence=seq,
            old_status="submitted",
            new_status="forwarded" if seq == 3 else "processing",
            occurred_at=clock.now(),
        )
        await svc.produce(topics.DOSSIER_STATUS_CHANGED, changed, dossier)

    async def read_model() -> Any:
        async with svc.app.state.runtime.uow() as uow:
            return (await uow.session.execute(select(dossiers).where(dossiers.c.code == dossier))).first()

    row = await poll(read_model, lambda r: r is not None and r.sequence == 3)
    assert row.agency_code == police
    await asyncio.sleep(0.5)  # the late sequence-2 report has been consumed by now (same partition, in order)
    assert (await read_model()).agency_code == police

    fb = await submit(svc, citizen, dossier_code=dossier, province_code=None, category="fees")
    assert (fb["agency_code"], fb["province_code"], fb["procedure_code"]) == (police, "79", "DKX-OTO")
    r = await svc.http.post("/feedback", json=body(dossier_code=dossier, province_code="01"), headers=citizen)
    assert r.status_code == 422 and r.json()["code"] == "province_mismatch"


async def test_a_citizen_cannot_read_another_citizens_feedback(svc: Service) -> None:
    code, agency = await published_procedure(svc)
    owner = svc.auth("citizen", sub="001099000003", name="Lê Văn Cường")
    stranger = svc.auth("citizen", sub="001099000004", name="Phạm Thị Dung")
    fb = await submit(svc, owner, procedure_code=code)
    fid = fb["id"]

    mine = await svc.http.get(f"/feedback/{fid}", headers=owner)
    assert mine.status_code == 200 and [h["actor"] for h in mine.json()["history"]] == [
        "citizen",
        "system:scheduler",
    ]
    theirs = await svc.http.get(f"/feedback/{fid}", headers=stranger)
    missing = await svc.http.get("/feedback/PA-000000-XXXXXX", headers=stranger)
    assert theirs.status_code == missing.status_code == 404, "never confirm someone else's feedback exists"
    assert theirs.json()["detail"] == f"Không tìm thấy phản ánh, kiến nghị {fid}."
    assert fid not in [f["id"] for f in (await svc.http.get("/feedback", headers=stranger)).json()["items"]]
    assert fid in [
        f["id"] for f in (await svc.http.get("/feedback?mine=true", headers=owner)).json()["items"]
    ]
    r = await svc.http.post(f"/feedback/{fid}/withdraw", json={"reason": "thử"}, headers=stranger)
    assert r.status_code == 404

    responsible = svc.auth("agency", sub="cb-01", agency=agency, province="01")
    for headers, status in (
        (responsible, 200),
        (svc.auth("agency", sub="cb-02", agency=agency, province="79"), 404),  # same body, another province
        (svc.auth("agency", sub="cb-03", agency="SO-TP"), 404),
        (svc.auth("operator", sub="op-hn", province="01"), 200),
        (svc.auth("operator", sub="op-hcm", province="79"), 404),
        (svc.auth("operator"), 200),
    ):
        assert (await svc.http.get(f"/feedback/{fid}", headers=headers)).status_code == status
    queue = (await svc.http.get("/agency/feedback", headers=responsible)).json()["items"]
    assert [f["id"] for f in queue] == [fid] and queue[0]["submitter_name"] == "Lê Văn Cường"
    assert (await svc.http.get("/feedback", headers=responsible)).status_code == 403
    assert (await svc.http.get(f"/feedback/{fid}")).status_code == 401


async def test_answer_publish_reopen_rate_on_kafka(svc: Service) -> None:
    code, agency = await published_procedure(svc)
    citizen = svc.auth("citizen", sub="001099000005", name="Hoàng Văn Em", phone="0987654321")
    staff = svc.auth("agency", sub="cb-01", agency=agency, province="01")
    fid = (await submit(svc, citizen, procedure_code=code))["id"]

    assert (await svc.http.post(f"/feedback/{fid}/start", headers=staff)).json()["status"] == "in_progress"
    r = await svc.http.post(f"/feedback/{fid}/answer", json={"answer": "Ngắn"}, headers=staff)
    assert r.status_code == 422 and r.json()["detail"] == "Nội dung trả lời phải có từ 20 đến 10000 ký tự."
    r = await svc.http.post(
        f"/feedback/{fid}/answer", json={"answer": ANSWER, "publish": True}, headers=staff
    )
    assert r.status_code == 200 and r.json()["status"] == "answered" and r.json()["answered_on_time"] is True

    [answered] = await svc.watcher.wait(topics.FEEDBACK_ANSWERED, fid)
    assert answered["agency_code"] == agency and answered["published"] is True and answered["on_time"] is True
    assert answered["citizen_phone"] == "+84987654321", "notify sends the SMS about the answer"

    public = (await svc.http.get("/feedback/published", params={"agency_code": agency})).json()["items"]
    assert [p["id"] for p in public] == [fid] and public[0]["answer"] == ANSWER
    whole = (await svc.http.get("/feedback/published", params={"agency_code": agency})).json()
    assert (whole["total"], whole["limit"], whole["offset"], whole["next"]) == (1, 50, 0, None)
    assert not {"content", "phone", "submitter_name", "organisation", "dossier_code"} & set(public[0])

    r = await svc.http.post(
        f"/feedback/{fid}/reopen", json={"reason": "Tôi vẫn chưa nhận được giấy phép."}, headers=citizen
    )
    assert r.status_code == 200 and r.json()["status"] == "in_progress" and r.json()["reopen_count"] == 1
    assert (await svc.http.get("/feedback/published", params={"agency_code": agency})).json()["items"] == []
    await svc.http.post(f"/feedback/{fid}/answer", json={"answer": ANSWER, "publish": True}, headers=staff)
    r = await svc.http.post(
        f"/feedback/{fid}/rate", json={"score": 4, "comment": "Cảm ơn Sở."}, headers=citizen
    )
    assert r.status_code == 200 and (r.json()["status"], r.json()["rating"]) == ("closed", 4)
    assert [h["action"] for h in r.json()["history"]] == [
        "submit",
        "route",
        "start",
        "answer",
        "reopen",
        "answer",
        "rate",
    ]

    r = await svc.http.post(
        f"/feedback/{fid}/reopen", json={"reason": "Muốn mở lại thêm lần nữa."}, headers=citizen
    )
    assert r.status_code == 409 and "Đã kết thúc" in r.json()["detail"]
    r = await svc.http.post(f"/feedback/{fid}/rate", json={"score": "năm"}, headers=citizen)
    assert r.status_code == 422 and r.json()["errors"] == [{"field": "score", "message": "phải là số nguyên"}]

    changed = await svc.watcher.wait(topics.FEEDBACK_STATUS_CHANGED, fid, count=3)
    assert [(e["action"], e["new_status"]) for e in changed] == [
        ("start", "in_progress"),
        ("reopen", "in_progress"),
        ("rate", "closed"),
    ]
    assert changed[2]["rating"] == 4
    assert len(await svc.watcher.wait(topics.FEEDBACK_ANSWERED, fid, count=2)) == 2


async def test_overdue_is_visible_counted_and_an_event(svc: Service) -> None:
    code, agency = await published_procedure(svc)
    citizen = svc.auth("citizen", sub="001099000006", name="Đỗ Thị Giang")
    staff = svc.auth("agency", sub="cb-01", agency=agency, province="01")
    operator = svc.auth("operator", sub="op-1")
    late = (await submit(svc, citizen, procedure_code=code))["id"]
    second = {
        "title": "Phản ánh thứ hai đã có trả lời",
        "content": "Cán bộ yêu cầu nộp thêm giấy tờ ngoài quy định.",
    }
    answered = (await submit(svc, citizen, procedure_code=code, **second))["id"]
    await svc.http.post(f"/feedback/{answered}/answer", json={"answer": ANSWER}, headers=staff)

    params = {"agency_code": agency, "overdue": "true"}
    assert (await svc.http.get("/operator/feedback", params=params, headers=operator)).json()["items"] == []
    svc.ctx.clock = lambda: (
        utc_now() + timedelta(days=40)
    )  # past every 10-working-day deadline, even across Tết
    try:
        items = (await svc.http.get("/operator/feedback", params=params, headers=operator)).json()["items"]
        assert [(f["id"], f["overdue"]) for f in items] == [(late, True)]
        items = (await svc.http.get("/agency/feedback?overdue=true", headers=staff)).json()["items"]
        assert [f["id"] for f in items] == [late]

        await tick(svc.app.state.runtime, svc.ctx)
        [overdue] = await svc.watcher.wait(topics.FEEDBACK_OVERDUE, late)
        assert overdue["agency_code"] == agency and overdue["status"] == "routed"
        await tick(svc.app.state.runtime, svc.ctx)
        await asyncio.sleep(0.5)
        assert len(svc.watcher.of(topics.FEEDBACK_OVERDUE, late)) == 1, "once per deadline"
        assert svc.watcher.of(topics.FEEDBACK_OVERDUE, answered) == []
        closed = await svc.watcher.wait(topics.FEEDBACK_STATUS_CHANGED, answered)
        assert (closed[0]["action"], closed[0]["actor_role"]) == ("close", "system"), "reopen window passed"

        stats = (await svc.http.get("/stats", params={"agency_code": agency}, headers=operator)).json()
        want = {"received": 2, "answered": 1, "resolved": 1, "open": 1, "overdue": 1, "answered_on_time": 1}
        assert {k: stats["totals"][k] for k in want} == want
        assert [r["agency_code"] for r in stats["by_agency"]] == [agency]
        assert stats["by_province"][0]["province_code"] == "01" and stats["totals"]["resolved_rate"] == 0.5
        assert (await svc.http.get("/stats", headers=staff)).json()["totals"]["overdue"] == 1, (
            "an agency: its own"
        )
        hcm = svc.auth("operator", sub="op-hcm", province="79")
        assert (await svc.http.get("/stats", params={"province_code": "01"}, headers=hcm)).status_code == 403
        assert (await svc.http.get("/stats", params={"agency_code": agency}, headers=hcm)).json()["totals"][
            "received"
        ] == 0
    finally:
        svc.ctx.clock = utc_now


async def test_likely_duplicates_are_flagged_for_operators(svc: Service) -> None:
    code, agency = await published_procedure(svc)
    first = await submit(svc, svc.auth("citizen", sub="001099000007"), procedure_code=code)
    again = await submit(
        svc,
        svc.auth("citizen", sub="001099000008"),
        procedure_code=code,
        content=CONTENT.upper().replace("ĐỔI", "DOI") + " Đề nghị Sở kiểm tra.",
    )
    operator = svc.auth("operator")
    params = {"agency_code": agency, "duplicates": "true"}
    flagged = (await svc.http.get("/operator/feedback", params=params, headers=operator)).json()["items"]
    assert [(f["id"], f["possible_duplicate_of"], f["duplicate_reason"], f["status"]) for f in flagged] == [
        (again["id"], first["id"], "similar_text", "routed")
    ]
    [received] = await svc.watcher.wait(topics.FEEDBACK_RECEIVED, again["id"])
    assert received["possible_duplicate_of"] == first["id"]
    # paged (dvckit.paging): a total, and next links that walk the agency's feedback once, newest first
    page = (
        await svc.http.get(
            "/v1/operator/feedback", params={"agency_code": agency, "limit": 1}, headers=operator
        )
    ).json()
    assert (page["total"], page["next"]) == (
        2,
        f"/v1/operator/feedback?agency_code={agency}&limit=1&offset=1",
    )
    last = (await svc.http.get(page["next"], headers=operator)).json()
    assert [f["id"] for f in page["items"] + last["items"]] == [again["id"], first["id"]] and last[
        "next"
    ] is None

    staff = svc.auth("agency", sub="cb-01", agency=agency)
    r = await svc.http.post(
        f"/feedback/{again['id']}/mark-duplicate", json={"duplicate_of": first["id"]}, headers=staff
    )
    assert r.status_code == 200 and (r.json()["status"], r.json()["duplicate_of"]) == (
        "duplicate",
        first["id"],
    )
    [changed] = await svc.watcher.wait(topics.FEEDBACK_STATUS_CHANGED, again["id"])
    assert (changed["action"], changed["duplicate_of"]) == ("mark_duplicate", first["id"])


async def test_not_responsible_then_an_operator_reroutes(svc: Service) -> None:
    code, agency = await published_procedure(svc)
    _, other_agency = await published_procedure(svc)
    citizen = svc.auth("citizen", sub="001099000009")
    fid = (await submit(svc, citizen, procedure_code=code))["id"]
    staff = svc.auth("agency", sub="cb-01", agency=agency)
    r = await svc.http.post(
        f"/feedback/{fid}/not-responsible", json={"reason": "Không thuộc thẩm quyền của Sở."}, headers=staff
    )
    assert r.status_code == 200 and (r.json()["status"], r.json()["agency_code"]) == ("not_responsible", None)
    operator = svc.auth("operator", sub="op-hn", province="01")
    waiting = (
        await svc.http.get("/operator/feedback", params={"status": "not_responsible"}, headers=operator)
    ).json()
    assert fid in [f["id"] for f in waiting["items"]]

    async def reroute() -> httpx.Response:  # the second procedure's agency may not be known yet
        return await svc.http.post(
            f"/feedback/{fid}/route", json={"agency_code": other_agency}, headers=operator
        )

    r = await poll(reroute, lambda resp: resp.status_code != 422)
    assert r.status_code == 200 and (r.json()["status"], r.json()["agency_code"]) == ("routed", other_agency)
    assert [h["previous_agency_code"] for h in r.json()["history"]][-2:] == [agency, None]
    changed = await svc.watcher.wait(topics.FEEDBACK_STATUS_CHANGED, fid, count=2)
    assert [(e["action"], e["actor_role"], e["agency_code"]) for e in changed] == [
        ("not_responsible", "agency", None),
        ("route", "operator", other_agency),
    ]
