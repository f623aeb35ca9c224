"""Staff routes. An agency (token claim ``agency``): its queue, start, answer, publish the answer, not its
responsibility, duplicate. An operator (a province operator: their province only): all of that, re-routing,
the list of all feedback with likely duplicates flagged and an overdue filter, and the counts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field

from dvc_contracts.clock import vn_date, vn_midnight
from dvc_feedback.adapters.repository import Scope
from dvc_feedback.entrypoints.http_support import (
    AgencyUser,
    Operator,
    Paged,
    Staff,
    act,
    actor_of,
    check_status,
    context_of,
    feedback_out,
    uow_of,
)
from dvc_feedback.entrypoints.responses import FeedbackDetail, FeedbackOut, Stats
from dvc_feedback.service import handlers
from dvckit.auth.jwt import Principal
from dvckit.paging import Page

router = APIRouter()


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


@router.get("/agency/feedback", tags=["agency"], summary="Feedback routed to my agency")
async def agency_queue(
    request: Request,
    agency: AgencyUser,
    paging: Paged,
    status: str | None = None,
    overdue: bool = False,
) -> Page[FeedbackOut]:
    check_status(status)
    actor = actor_of(agency)
    today = vn_date(context_of(request).clock())
    scope = Scope(
        agency_code=actor.agency,
        province_code=actor.province,
        status=status,
        overdue_on=today if overdue else None,
    )
    async with uow_of(request) as uow:
        await uow.snapshot()  # the count and the page from one moment
        total = await uow.feedback.count(scope)
        rows = await uow.feedback.search(scope, limit=paging.limit, offset=paging.offset)
    return paging.page(request, [feedback_out(fb, actor, today) for fb in rows], total)


@router.post("/feedback/{feedback_id}/start", tags=["agency"], summary="Start handling (đang xử lý)")
async def start(request: Request, feedback_id: str, staff: Staff) -> FeedbackDetail:
    return await act(
        request, feedback_id, staff, lambda uow, a, now: handlers.start(uow, feedback_id, a, now)
    )


@router.post(
    "/feedback/{feedback_id}/answer", tags=["agency"], summary="Answer (optionally publish the answer)"
)
async def answer(request: Request, feedback_id: str, body: AnswerIn, staff: Staff) -> FeedbackDetail:
    return await act(
        request,
        feedback_id,
        staff,
        lambda uow, a, now: handlers.answer(
            uow, feedback_id, a, body.answer or "", publish=body.publish, now=now
        ),
    )


@router.post("/feedback/{feedback_id}/publish", tags=["agency"], summary="Publish the answer")
async def publish(request: Request, feedback_id: str, staff: Staff) -> FeedbackDetail:
    return await act(
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
    policy = context_of(request).policy
    return await act(
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
    return await act(
        request,
        feedback_id,
        staff,
        lambda uow, a, now: handlers.mark_duplicate(uow, feedback_id, a, body.duplicate_of, now),
    )


@router.post("/feedback/{feedback_id}/route", tags=["operator"], summary="Route to another agency")
async def reroute(request: Request, feedback_id: str, body: RouteIn, operator: Operator) -> FeedbackDetail:
    policy = context_of(request).policy
    return await act(
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
    check_status(status)
    actor = actor_of(operator)
    today = vn_date(context_of(request).clock())
    scope = Scope(
        agency_code=agency_code,
        province_code=_operator_province(operator, province_code),
        status=status,
        overdue_on=today if overdue else None,
        flagged=duplicates,
    )
    async with uow_of(request) as uow:
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
    actor = actor_of(staff)
    now = context_of(request).clock()
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
    async with uow_of(request) as uow:
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
