"""Handlers with the real unit of work on a throw-away SQLite database (no broker): read models from events,
routing, duplicates, the outbox events of each transition, the scheduler's overdue flag and auto-close."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dvc_contracts import topics
from dvc_contracts.envelope import CloudEvent, new_event
from dvc_contracts.events import (
    DossierStatusChangedV1,
    DossierSubmittedV1,
    ProcedureFeeV1,
    ProcedurePublishedV1,
)
from dvc_feedback.adapters.orm import messaging
from dvc_feedback.adapters.repository import Scope
from dvc_feedback.domain.model import Actor, FeedbackError, InvalidTransition
from dvc_feedback.domain.submission import Submission
from dvc_feedback.service import handlers
from dvc_feedback.service.handlers import Policy
from dvc_feedback.service.uow import FeedbackUnitOfWork
from dvckit import migrate
from dvckit.db import make_engine, make_sessionmaker
from dvckit.messaging.typed import Event, typed_each

T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # Friday, 09:00 in Hà Nội
POLICY = Policy()
CITIZEN = Actor("citizen", "001099012345")
OTHER = Actor("citizen", "079201001234")
SO_GTVT = Actor("agency", "cb-01", agency="SO-GTVT", province="01")
OPERATOR = Actor("operator", "op-1")
CONTENT = (
    "Tôi nộp hồ sơ đổi giấy phép lái xe trực tuyến ngày 2/11, đến nay đã quá hạn trả kết quả mười ngày "
    "nhưng chưa nhận được giấy phép, cũng không có thông báo lý do."
)
ANSWER = "Sở đã kiểm tra; kết quả được trả qua bưu điện ngày 25/11/2026. Xin lỗi ông/bà vì sự chậm trễ."

UowFactory = Callable[[], FeedbackUnitOfWork]


@pytest.fixture
async def uow(tmp_path: Path) -> AsyncIterator[UowFactory]:
    url = f"sqlite+aiosqlite:///{tmp_path}/feedback.db"
    await asyncio.to_thread(migrate.upgrade, "dvc_feedback", url)
    engine = make_engine(url)
    sessionmaker = make_sessionmaker(engine)
    yield lambda: FeedbackUnitOfWork(sessionmaker, messaging, service="feedback")
    await engine.dispose()


def procedure_event(code: str = "GPLX-DOI-L4", version: int = 1, agency: str = "SO-GTVT") -> CloudEvent:
    data = ProcedurePublishedV1(
        code=code,
        version=version,
        name="Đổi giấy phép lái xe",
        sector="GTVT",
        agency_code=agency,
        agency_name="Sở Giao thông vận tải",
        level="province",
        service_level=4,
        fee=ProcedureFeeV1(kind="fixed", amount_vnd=135000),
        processing_days=5,
        allowed_agency_codes=["BGTVT-TCDBVN"],
        published_at=T0,
    )
    return new_event(topics.PROCEDURE_PUBLISHED, "/dvc/catalog", data, subject=code)


def dossier_submitted(code: str, agency: str) -> CloudEvent:
    data = DossierSubmittedV1(
        dossier_code=code,
        procedure_code="GPLX-DOI-L4",
        procedure_name="Đổi giấy phép lái xe",
        procedure_version=1,
        agency_code=agency,
        province_code="79",
        sector="GTVT",
        channel="online",
        applicant_name="Trần Thị Bình",
        submitted_at=T0,
    )
    return new_event(topics.DOSSIER_SUBMITTED, "/dvc/dossier", data, subject=code)


def status_changed(code: str, agency: str, sequence: int, status: str = "processing") -> CloudEvent:
    data = DossierStatusChangedV1(
        dossier_code=code,
        procedure_code="GPLX-DOI-L4",
        agency_code=agency,
        province_code="79",
        sector="GTVT",
        channel="online",
        sequence=sequence,
        new_status=status,  # type: ignore[arg-type]
        occurred_at=T0,
    )
    return new_event(topics.DOSSIER_STATUS_CHANGED, "/dvc/dossier", data, subject=code)


async def consume(uow: UowFactory, handler: Any, *events: CloudEvent) -> None:
    for ev in events:
        async with uow() as u:
            await handler(Event.parse(ev), u)
            await u.commit()


async def submit(uow: UowFactory, now: datetime = T0, actor: Actor = CITIZEN, **kw: Any) -> Any:
    fields: dict[str, Any] = {
        "kind": "feedback",
        "category": "dossier_handling",
        "title": "Hồ sơ đổi giấy phép lái xe trễ hẹn",
        "content": CONTENT,
        "province_code": "01",
        "procedure_code": "GPLX-DOI-L4",
        "phone": "0912345678",
    } | kw
    async with uow() as u:
        fb = await handlers.submit_feedback(
            u, actor, Submission(**fields), submitter_name="Nguyễn Văn An", policy=POLICY, now=now
        )
        await u.commit()
    return fb


async def outbox(uow: UowFactory, topic: str) -> list[tuple[str, dict[str, Any]]]:
    async with uow() as u:
        q = select(messaging.outbox.c.key, messaging.outbox.c.value).where(messaging.outbox.c.topic == topic)
        rows = (await u.session.execute(q.order_by(messaging.outbox.c.id))).all()
    return [(r.key, json.loads(r.value)) for r in rows]


async def run(uow: UowFactory, fn: Any, *args: Any, **kw: Any) -> Any:
    async with uow() as u:
        result = await fn(u, *args, **kw)
        await u.commit()
    return result


async def test_routed_from_the_catalog_read_model_with_a_deadline_and_an_event(uow: UowFactory) -> None:
    with pytest.raises(FeedbackError) as info:
        await submit(uow)
    assert info.value.code == "unknown_procedure"
    await consume(uow, handlers.on_procedure_published, procedure_event())
    # a newer version moves the procedure; an older one arriving late does not move it back
    await consume(
        uow,
        handlers.on_procedure_published,
        procedure_event(version=3, agency="SO-GTVT"),
        procedure_event(version=2, agency="BGTVT-TCDBVN"),
    )
    fb = await submit(uow)
    assert (fb.agency_code, fb.status, fb.routed_by, fb.due_date) == (
        "SO-GTVT",
        "routed",
        "procedure",
        date(2026, 12, 4),
    )
    [(key, event)] = await outbox(uow, topics.FEEDBACK_RECEIVED)
    assert key == fb.id
    assert event["agency_code"] == "SO-GTVT" and event["due_date"] == "2026-12-04"
    assert event["procedure_code"] == "GPLX-DOI-L4" and event["citizen_phone"] == "+84912345678"
    assert "content" not in event and "title" not in event, "no free text on the bus"
    async with uow() as u:
        hist = await u.feedback.history(fb.id)
    assert [(h.action, h.from_status, h.to_status, h.actor) for h in hist] == [
        ("submit", None, "received", "citizen:001099012345"),
        ("route", "received", "routed", "system:scheduler"),
    ]
    # the agency it names directly is known now (from the procedure), and an unknown one is refused
    assert (await submit(uow, procedure_code=None, agency_code="BGTVT-TCDBVN")).agency_code == "BGTVT-TCDBVN"
    with pytest.raises(FeedbackError) as info:
        await submit(uow, procedure_code=None, agency_code="UBND-XA")
    assert info.value.code == "unknown_agency"


async def consume_batch(uow: UowFactory, handler: Any, *events: CloudEvent) -> None:
    async with uow() as u:
        assert await handler([Event.parse(ev) for ev in events], u) == []
        await u.commit()


async def test_dossier_read_model_follows_the_highest_sequence(uow: UowFactory) -> None:
    await consume(uow, handlers.on_dossier_submitted, dossier_submitted("79-A", "BTC-TCT"))
    await consume_batch(uow, handlers.on_dossier_status_changed, status_changed("79-A", "BTC-KBNN", 1))
    await consume_batch(
        uow,
        handlers.on_dossier_status_changed,
        status_changed("79-A", "SO-TP", 2),
        status_changed("79-A", "CA-TINH", 2, "forwarded"),  # same sequence, later in the batch: it wins
        status_changed("79-A", "BTC-KBNN", 1),  # late and older, in the same batch: ignored
        status_changed("79-C", "SO-TP", 1),  # another dossier in the batch
    )
    await consume_batch(uow, handlers.on_dossier_status_changed, status_changed("79-A", "BTC-KBNN", 1))
    # a status event before the submission: the late submission does not overwrite it
    await consume_batch(uow, handlers.on_dossier_status_changed, status_changed("79-B", "CA-TINH", 1))
    await consume(uow, handlers.on_dossier_submitted, dossier_submitted("79-B", "BTC-TCT"))
    for code in ("79-A", "79-B"):
        fb = await submit(uow, procedure_code=None, province_code=None, dossier_code=code)
        assert (fb.agency_code, fb.province_code, fb.routed_by) == ("CA-TINH", "79", "dossier")
        assert fb.procedure_code == "GPLX-DOI-L4"
    fb = await submit(uow, procedure_code=None, province_code=None, dossier_code="79-C")
    assert fb.agency_code == "SO-TP"


async def test_likely_duplicates_are_flagged_not_closed(uow: UowFactory) -> None:
    await consume(uow, handlers.on_procedure_published, procedure_event())
    await consume(uow, handlers.on_dossier_submitted, dossier_submitted("79-D", "SO-GTVT"))
    first = await submit(uow)
    assert first.possible_duplicate_of is None
    again = await submit(
        uow, actor=OTHER, content=CONTENT.upper().replace("mười", "muoi") + " Đề nghị kiểm tra."
    )
    assert (again.possible_duplicate_of, again.duplicate_reason, again.status) == (
        first.id,
        "similar_text",
        "routed",
    )
    assert again.duplicate_score is not None and 0.75 <= again.duplicate_score < 1
    different = await submit(
        uow, content="Cán bộ một cửa yêu cầu nộp thêm bản sao chứng thực căn cước dù thủ tục không quy định."
    )
    assert different.possible_duplicate_of is None
    d1 = await submit(
        uow,
        procedure_code=None,
        province_code=None,
        dossier_code="79-D",
        content="Hồ sơ bị trả lại không rõ lý do.",
    )
    d2 = await submit(
        uow,
        procedure_code=None,
        province_code=None,
        dossier_code="79-D",
        content="Một nội dung khác hẳn về cùng hồ sơ.",
    )
    assert (d2.possible_duplicate_of, d2.duplicate_reason) == (d1.id, "same_dossier")
    async with uow() as u:
        flagged = await u.feedback.search(Scope(flagged=True), limit=10, offset=0)
    assert {f.id for f in flagged} == {again.id, d2.id}
    [(_, event)] = [e for e in await outbox(uow, topics.FEEDBACK_RECEIVED) if e[0] == d2.id]
    assert event["possible_duplicate_of"] == d1.id


async def test_each_transition_is_an_event(uow: UowFactory) -> None:
    await consume(uow, handlers.on_procedure_published, procedure_event())
    fb = await submit(uow)
    t1 = T0 + timedelta(days=1)
    await run(uow, handlers.start, fb.id, SO_GTVT, t1)
    await run(uow, handlers.answer, fb.id, SO_GTVT, ANSWER, publish=True, now=t1)
    await run(
        uow, handlers.reopen, fb.id, CITIZEN, "Tôi vẫn chưa nhận được giấy phép.", policy=POLICY, now=t1
    )
    await run(uow, handlers.answer, fb.id, SO_GTVT, ANSWER, publish=False, now=t1)
    done = await run(uow, handlers.rate, fb.id, CITIZEN, 5, "Cảm ơn.", t1)
    assert (done.status, done.rating, done.reopen_count) == ("closed", 5, 1)
    answered = await outbox(uow, topics.FEEDBACK_ANSWERED)
    assert [a["published"] for _, a in answered] == [True, False], "each answer is published or not"
    assert answered[0][1]["on_time"] is True and answered[0][1]["category"] == "dossier_handling"
    changed = [e for _, e in await outbox(uow, topics.FEEDBACK_STATUS_CHANGED)]
    assert [(e["action"], e["old_status"], e["new_status"], e["actor_role"]) for e in changed] == [
        ("start", "routed", "in_progress", "agency"),
        ("reopen", "answered", "in_progress", "citizen"),
        ("rate", "answered", "closed", "citizen"),
    ]
    assert changed[2]["rating"] == 5
    with pytest.raises(InvalidTransition):
        await run(uow, handlers.reopen, fb.id, CITIZEN, "Tôi muốn mở lại lần nữa.", policy=POLICY, now=t1)


async def test_not_responsible_with_a_suggestion_reroutes(uow: UowFactory) -> None:
    await consume(uow, handlers.on_procedure_published, procedure_event())
    fb = await submit(uow)
    with pytest.raises(FeedbackError) as info:
        await run(
            uow, handlers.decline, fb.id, SO_GTVT, "Không thuộc thẩm quyền của Sở.", suggested_agency="KHONG-CO",
            policy=POLICY, now=T0,
        )  # fmt: skip
    assert info.value.code == "unknown_agency"
    moved = await run(
        uow, handlers.decline, fb.id, SO_GTVT, "Thuộc thẩm quyền của Tổng cục Đường bộ.",
        suggested_agency="BGTVT-TCDBVN", policy=POLICY, now=T0 + timedelta(days=3),
    )  # fmt: skip
    assert (moved.status, moved.agency_code, moved.routed_by) == ("routed", "BGTVT-TCDBVN", "suggested")
    assert moved.due_date == date(2026, 12, 7), "the new agency gets a full deadline"
    changed = [e for _, e in await outbox(uow, topics.FEEDBACK_STATUS_CHANGED)]
    assert [(e["action"], e["agency_code"], e["previous_agency_code"]) for e in changed] == [
        ("not_responsible", None, "SO-GTVT"),
        ("route", "BGTVT-TCDBVN", None),
    ]
    with pytest.raises(FeedbackError) as info:
        async with uow() as u:
            await handlers.load_visible(u, fb.id, SO_GTVT)
    assert info.value.status == 404, "the agency that declined no longer sees it"


async def test_overdue_once_per_deadline_and_auto_close(uow: UowFactory) -> None:
    await consume(uow, handlers.on_procedure_published, procedure_event())
    late = await submit(uow)
    answered = await submit(
        uow,
        title="Một phản ánh khác đã được trả lời",
        content="Nội dung khác hẳn về thái độ cán bộ tại bộ phận một cửa.",
    )
    await run(uow, handlers.answer, answered.id, SO_GTVT, ANSWER, publish=False, now=T0 + timedelta(days=1))
    assert await run(uow, handlers.flag_overdue, datetime(2026, 12, 4, 16, 0, tzinfo=UTC)) == 0, (
        "23:00 on the due day"
    )
    after = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)  # 00:00 on 5/12 in Hà Nội
    assert await run(uow, handlers.flag_overdue, after) == 1
    assert await run(uow, handlers.flag_overdue, after + timedelta(days=3)) == 0, "once per deadline"
    [(key, event)] = await outbox(uow, topics.FEEDBACK_OVERDUE)
    assert key == late.id and event["due_date"] == "2026-12-04" and event["status"] == "routed"
    async with uow() as u:
        today = date(2026, 12, 5)
        overdue = await u.feedback.search(Scope(overdue_on=today), limit=10, offset=0)
        [totals] = await u.feedback.counts(Scope(), today, None)
        by_agency = await u.feedback.counts(Scope(), today, "agency_code")
    assert [f.id for f in overdue] == [late.id]
    assert (totals["received"], totals["answered"], totals["overdue"], totals["open"]) == (2, 1, 1, 1)
    assert by_agency == [totals | {"agency_code": "SO-GTVT"}]
    # answered + the reopen window passed → closed by the scheduler, with an event
    assert await run(uow, handlers.auto_close, T0 + timedelta(days=7), POLICY) == 0
    assert await run(uow, handlers.auto_close, T0 + timedelta(days=8, seconds=1), POLICY) == 1
    closed = [e for _, e in await outbox(uow, topics.FEEDBACK_STATUS_CHANGED) if e["action"] == "close"]
    assert [(e["feedback_id"], e["new_status"], e["actor_role"]) for e in closed] == [
        (answered.id, "closed", "system")
    ]


async def test_a_bad_event_is_rejected_for_the_dead_letter_topic(uow: UowFactory) -> None:
    ev = new_event(topics.PROCEDURE_PUBLISHED, "/dvc/catalog", {"code": "X", "version": "một"}, subject="X")
    async with uow() as u:  # the kit validates the payload before the handler runs
        [rejection] = await typed_each(ProcedurePublishedV1, handlers.on_procedure_published)([ev], u)
    assert rejection.reason == "invalid_payload"
