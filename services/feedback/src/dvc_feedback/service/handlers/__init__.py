"""Feedback handlers: plain functions of (command or event, unit of work). The callers commit.

Every state change is saved with its history rows (actor included) and its event in the same transaction
(outbox): feedback-received on submission, feedback-answered on an answer, feedback-status-changed on every
other transition, feedback-overdue once per missed deadline.

Split by family, all used as ``handlers.<name>``: ``events_in`` (the read models: procedures, dossiers),
``intake`` (a submission), ``transitions`` (the commands on an existing feedback), ``scheduled`` (overdue,
auto-close), ``outbox`` (saving a change with its events), ``queries`` and ``policy``.
"""

from dvc_feedback.service.handlers.events_in import (
    on_dossier_status_changed,
    on_dossier_submitted,
    on_procedure_published,
    on_procedure_retired,
)
from dvc_feedback.service.handlers.intake import submit_feedback
from dvc_feedback.service.handlers.policy import Policy
from dvc_feedback.service.handlers.queries import load_visible, stats_row
from dvc_feedback.service.handlers.scheduled import auto_close, flag_overdue
from dvc_feedback.service.handlers.transitions import (
    answer,
    decline,
    mark_duplicate,
    publish_answer,
    rate,
    reopen,
    reroute,
    start,
    withdraw,
)

__all__ = [
    "Policy",
    "answer",
    "auto_close",
    "decline",
    "flag_overdue",
    "load_visible",
    "mark_duplicate",
    "on_dossier_status_changed",
    "on_dossier_submitted",
    "on_procedure_published",
    "on_procedure_retired",
    "publish_answer",
    "rate",
    "reopen",
    "reroute",
    "start",
    "stats_row",
    "submit_feedback",
    "withdraw",
]
