"""Reads the routes and the commands share: a feedback the actor may see, the rates of a counts row."""

from __future__ import annotations

from typing import Any

from dvc_feedback.domain.model import Actor, Feedback, NotFound
from dvc_feedback.service.uow import FeedbackUnitOfWork


async def load_visible(
    uow: FeedbackUnitOfWork, feedback_id: str, actor: Actor, *, for_update: bool = False
) -> Feedback:
    fb = await uow.feedback.get(feedback_id, for_update=for_update)
    if fb is None or not fb.visible_to(actor):
        raise NotFound("not_found", f"Không tìm thấy phản ánh, kiến nghị {feedback_id}.")
    return fb


def stats_row(row: dict[str, Any]) -> dict[str, Any]:
    """Rates derived from the counts, for people reading the report."""
    received, answered = row["received"], row["answered"]
    return row | {
        "resolved_rate": round(row["resolved"] / received, 4) if received else None,
        "on_time_rate": round(row["answered_on_time"] / answered, 4) if answered else None,
    }
