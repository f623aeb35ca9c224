"""A citizen's or a business's own feedback: submit, list mine, withdraw, rate the answer, reopen it; and one
feedback with its history, which its submitter and the staff who may see it read (someone else's: 404)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from dvc_contracts.clock import vn_date
from dvc_feedback.adapters.repository import Scope
from dvc_feedback.domain.model import CATEGORIES
from dvc_feedback.domain.submission import Submission
from dvc_feedback.entrypoints.http_support import (
    Citizen,
    Paged,
    Reader,
    act,
    actor_of,
    check_status,
    context_of,
    detail_out,
    feedback_out,
    uow_of,
)
from dvc_feedback.entrypoints.responses import FeedbackDetail, FeedbackOut
from dvc_feedback.service import handlers
from dvckit.paging import Page
from dvckit.schemas import links

router = APIRouter()


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


class RateIn(BaseModel):
    score: int | None = Field(default=None, description="1–5")
    comment: str | None = None


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
    ctx = context_of(request)
    actor = actor_of(citizen)
    sub = Submission(**(body.model_dump() | {"phone": body.phone or citizen.phone}))
    now = ctx.clock()
    async with uow_of(request) as uow:
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
    check_status(status)
    actor = actor_of(citizen)
    today = vn_date(context_of(request).clock())
    async with uow_of(request) as uow:
        await uow.snapshot()  # the count and the page from one moment
        total = await uow.feedback.count(Scope(owner_sub=citizen.sub, status=status))
        rows = await uow.feedback.search(
            Scope(owner_sub=citizen.sub, status=status), limit=paging.limit, offset=paging.offset
        )
    return paging.page(request, [feedback_out(fb, actor, today) for fb in rows], total)


@router.get("/feedback/{feedback_id}", tags=["feedback"], summary="One feedback with its history")
async def get_feedback(request: Request, feedback_id: str, reader: Reader) -> FeedbackDetail:
    actor = actor_of(reader)
    today = vn_date(context_of(request).clock())
    async with uow_of(request) as uow:
        await uow.snapshot()
        fb = await handlers.load_visible(uow, feedback_id, actor)  # someone else's: 404, never 403
        hist = await uow.feedback.history(feedback_id)
    return detail_out(fb, actor, today, hist)


@router.post("/feedback/{feedback_id}/withdraw", tags=["citizen"], summary="Withdraw (rút) my feedback")
async def withdraw(request: Request, feedback_id: str, body: Reason, citizen: Citizen) -> FeedbackDetail:
    return await act(
        request,
        feedback_id,
        citizen,
        lambda uow, a, now: handlers.withdraw(uow, feedback_id, a, body.reason, now),
    )


@router.post("/feedback/{feedback_id}/rate", tags=["citizen"], summary="Rate the answer 1–5 (closes it)")
async def rate(request: Request, feedback_id: str, body: RateIn, citizen: Citizen) -> FeedbackDetail:
    score = body.score if body.score is not None else 0
    return await act(
        request,
        feedback_id,
        citizen,
        lambda uow, a, now: handlers.rate(uow, feedback_id, a, score, body.comment, now),
    )


@router.post("/feedback/{feedback_id}/reopen", tags=["citizen"], summary="Not satisfied: reopen the answer")
async def reopen(request: Request, feedback_id: str, body: Reason, citizen: Citizen) -> FeedbackDetail:
    policy = context_of(request).policy
    return await act(
        request,
        feedback_id,
        citizen,
        lambda uow, a, now: handlers.reopen(uow, feedback_id, a, body.reason or "", policy=policy, now=now),
    )
