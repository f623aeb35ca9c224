"""Saving a changed feedback: the row, its new history rows (actor included) and one event per transition, in
the caller's transaction (outbox): feedback-answered on an answer, feedback-status-changed on every other
transition that changes the status."""

from __future__ import annotations

from pydantic import BaseModel

from dvc_contracts import topics
from dvc_contracts.events import FeedbackAnsweredV1, FeedbackStatusChangedV1
from dvc_feedback.domain.model import Feedback, Transition
from dvc_feedback.service.uow import FeedbackUnitOfWork
from dvckit.logging import get_logger

log = get_logger("dvc_feedback.handlers")


def status_changed(fb: Feedback, t: Transition) -> FeedbackStatusChangedV1:
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


async def persist(uow: FeedbackUnitOfWork, fb: Feedback) -> None:
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
            event = status_changed(fb, t)
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
