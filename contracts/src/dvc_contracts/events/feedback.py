"""Feedback (phản ánh, kiến nghị). Keyed by feedback id. No free text: the content stays in the feedback
service."""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field

from dvc_contracts import topics
from dvc_contracts.events.base import Code, EventPayload


class FeedbackReceivedV1(EventPayload):
    """Feedback or a petition was received and routed to the responsible agency."""

    ce_type: ClassVar[str] = topics.FEEDBACK_RECEIVED

    feedback_id: Code
    kind: Literal["feedback", "petition"]
    category: str
    province_code: Code
    agency_code: str | None = Field(default=None, description="the agency it is routed to, if known")
    procedure_code: str | None = None
    dossier_code: str | None = None
    received_at: AwareDatetime
    due_date: date | None = Field(default=None, description="response deadline")
    possible_duplicate_of: str | None = None
    citizen_phone: str | None = None


class FeedbackAnsweredV1(EventPayload):
    """The responsible agency answered a feedback."""

    ce_type: ClassVar[str] = topics.FEEDBACK_ANSWERED

    feedback_id: Code
    agency_code: Code
    province_code: Code
    dossier_code: str | None = None
    answered_at: AwareDatetime
    due_date: date | None = None
    published: bool = False
    citizen_phone: str | None = None
    kind: Literal["feedback", "petition"] | None = None
    category: str | None = None
    on_time: bool | None = Field(default=None, description="answered on or before the response deadline")


FeedbackStatus = Literal[
    "received", "routed", "in_progress", "answered", "closed", "duplicate", "not_responsible", "withdrawn"
]


class FeedbackStatusChangedV1(EventPayload):
    """A feedback moved in its lifecycle other than being received (feedback-received) or answered
    (feedback-answered): routed again, in progress, not the agency's responsibility, duplicate, withdrawn,
    reopened (answered → in_progress), closed (rated by the citizen, or after the reopen window)."""

    ce_type: ClassVar[str] = topics.FEEDBACK_STATUS_CHANGED

    feedback_id: Code
    kind: Literal["feedback", "petition"]
    category: str
    province_code: Code
    agency_code: str | None = Field(default=None, description="the agency responsible after the change")
    previous_agency_code: str | None = None
    old_status: FeedbackStatus
    new_status: FeedbackStatus
    action: Code = Field(
        description="route, start, not_responsible, mark_duplicate, withdraw, rate, reopen, close"
    )
    actor_role: Literal["citizen", "agency", "operator", "system"]
    occurred_at: AwareDatetime
    due_date: date | None = None
    duplicate_of: str | None = None
    rating: int | None = Field(default=None, ge=1, le=5)
    dossier_code: str | None = None
    citizen_phone: str | None = None


class FeedbackOverdueV1(EventPayload):
    """A feedback passed its response deadline without an answer (emitted once per deadline by the feedback
    service's scheduler)."""

    ce_type: ClassVar[str] = topics.FEEDBACK_OVERDUE

    feedback_id: Code
    kind: Literal["feedback", "petition"]
    category: str
    province_code: Code
    agency_code: str | None = None
    status: FeedbackStatus
    received_at: AwareDatetime
    due_date: date
    detected_at: AwareDatetime
    dossier_code: str | None = None
