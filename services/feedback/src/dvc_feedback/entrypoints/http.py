"""Thin HTTP routes: citizens and businesses (submit, mine, withdraw, rate, reopen), agencies (their queue,
start, answer, not responsible, duplicate, publish), operators (all of that in their province, re-route,
the duplicate-flagged and overdue lists, counts) and the public (published answers)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field

from dvc_contracts.clock import vn_date, vn_midnight
from dvc_feedback.adapters.repository import Scope
from dvc_feedback.domain.model import (
    ALL_STATUSES,
    CATEGORIES,
    KINDS,
    STATUS_LABELS,
    Actor,
    Feedback,
    redact_numbers,
)
from dvc_feedback.domain.submission import Submission
from dvc_feedback.entrypoints.context import FeedbackContext
from dvc_feedback.entrypoints.responses import (
    Categories,
    FeedbackDetail,
    FeedbackOut,
    PublishedAnswer,
    Stats,
)
from dvc_feedback.service import handlers
from dvc_feedback.service.uow import FeedbackUnitOfWork
from dvckit.auth.fastapi import require_role
from dvckit.auth.jwt import Principal
from dvckit.paging import Page, Paging, paged
from dvckit.schemas import links

router = APIRouter()
Citizen = Annotated[Principal, Depends(require_role("citizen"))]
Staff = Annotated[Principal, Depends(require_role("agency", "operator"))]
AgencyUser = Annotated[Principal, Depends(require_role("agency"))]
Operator = Annotated[Principal, Depends(require_role("operator"))]
Reader = Annotated[Principal, Depends(require_role("citizen", "agency", "operator"))]
Paged = Annotated[Paging, Depends(paged())]  # dvckit.paging: limit 1–200, offset ≤ 1,000,000, next links


# --- bodies ----------------------------------------------------------------------------------------


class SubmitFeedback(BaseModel):
    """Validated by the service, with a Vietnamese message per field (all problems at once)."""

    kind: str | None = Field(default=None, description="feedback (phản ánh) | petition (kiến nghị)")
    category: str | None = Field(default=None, description=f"one of {', '.join(CATEGORIES)}")
    title: str | None = Field(default=None, description="10–200 characters")
    content: str | None = Field(default=None, description="20–5000 characters")
    province_code: str | None = Field(default=None, description="2 digits; optional when a dossier is named")
    procedure_code: str | None = None
    dossier_code: str | None = None
    agency_code: str | None = None
    phone: str | None = Field(default=None, description="for SMS about the answer; defaults to the token's")
    organisation: str | None = Field(default=None, description="a business's name, when it submits")

    model_config = {
        "json_schema_extra": {
            "example": {
                "kind": "feedback",
                "category": "dossier_handling",
                "title": "Hồ sơ đổi giấy phép lái xe trễ hẹn",
                "content": "Tôi nộp hồ sơ đổi giấy phép lái xe trực tuyến đã quá hạn hẹn 10 ngày nhưng chưa nhận kết quả.",
                "dossier_code": "01-261121-7KQ2MX",
            }
        }
    }


class Reason(BaseModel):
    reason: str | None = Field(default=None, max_length=4000)


class AnswerIn(BaseModel):
    answer: str | None = Field(default=None, description="20–10000 characters")
    publish: bool = Field(default=False, description="show the answer in the public list")


class DeclineIn(BaseModel):
    reason: str | None = None
    suggested_agency_code: str | None = Field(default=None, description="re-route there at once, if known")


class DuplicateIn(BaseModel):
    duplicate_of: str = Field(min_length=1, max_length=64)


class RouteIn(BaseModel):
    agency_code: str = Field(min_length=1, max_length=64)


class RateIn(BaseModel):
    score: int | None = Field(default=None, description="1–5")
    comment: str | None = None


# --- helpers ---------------------------------------------------------------------------------------


def _ctx(request: Request) -> FeedbackContext:
    ctx: FeedbackContext = request.app.state.feedback
    return ctx


def _uow(request: Request) -> FeedbackUnitOfWork:
    uow: FeedbackUnitOfWork = request.app.state.runtime.uow()
    return uow


def _actor(p: Principal) -> Actor:
    if p.role == "agency" and not p.agency:
        raise HTTPException(
            403,
            detail={"error": "forbidden", "message": "Token của cơ quan thiếu mã cơ quan (claim 'agency')."},
        )
    return Actor(p.role, p.sub, p.agency, p.province)


def _check_status(status: str | None) -> None:
    if status is not None and status not in ALL_STATUSES:
        raise HTTPException(
            422,
            detail={
                "error": "invalid_input",
                "message": f"Trạng thái phải là một trong: {', '.join(ALL_STATUSES)}.",
                "fields": {"status": "Trạng thái"},
            },
        )


def _history_out(rows: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "action": h.action,
            "from_status": h.from_status,
            "to_status": h.to_status,
            "occurred_at": h.occurred_at,
            # the submitter is "citizen": the history never shows a citizen's id
            "actor": "citizen" if h.actor_role == "citizen" else h.actor,
            "actor_role": h.actor_role,
            "agency_code": h.agency_code,
            "previous_agency_code": h.previous_agency_code,
            "note": h.note,
        }
        for h in rows
    ]


def _feedback(fb: Feedback, actor: Actor, today: date) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": fb.id,
        "kind": fb.kind,
        "kind_label": KINDS[fb.kind],
        "category": fb.category,
        "category_label": CATEGORIES.get(fb.category, fb.category),
        "province_code": fb.province_code,
        "title": fb.title,
        "content": fb.content,
        "procedure_code": fb.procedure_code,
        "dossier_code": fb.dossier_code,
        "agency_code": fb.agency_code,
        "status": fb.status,
        "status_label": STATUS_LABELS[fb.status],
        "received_at": fb.received_at,
        "due_date": fb.due_date,
        "overdue": fb.is_overdue(today),
        "answer": fb.answer,
        "answered_at": fb.answered_at,
        "answered_on_time": fb.answered_on_time,
        "answer_published": fb.answer_published,
        "rating": fb.rating,
        "rating_comment": fb.rating_comment,
        "reopen_count": fb.reopen_count,
        "duplicate_of": fb.duplicate_of,
        "closed_at": fb.closed_at,
        "organisation": fb.organisation,
        "phone": fb.citizen_phone,
    }
    if actor.role in {"agency", "operator"}:
        out |= {
            "submitter_name": fb.submitter_name,
            "named_agency_code": fb.named_agency_code,
            "routed_by": fb.routed_by,
            "possible_duplicate_of": fb.possible_duplicate_of,
            "duplicate_score": fb.duplicate_score,
            "duplicate_reason": fb.duplicate_reason,
        }
    return out


def feedback_out(fb: Feedback, actor: Actor, today: date) -> FeedbackOut:
    return FeedbackOut.model_validate(_feedback(fb, actor, today))


def public_out(fb: Feedback) -> PublishedAnswer:
    """A published answer: no name, phone, organisation, dossier code or content; long numbers masked."""
    return PublishedAnswer.model_validate(
        {
            "id": fb.id,
            "kind": fb.kind,
            "kind_label": KINDS[fb.kind],
            "category": fb.category,
            "category_label": CATEGORIES.get(fb.category, fb.category),
            "province_code": fb.province_code,
            "agency_code": fb.agency_code,
            "procedure_code": fb.procedure_code,
            "title": redact_numbers(fb.title),
            "answer": redact_numbers(fb.answer or ""),
            "status": fb.status,
            "received_at": fb.received_at,
            "answered_at": fb.answered_at,
            "rating": fb.rating,
        }
    )


async def _act(
    request: Request,
    feedback_id: str,
    principal: Principal,
    action: Callable[[FeedbackUnitOfWork, Actor, datetime], Awaitable[Feedback]],
) -> FeedbackDetail:
    """Run one command in a unit of work, commit, and return what the caller may see."""
    actor = _actor(principal)
    now = _ctx(request).clock()
    async with _uow(request) as uow:
        fb = await action(uow, actor, now)
        await uow.commit()
        hist = await uow.feedback.history(feedback_id)
    return FeedbackDetail.model_validate(_feedback(fb, actor, vn_date(now)) | {"history": _history_out(hist)})


# --- public ----------------------------------------------------------------------------------------


@router.get("/feedback/categories", tags=["public"], summary="Kinds, categories and statuses, with labels")
async def categories() -> Categories:
    return Categories(kinds=KINDS, categories=CATEGORIES, statuses=STATUS_LABELS)


@router.get("/feedback/published", tags=["public"], summary="Published answers (no personal data)")
async def published(
    request: Request,
    paging: Paged,
    agency_code: str | None = None,
    province_code: str | None = None,
) -> Page[PublishedAnswer]:
    async with _uow(request) as uow:
        await uow.snapshot()
        total, rows = await uow.feedback.published(
            agency_code=agency_code, province_code=province_code, limit=paging.limit, offset=paging.offset
        )
    return paging.page(request, [public_out(fb) for fb in rows], total)


# --- citizens and businesses -----------------------------------------------------------------------


@router.post(
    "/feedback",
    status_code=201,
    tags=["citizen"],
    summary="Submit feedback or a petition",
    responses=links(
        201,
        GetFeedback=("get", "/v1/feedback/{feedback_id}", {"path.feedback_id": "$response.body#/id"}),
        WithdrawFeedback=(
            "post",
            "/v1/feedback/{feedback_id}/withdraw",
            {"path.feedback_id": "$response.body#/id"},
        ),
    ),
)
async def submit(request: Request, body: SubmitFeedback, citizen: Citizen) -> FeedbackOut:
    ctx = _ctx(request)
    actor = _actor(citizen)
    sub = Submission(**(body.model_dump() | {"phone": body.phone or citizen.phone}))
    now = ctx.clock()
    async with _uow(request) as uow:
        fb = await handlers.submit_feedback(
            uow, actor, sub, submitter_name=citizen.name, policy=ctx.policy, now=now
        )
        await uow.commit()
    return feedback_out(fb, actor, vn_date(now))


@router.get("/feedback", tags=["citizen"], summary="My feedback (?mine)")
async def mine(
    request: Request,
    citizen: Citizen,
    paging: Paged,
    mine: bool = True,
    status: str | None = None,
) -> Page[FeedbackOut]:
    _check_status(status)
    actor = _actor(citizen)
    today = vn_date(_ctx(request).clock())
    async with _uow(request) as uow:
        await uow.snapshot()  # the count and the page from one moment
        total = await uow.feedback.count(Scope(owner_sub=citizen.sub, status=status))
        rows = await uow.feedback.search(
            Scope(owner_sub=citizen.sub, status=status), limit=paging.limit, offset=paging.offset
        )
    return paging.page(request, [feedback_out(fb, actor, today) for fb in rows], total)


@router.get("/feedback/{feedback_id}", tags=["feedback"], summary="One feedback with its history")
async def get_feedback(request: Request, feedback_id: str, reader: Reader) -> FeedbackDetail:
    actor = _actor(reader)
    today = vn_date(_ctx(request).clock())
    async with _uow(request) as uow:
        await uow.snapshot()
        fb = await handlers.load_visible(uow, feedback_id, actor)  # someone else's: 404, never 403
        hist = await uow.feedback.history(feedback_id)
    return FeedbackDetail.model_validate(_feedback(fb, actor, today) | {"history": _history_out(hist)})


@router.post("/feedback/{feedback_id}/withdraw", tags=["citizen"], summary="Withdraw (rút) my feedback")
async def withdraw(request: Request, feedback_id: str, body: Reason, citizen: Citizen) -> FeedbackDetail:
    return await _act(
        request,
        feedback_id,
        citizen,
        lambda uow, a, now: handlers.withdraw(uow, feedback_id, a, body.reason, now),
    )


@router.post("/feedback/{feedback_id}/rate", tags=["citizen"], summary="Rate the answer 1–5 (closes it)")
async def rate(request: Request, feedback_id: str, body: RateIn, citizen: Citizen) -> FeedbackDetail:
    score = body.score if body.score is not None else 0
    return await _act(
        request,
        feedback_id,
        citizen,
        lambda uow, a, now: handlers.rate(uow, feedback_id, a, score, body.comment, now),
    )


@router.post("/feedback/{feedback_id}/reopen", tags=["citizen"], summary="Not satisfied: reopen the answer")
async def reopen(request: Request, feedback_id: str, body: Reason, citizen: Citizen) -> FeedbackDetail:
    policy = _ctx(request).policy
    return await _act(
        request,
        feedback_id,
        citizen,
        lambda uow, a, now: handlers.reopen(uow, feedback_id, a, body.reason or "", policy=policy, now=now),
    )


# --- agencies and operators ------------------------------------------------------------------------


@router.get("/agency/feedback", tags=["agency"], summary="Feedback routed to my agency")
async def agency_queue(
    request: Request,
    agency: AgencyUser,
    paging: Paged,
    status: str | None = None,
    overdue: bool = False,
) -> Page[FeedbackOut]:
    _check_status(status)
    actor = _actor(agency)
    today = vn_date(_ctx(request).clock())
    scope = Scope(
        agency_code=actor.agency,
        province_code=actor.province,
        status=status,
        overdue_on=today if overdue else None,
    )
    async with _uow(request) as uow:
        await uow.snapshot()  # the count and the page from one moment
        total = await uow.feedback.count(scope)
        rows = await uow.feedback.search(scope, limit=paging.limit, offset=paging.offset)
    return paging.page(request, [feedback_out(fb, actor, today) for fb in rows], total)


@router.post("/feedback/{feedback_id}/start", tags=["agency"], summary="Start handling (đang xử lý)")
async def start(request: Request, feedback_id: str, staff: Staff) -> FeedbackDetail:
    return await _act(
        request, feedback_id, staff, lambda uow, a, now: handlers.start(uow, feedback_id, a, now)
    )


@router.post(
    "/feedback/{feedback_id}/answer", tags=["agency"], summary="Answer (optionally publish the answer)"
)
async def answer(request: Request, feedback_id: str, body: AnswerIn, staff: Staff) -> FeedbackDetail:
    return await _act(
        request,
        feedback_id,
        staff,
        lambda uow, a, now: handlers.answer(
            uow, feedback_id, a, body.answer or "", publish=body.publish, now=now
        ),
    )


@router.post("/feedback/{feedback_id}/publish", tags=["agency"], summary="Publish the answer")
async def publish(request: Request, feedback_id: str, staff: Staff) -> FeedbackDetail:
    return await _act(
        request, feedback_id, staff, lambda uow, a, now: handlers.publish_answer(uow, feedback_id, a, now)
    )


@router.post(
    "/feedback/{feedback_id}/not-responsible",
    tags=["agency"],
    summary="Not this agency's responsibility (optionally re-route to a suggested agency)",
)
async def not_responsible(
    request: Request, feedback_id: str, body: DeclineIn, staff: Staff
) -> FeedbackDetail:
    policy = _ctx(request).policy
    return await _act(
        request,
        feedback_id,
        staff,
        lambda uow, a, now: handlers.decline(
            uow,
            feedback_id,
            a,
            body.reason or "",
            suggested_agency=body.suggested_agency_code,
            policy=policy,
            now=now,
        ),
    )


@router.post(
    "/feedback/{feedback_id}/mark-duplicate", tags=["agency"], summary="Duplicate of another feedback"
)
async def mark_duplicate(
    request: Request, feedback_id: str, body: DuplicateIn, staff: Staff
) -> FeedbackDetail:
    return await _act(
        request,
        feedback_id,
        staff,
        lambda uow, a, now: handlers.mark_duplicate(uow, feedback_id, a, body.duplicate_of, now),
    )


@router.post("/feedback/{feedback_id}/route", tags=["operator"], summary="Route to another agency")
async def reroute(request: Request, feedback_id: str, body: RouteIn, operator: Operator) -> FeedbackDetail:
    policy = _ctx(request).policy
    return await _act(
        request,
        feedback_id,
        operator,
        lambda uow, a, now: handlers.reroute(uow, feedback_id, a, body.agency_code, policy=policy, now=now),
    )


def _operator_province(operator: Principal, requested: str | None) -> str | None:
    if operator.province and requested and requested != operator.province:
        raise HTTPException(
            403,
            detail={
                "error": "forbidden",
                "message": f"Cán bộ vận hành của tỉnh/thành phố mã {operator.province} chỉ xem được tỉnh mình.",
            },
        )
    return operator.province or requested


@router.get(
    "/operator/feedback",
    tags=["operator"],
    summary="All feedback (a province operator: their province), likely duplicates flagged, overdue filter",
)
async def operator_list(
    request: Request,
    operator: Operator,
    paging: Paged,
    status: str | None = None,
    agency_code: str | None = None,
    province_code: str | None = None,
    overdue: bool = False,
    duplicates: bool = Query(False, description="only feedback flagged as a likely duplicate"),
) -> Page[FeedbackOut]:
    _check_status(status)
    actor = _actor(operator)
    today = vn_date(_ctx(request).clock())
    scope = Scope(
        agency_code=agency_code,
        province_code=_operator_province(operator, province_code),
        status=status,
        overdue_on=today if overdue else None,
        flagged=duplicates,
    )
    async with _uow(request) as uow:
        await uow.snapshot()  # the count and the page from one moment
        total = await uow.feedback.count(scope)
        rows = await uow.feedback.search(scope, limit=paging.limit, offset=paging.offset)
    return paging.page(request, [feedback_out(fb, actor, today) for fb in rows], total)


def _local_midnight(d: date | None, days: int = 0) -> datetime | None:
    if d is None:
        return None
    return vn_midnight(d + timedelta(days=days)).astimezone(UTC)


@router.get(
    "/stats",
    tags=["reporting"],
    summary="Counts received / answered / resolved / open / overdue, per agency and province",
)
async def stats(
    request: Request,
    staff: Staff,
    province_code: str | None = None,
    agency_code: str | None = None,
    date_from: Annotated[
        date | None, Query(alias="from", description="received on or after (local date)")
    ] = None,
    date_to: Annotated[
        date | None, Query(alias="to", description="received on or before (local date)")
    ] = None,
) -> Stats:
    actor = _actor(staff)
    now = _ctx(request).clock()
    today = vn_date(now)
    if actor.role == "agency":  # an agency sees its own counts
        agency_code, province_code = actor.agency, actor.province or province_code
    else:
        province_code = _operator_province(staff, province_code)
    scope = Scope(
        agency_code=agency_code,
        province_code=province_code,
        received_from=_local_midnight(date_from),
        received_to=_local_midnight(date_to, days=1),
    )
    async with _uow(request) as uow:
        await uow.snapshot()  # the three tables add up
        totals = await uow.feedback.counts(scope, today, None)
        by_agency = await uow.feedback.counts(scope, today, "agency_code")
        by_province = await uow.feedback.counts(scope, today, "province_code")
    return Stats.model_validate(
        {
            "as_of": now,
            "today": today,
            "scope": {
                "province_code": province_code,
                "agency_code": agency_code,
                "from": date_from,
                "to": date_to,
            },
            "totals": handlers.stats_row(totals[0]),
            "by_agency": [handlers.stats_row(r) for r in by_agency],
            "by_province": [handlers.stats_row(r) for r in by_province],
        }
    )
