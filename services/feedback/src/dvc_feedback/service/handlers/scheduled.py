"""Scheduled (timeouts are events): feedback-overdue once per missed deadline, and the closing of answers the
citizen let be."""

from __future__ import annotations

from datetime import datetime

from dvc_contracts import topics
from dvc_contracts.clock import vn_date
from dvc_contracts.events import FeedbackOverdueV1
from dvc_feedback.domain.model import SYSTEM
from dvc_feedback.service.handlers.outbox import persist
from dvc_feedback.service.handlers.policy import Policy
from dvc_feedback.service.uow import FeedbackUnitOfWork
from dvckit.logging import get_logger

log = get_logger("dvc_feedback.handlers")


async def flag_overdue(uow: FeedbackUnitOfWork, now: datetime, limit: int = 500) -> int:
    """Emit feedback-overdue once per missed deadline (a reopened or re-routed feedback gets a new one)."""
    found = await uow.feedback.newly_overdue(vn_date(now), limit)
    for fb in found:
        assert fb.due_date is not None
        fb.overdue_flagged_due = fb.due_date
        fb.audit("overdue", SYSTEM, now, note=f"quá hạn trả lời {fb.due_date.isoformat()}")
        await persist(uow, fb)
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
        await persist(uow, fb)
    if found:
        log.info("feedback.auto_closed", count=len(found))
    return len(found)
