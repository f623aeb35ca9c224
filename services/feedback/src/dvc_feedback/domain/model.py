"""Feedback and petitions (phản ánh, kiến nghị): the state machine, who may do what, overdue.

States: received → routed → in_progress → answered → closed, plus duplicate, not_responsible and withdrawn.
Every change goes through ``Feedback._move`` and yields a ``Transition`` the service layer writes to the
history table (with the actor) and turns into an event. Pure Python: no I/O.

The rest of the service imports these names from here. They are declared in ``states`` (the vocabulary, the
transition table, actors and history entries), ``errors`` and ``feedback`` (the ``Feedback`` itself).
"""

from dvc_feedback.domain.errors import FeedbackError, Forbidden, InvalidTransition, NotFound
from dvc_feedback.domain.feedback import Feedback, new_feedback_id, redact_numbers
from dvc_feedback.domain.states import (
    ALL_STATUSES,
    CATEGORIES,
    KINDS,
    OPEN_STATUSES,
    STATUS_LABELS,
    SYSTEM,
    TERMINAL_STATUSES,
    TRANSITIONS,
    Action,
    Actor,
    Kind,
    Role,
    Status,
    Transition,
)

__all__ = [
    "ALL_STATUSES",
    "CATEGORIES",
    "KINDS",
    "OPEN_STATUSES",
    "STATUS_LABELS",
    "SYSTEM",
    "TERMINAL_STATUSES",
    "TRANSITIONS",
    "Action",
    "Actor",
    "Feedback",
    "FeedbackError",
    "Forbidden",
    "InvalidTransition",
    "Kind",
    "NotFound",
    "Role",
    "Status",
    "Transition",
    "new_feedback_id",
    "redact_numbers",
]
