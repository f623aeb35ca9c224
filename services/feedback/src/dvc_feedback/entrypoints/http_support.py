"""What the feedback routers share (``public_http``, ``citizen_http``, ``staff_http``): who may call, paging,
the unit of work and the clock of a request, and what a caller sees of a feedback (the submitter's personal
data and the routing details only for staff)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from dvc_contracts.clock import vn_date
from dvc_feedback.domain.model import ALL_STATUSES, CATEGORIES, KINDS, STATUS_LABELS, Actor, Feedback
from dvc_feedback.entrypoints.context import FeedbackContext
from dvc_feedback.entrypoints.responses import FeedbackDetail, FeedbackOut
from dvc_feedback.service.uow import FeedbackUnitOfWork
from dvckit.auth.fastapi import require_role
from dvckit.auth.jwt import Principal
from dvckit.paging import Paging, paged

Citizen = Annotated[Principal, Depends(require_role("citizen"))]
Staff = Annotated[Principal, Depends(require_role("agency", "operator"))]
AgencyUser = Annotated[Principal, Depends(require_role("agency"))]
Operator = Annotated[Principal, Depends(require_role("operator"))]
Reader = Annotated[Principal, Depends(require_role("citizen", "agency", "operator"))]
Paged = Annotated[Paging, Depends(paged())]  # dvckit.paging: limit 1–200, offset ≤ 1,000,000, next links


def context_of(request: Request) -> FeedbackContext:
    ctx: FeedbackContext = request.app.state.feedback
    return ctx


def uow_of(request: Request) -> FeedbackUnitOfWork:
    uow: FeedbackUnitOfWork = request.app.state.runtime.uow()
    return uow


def actor_of(p: Principal) -> Actor:
    if p.role == "agency" and not p.agency:
        raise HTTPException(
            403,
            detail={"error": "forbidden", "message": "Token của cơ quan thiếu mã cơ quan (claim 'agency')."},
        )
    return Actor(p.role, p.sub, p.agency, p.province)


def check_status(status: str | None) -> None:
    if status is not None and status not in ALL_STATUSES:
        raise HTTPException(
            422,
            detail={
                "error": "invalid_input",
                "message": f"Trạng thái phải là một trong: {', '.join(ALL_STATUSES)}.",
                "fields": {"status": "Trạng thái"},
            },
        )


def history_out(rows: list[Any]) -> list[dict[str, Any]]:
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


def feedback_fields(fb: Feedback, actor: Actor, today: date) -> dict[str, Any]:
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
    return FeedbackOut.model_validate(feedback_fields(fb, actor, today))


def detail_out(fb: Feedback, actor: Actor, today: date, history: list[Any]) -> FeedbackDetail:
    return FeedbackDetail.model_validate(
        feedback_fields(fb, actor, today) | {"history": history_out(history)}
    )


async def act(
    request: Request,
    feedback_id: str,
    principal: Principal,
    action: Callable[[FeedbackUnitOfWork, Actor, datetime], Awaitable[Feedback]],
) -> FeedbackDetail:
    """Run one command in a unit of work, commit, and return what the caller may see."""
    actor = actor_of(principal)
    now = context_of(request).clock()
    async with uow_of(request) as uow:
        fb = await action(uow, actor, now)
        await uow.commit()
        hist = await uow.feedback.history(feedback_id)
    return detail_out(fb, actor, vn_date(now), hist)
