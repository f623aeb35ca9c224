"""Commands on an existing feedback, by its agency or an operator (start, answer, publish, not responsible,
re-route, duplicate) or by its submitter (withdraw, rate, reopen). Each loads the row for update (someone
else's: not found), applies the domain's transition and saves it with its events (``outbox.persist``)."""

from __future__ import annotations

from datetime import datetime

from dvc_feedback.domain.model import SYSTEM, Actor, Feedback, FeedbackError
from dvc_feedback.service.handlers.outbox import persist
from dvc_feedback.service.handlers.policy import Policy
from dvc_feedback.service.handlers.queries import load_visible
from dvc_feedback.service.uow import FeedbackUnitOfWork


async def start(uow: FeedbackUnitOfWork, feedback_id: str, actor: Actor, now: datetime) -> Feedback:
    fb = await load_visible(uow, feedback_id, actor, for_update=True)
    fb.start(actor, now)
    await persist(uow, fb)
    return fb


async def answer(
    uow: FeedbackUnitOfWork, feedback_id: str, actor: Actor, text: str, *, publish: bool, now: datetime
) -> Feedback:
    fb = await load_visible(uow, feedback_id, actor, for_update=True)
    fb.answer_with(text, actor, now, publish=publish)
    await persist(uow, fb)
    return fb


async def publish_answer(uow: FeedbackUnitOfWork, feedback_id: str, actor: Actor, now: datetime) -> Feedback:
    fb = await load_visible(uow, feedback_id, actor, for_update=True)
    was = fb.answer_published
    fb.publish_answer(actor, now)
    if not was:
        fb.audit("publish", actor, now)
        await persist(uow, fb)
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
    await persist(uow, fb)
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
    await persist(uow, fb)
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
    await persist(uow, fb)
    return fb


async def withdraw(
    uow: FeedbackUnitOfWork, feedback_id: str, actor: Actor, reason: str | None, now: datetime
) -> Feedback:
    fb = await load_visible(uow, feedback_id, actor, for_update=True)
    fb.withdraw(reason, actor, now)
    await persist(uow, fb)
    return fb


async def rate(
    uow: FeedbackUnitOfWork, feedback_id: str, actor: Actor, score: int, comment: str | None, now: datetime
) -> Feedback:
    fb = await load_visible(uow, feedback_id, actor, for_update=True)
    fb.rate(score, comment, actor, now)
    await persist(uow, fb)
    return fb


async def reopen(
    uow: FeedbackUnitOfWork, feedback_id: str, actor: Actor, reason: str, *, policy: Policy, now: datetime
) -> Feedback:
    fb = await load_visible(uow, feedback_id, actor, for_update=True)
    fb.reopen(
        reason, actor, now, window=policy.reopen_window, response_working_days=policy.response_working_days
    )
    await persist(uow, fb)
    return fb
