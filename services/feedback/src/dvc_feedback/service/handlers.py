"""Feedback handlers: plain functions of (command or event, unit of work). The callers commit.

Every state change is saved with its history rows (actor included) and its event in the same transaction
(outbox): feedback-received on submission, feedback-answered on an answer, feedback-status-changed on every
other transition, feedback-overdue once per missed deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from dvc_contracts import phone as vn_phone
from dvc_contracts import topics
from dvc_contracts.clock import vn_date
from dvc_contracts.events import (
    DossierStatusChangedV1,
    DossierSubmittedV1,
    FeedbackAnsweredV1,
    FeedbackOverdueV1,
    FeedbackReceivedV1,
    FeedbackStatusChangedV1,
    ProcedurePublishedV1,
    ProcedureRetiredV1,
)
from dvc_feedback.domain.duplicates import best_match, fingerprint
from dvc_feedback.domain.model import (
    SYSTEM,
    Actor,
    Feedback,
    FeedbackError,
    Forbidden,
    NotFound,
    Transition,
    new_feedback_id,
)
from dvc_feedback.domain.submission import Submission, check_submission, route
from dvc_feedback.service.uow import FeedbackUnitOfWork
from dvckit.logging import get_logger
from dvckit.messaging.typed import Event, Rejection

log = get_logger("dvc_feedback.handlers")


@dataclass(frozen=True)
class Policy:
    """The service's rules that are settings: deadline, reopen window, duplicate search."""

    response_working_days: int = 10
    reopen_window: timedelta = timedelta(days=7)
    duplicate_window: timedelta = timedelta(days=30)
    duplicate_threshold: float = 0.75


# --- events in: read models ------------------------------------------------------------------------


async def on_procedure_published(event: Event[ProcedurePublishedV1], uow: FeedbackUnitOfWork) -> None:
    """Procedure → responsible agency (newest version wins); its agencies become known."""
    data = event.data
    await uow.catalog.upsert_procedure(
        code=data.code,
        version=data.version,
        name=data.name,
        agency_code=data.agency_code,
        allowed=list(data.allowed_agency_codes),
        at=data.published_at,
    )
    await uow.catalog.add_agencies(
        {code: None for code in data.allowed_agency_codes} | {data.agency_code: data.agency_name}
    )


async def on_procedure_retired(event: Event[ProcedureRetiredV1], uow: FeedbackUnitOfWork) -> None:
    """A retired procedure still routes feedback about it (complaints outlive procedures)."""
    data = event.data
    await uow.catalog.retire(data.code, data.version, data.retired_at)


async def on_dossier_submitted(event: Event[DossierSubmittedV1], uow: FeedbackUnitOfWork) -> None:
    """Dossier → agency, procedure, province (a status event that came first is not overwritten)."""
    data = event.data
    await uow.dossiers.upsert(
        code=data.dossier_code,
        procedure_code=data.procedure_code,
        agency_code=data.agency_code,
        province_code=data.province_code,
        status="submitted",
        sequence=0,
        at=data.submitted_at,
        only_if_new=True,
    )
    await uow.catalog.add_agencies({data.agency_code: None})


def _dossier_row(d: DossierStatusChangedV1) -> dict[str, Any]:
    return {
        "code": d.dossier_code, "procedure_code": d.procedure_code, "agency_code": d.agency_code,
        "province_code": d.province_code, "status": d.new_status, "sequence": d.sequence,
        "updated_at": d.occurred_at,
    }  # fmt: skip


async def on_dossier_status_changed(
    events: list[Event[DossierStatusChangedV1]], uow: FeedbackUnitOfWork
) -> list[Rejection]:
    """The agency handling each dossier now (highest sequence wins; of equal ones, the later). A batch is
    folded to one row per dossier first: two statements per batch, whatever its size."""
    latest: dict[str, DossierStatusChangedV1] = {}
    for event in events:
        data = event.data
        kept = latest.get(data.dossier_code)
        if kept is None or data.sequence >= kept.sequence:
            latest[data.dossier_code] = data
    await uow.dossiers.upsert_many([_dossier_row(d) for d in latest.values()])
    await uow.catalog.add_agencies(dict.fromkeys(sorted({d.agency_code for d in latest.values()})))
    return []


# --- commands --------------------------------------------------------------------------------------


async def submit_feedback(
    uow: FeedbackUnitOfWork,
    actor: Actor,
    sub: Submission,
    *,
    submitter_name: str | None,
    policy: Policy,
    now: datetime,
) -> Feedback:
    """Validate, route to the responsible agency, set the deadline, flag a likely duplicate."""
    if actor.role != "citizen":
        raise Forbidden("forbidden", "Chỉ người dân, doanh nghiệp gửi phản ánh, kiến nghị.")
    clean = check_submission(sub)
    dossier = await uow.dossiers.get(clean.dossier_code) if clean.dossier_code else None
    procedure = await uow.catalog.procedure(clean.procedure_code) if clean.procedure_code else None
    known = await uow.catalog.agency_known(clean.agency_code) if clean.agency_code else False
    routing = route(clean, dossier=dossier, procedure=procedure, named_agency_known=known)

    fb = Feedback(
        id=new_feedback_id(clean.kind, now),
        kind=clean.kind,
        category=clean.category,
        province_code=routing.province_code,
        title=clean.title,
        content=clean.content,
        owner_sub=actor.sub,
        received_at=now,
        submitter_name=submitter_name,
        organisation=clean.organisation,
        citizen_phone=clean.phone,
        procedure_code=clean.procedure_code or routing.procedure_code,
        dossier_code=clean.dossier_code,
        named_agency_code=clean.agency_code,
        fingerprint=fingerprint(clean.title, clean.content),
    )
    fb.receive(actor)
    fb.route(
        routing.agency_code, routing.basis, SYSTEM, now, response_working_days=policy.response_working_days
    )
    candidates = await uow.feedback.duplicate_candidates(
        agency_code=routing.agency_code, dossier_code=fb.dossier_code, since=now - policy.duplicate_window
    )
    match = best_match(fb.fingerprint, fb.dossier_code, candidates, policy.duplicate_threshold)
    if match is not None:
        fb.possible_duplicate_of, fb.duplicate_score, fb.duplicate_reason = (
            match.of,
            match.score,
            match.reason,
        )

    await uow.feedback.add(fb)
    await uow.feedback.add_history(fb.id, fb.take_transitions())
    received = FeedbackReceivedV1(
        feedback_id=fb.id,
        kind=fb.kind,
        category=fb.category,
        province_code=fb.province_code,
        agency_code=fb.agency_code,
        procedure_code=fb.procedure_code,
        dossier_code=fb.dossier_code,
        received_at=now,
        due_date=fb.due_date,
        possible_duplicate_of=fb.possible_duplicate_of,
        citizen_phone=fb.citizen_phone,
    )
    await uow.publish(topics.FEEDBACK_RECEIVED, received, key=fb.id)
    log.info(
        "feedback.received",
        feedback_id=fb.id,
        agency=fb.agency_code,
        province=fb.province_code,
        routed_by=routing.basis,
        due_date=str(fb.due_date),
        possible_duplicate_of=fb.possible_duplicate_of,
        phone=vn_phone.mask(fb.citizen_phone),
    )
    return fb


async def load_visible(
    uow: FeedbackUnitOfWork, feedback_id: str, actor: Actor, *, for_update: bool = False
) -> Feedback:
    fb = await uow.feedback.get(feedback_id, for_update=for_update)
    if fb is None or not fb.visible_to(actor):
        raise NotFound("not_found", f"Không tìm thấy phản ánh, kiến nghị {feedback_id}.")
    return fb


def _status_changed(fb: Feedback, t: Transition) -> FeedbackStatusChangedV1:
    assert t.from_status is not None
    return FeedbackStatusChangedV1(
        feedback_id=fb.id,
        kind=fb.kind,
        category=fb.category,
        province_code=fb.province_code,
        agency_code=t.agency_code,
        previous_agency_code=t.previous_agency_code,
        old_status=t.from_status,
        new_status=t.to_status,
        action=t.action,
        actor_role=t.actor.role,
        occurred_at=t.at,
        due_date=fb.due_date,
        duplicate_of=fb.duplicate_of if t.action == "mark_duplicate" else None,
        rating=fb.rating if t.action == "rate" else None,
        dossier_code=fb.dossier_code,
        citizen_phone=fb.citizen_phone,
    )


async def _persist(uow: FeedbackUnitOfWork, fb: Feedback) -> None:
    """Save the feedback, its new history rows and one event per transition (same transaction)."""
    transitions = fb.take_transitions()
    await uow.feedback.save(fb)
    await uow.feedback.add_history(fb.id, transitions)
    for t in transitions:
        event: BaseModel
        if t.action == "answer":
            assert fb.answered_at is not None and fb.agency_code is not None
            event = FeedbackAnsweredV1(
                feedback_id=fb.id,
                agency_code=fb.agency_code,
                province_code=fb.province_code,
                dossier_code=fb.dossier_code,
                answered_at=fb.answered_at,
                due_date=fb.due_date,
                published=fb.answer_published,
                citizen_phone=fb.citizen_phone,
                kind=fb.kind,
                category=fb.category,
                on_time=fb.answered_on_time,
            )
            await uow.publish(topics.FEEDBACK_ANSWERED, event, key=fb.id)
        elif t.from_status != t.to_status:
            event = _status_changed(fb, t)
            await uow.publish(topics.FEEDBACK_STATUS_CHANGED, event, key=fb.id)
        log.info(
            "feedback.transition",
            feedback_id=fb.id,
            action=t.action,
            from_status=t.from_status,
            to_status=t.to_status,
            actor_role=t.actor.role,
            agency=t.agency_code,
        )


async def start(uow: FeedbackUnitOfWork, feedback_id: str, actor: Actor, now: datetime) -> Feedback:
    fb = await load_visible(uow, feedback_id, actor, for_update=True)
    fb.start(actor, now)
    await _persist(uow, fb)
    return fb


async def answer(
    uow: FeedbackUnitOfWork, feedback_id: str, actor: Actor, text: str, *, publish: bool, now: datetime
) -> Feedback:
    fb = await load_visible(uow, feedback_id, actor, for_update=True)
    fb.answer_with(text, actor, now, publish=publish)
    await _persist(uow, fb)
    return fb


async def publish_answer(uow: FeedbackUnitOfWork, feedback_id: str, actor: Actor, now: datetime) -> Feedback:
    fb = await load_visible(uow, feedback_id, actor, for_update=True)
    was = fb.answer_published
    fb.publish_answer(actor, now)
    if not was:
        fb.audit("publish", actor, now)
        await _persist(uow, fb)
    return fb


async def decline(
    uow: FeedbackUnitOfWork,
    feedback_id: str,
    actor: Actor,
    reason: str,
    *,
    suggested_agency: str | None,
    policy: Policy,
    now: datetime,
) -> Feedback:
    """Not this agency's responsibility. With a known suggested agency it is re-routed there at once;
    otherwise it waits, as not_responsible, for an operator to route it."""
    fb = await load_visible(uow, feedback_id, actor, for_update=True)
    suggested = (suggested_agency or "").strip() or None
    if suggested is not None:
        if suggested == fb.agency_code:
            raise FeedbackError(
                "invalid_input",
                "Cơ quan đề xuất phải khác cơ quan hiện tại.",
                {"suggested_agency_code": "Mã cơ quan"},
            )
        if not await uow.catalog.agency_known(suggested):
            raise FeedbackError(
                "unknown_agency",
                f"Không tìm thấy cơ quan có mã {suggested} trong Cơ sở dữ liệu thủ tục hành chính.",
                {"suggested_agency_code": "Mã cơ quan"},
            )
    fb.decline(reason, actor, now)
    if suggested is not None:
        fb.route(suggested, "suggested", SYSTEM, now, response_working_days=policy.response_working_days)
    await _persist(uow, fb)
    return fb


async def reroute(
    uow: FeedbackUnitOfWork,
    feedback_id: str,
    actor: Actor,
    agency_code: str,
    *,
    policy: Policy,
    now: datetime,
) -> Feedback:
    """An operator sends the feedback to another agency (after not_responsible, or to correct routing)."""
    fb = await load_visible(uow, feedback_id, actor, for_update=True)
    code = agency_code.strip()
    if not await uow.catalog.agency_known(code):
        raise FeedbackError(
            "unknown_agency",
            f"Không tìm thấy cơ quan có mã {code} trong Cơ sở dữ liệu thủ tục hành chính.",
            {"agency_code": "Mã cơ quan"},
        )
    fb.route(code, "operator", actor, now, response_working_days=policy.response_working_days)
    await _persist(uow, fb)
    return fb


async def mark_duplicate(
    uow: FeedbackUnitOfWork, feedback_id: str, actor: Actor, duplicate_of: str, now: datetime
) -> Feedback:
    fb = await load_visible(uow, feedback_id, actor, for_update=True)
    original = await uow.feedback.get(duplicate_of.strip())
    if original is None:
        raise FeedbackError(
            "unknown_feedback",
            f"Không tìm thấy phản ánh, kiến nghị {duplicate_of} để đánh dấu trùng.",
            {"duplicate_of": "Mã phản ánh, kiến nghị"},
        )
    fb.mark_duplicate(original, actor, now)
    await _persist(uow, fb)
    return fb


async def withdraw(
    uow: FeedbackUnitOfWork, feedback_id: str, actor: Actor, reason: str | None, now: datetime
) -> Feedback:
    fb = await load_visible(uow, feedback_id, actor, for_update=True)
    fb.withdraw(reason, actor, now)
    await _persist(uow, fb)
    return fb


async def rate(
    uow: FeedbackUnitOfWork, feedback_id: str, actor: Actor, score: int, comment: str | None, now: datetime
) -> Feedback:
    fb = await load_visible(uow, feedback_id, actor, for_update=True)
    fb.rate(score, comment, actor, now)
    await _persist(uow, fb)
    return fb


async def reopen(
    uow: FeedbackUnitOfWork, feedback_id: str, actor: Actor, reason: str, *, policy: Policy, now: datetime
) -> Feedback:
    fb = await load_visible(uow, feedback_id, actor, for_update=True)
    fb.reopen(
        reason, actor, now, window=policy.reopen_window, response_working_days=policy.response_working_days
    )
    await _persist(uow, fb)
    return fb


# --- scheduled (timeouts are events) -----------------------------------------------------------------


async def flag_overdue(uow: FeedbackUnitOfWork, now: datetime, limit: int = 500) -> int:
    """Emit feedback-overdue once per missed deadline (a reopened or re-routed feedback gets a new one)."""
    found = await uow.feedback.newly_overdue(vn_date(now), limit)
    for fb in found:
        assert fb.due_date is not None
        fb.overdue_flagged_due = fb.due_date
        fb.audit("overdue", SYSTEM, now, note=f"quá hạn trả lời {fb.due_date.isoformat()}")
        await _persist(uow, fb)
        event = FeedbackOverdueV1(
            feedback_id=fb.id,
            kind=fb.kind,
            category=fb.category,
            province_code=fb.province_code,
            agency_code=fb.agency_code,
            status=fb.status,
            received_at=fb.received_at,
            due_date=fb.due_date,
            detected_at=now,
            dossier_code=fb.dossier_code,
        )
        await uow.publish(topics.FEEDBACK_OVERDUE, event, key=fb.id)
    if found:
        log.info("feedback.overdue_flagged", count=len(found))
    return len(found)


async def auto_close(uow: FeedbackUnitOfWork, now: datetime, policy: Policy, limit: int = 500) -> int:
    """Answered feedback the citizen neither rated nor reopened within the window is closed."""
    found = await uow.feedback.answered_before(now - policy.reopen_window, limit)
    for fb in found:
        fb.close(SYSTEM, now, note=f"tự động kết thúc sau {policy.reopen_window.days} ngày kể từ khi trả lời")
        await _persist(uow, fb)
    if found:
        log.info("feedback.auto_closed", count=len(found))
    return len(found)


def stats_row(row: dict[str, Any]) -> dict[str, Any]:
    """Rates derived from the counts, for people reading the report."""
    received, answered = row["received"], row["answered"]
    return row | {
        "resolved_rate": round(row["resolved"] / received, 4) if received else None,
        "on_time_rate": round(row["answered_on_time"] / answered, 4) if answered else None,
    }
