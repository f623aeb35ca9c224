"""What the feedback service's routes answer (dvckit.schemas). Staff (agencies, operators) see a few members
more than the citizen who submitted: those are left out of the citizen's answers."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from dvckit.schemas import Out, Sparse

STAFF_ONLY = "agencies and operators only (absent in a citizen's answer)"


class FeedbackOut(Sparse):
    """One feedback (phản ánh) or petition (kiến nghị)."""

    id: str
    kind: str = Field(description="feedback | petition")
    kind_label: str
    category: str
    category_label: str
    province_code: str
    title: str
    content: str
    procedure_code: str | None
    dossier_code: str | None
    agency_code: str | None = Field(description="the agency it is routed to")
    status: str
    status_label: str
    received_at: datetime
    due_date: date | None
    overdue: bool
    answer: str | None
    answered_at: datetime | None
    answered_on_time: bool | None
    answer_published: bool
    rating: int | None = Field(description="1–5, the citizen's rating of the answer")
    rating_comment: str | None
    reopen_count: int
    duplicate_of: str | None
    closed_at: datetime | None
    organisation: str | None = Field(description="a business's name, when one submitted it")
    phone: str | None = Field(description="for SMS about the answer (E.164)")
    submitter_name: str | None = Field(default=None, description=STAFF_ONLY)
    named_agency_code: str | None = Field(
        default=None, description=f"the agency the citizen named; {STAFF_ONLY}"
    )
    routed_by: str | None = Field(default=None, description=STAFF_ONLY)
    possible_duplicate_of: str | None = Field(default=None, description=STAFF_ONLY)
    duplicate_score: float | None = Field(default=None, description=STAFF_ONLY)
    duplicate_reason: str | None = Field(default=None, description=STAFF_ONLY)


class Transition(Out):
    action: str
    from_status: str | None
    to_status: str
    occurred_at: datetime
    actor: str | None = Field(description='"citizen" for the submitter (never their id)')
    actor_role: str
    agency_code: str | None
    previous_agency_code: str | None
    note: str | None


class FeedbackDetail(FeedbackOut):
    history: list[Transition] = Field(description="oldest first")


class PublishedAnswer(Out):
    """A published answer: no name, phone, organisation, dossier code or content; long numbers masked."""

    id: str
    kind: str
    kind_label: str
    category: str
    category_label: str
    province_code: str
    agency_code: str | None
    procedure_code: str | None
    title: str
    answer: str
    status: str
    received_at: datetime
    answered_at: datetime | None
    rating: int | None


class Categories(Out):
    kinds: dict[str, str] = Field(description="code → label")
    categories: dict[str, str] = Field(description="code → label")
    statuses: dict[str, str] = Field(description="code → label")


class StatsScope(Out):
    province_code: str | None
    agency_code: str | None
    from_: date | None = Field(alias="from")
    to: date | None


class StatsRow(Sparse):
    received: int
    answered: int
    answered_on_time: int
    resolved: int
    open: int
    overdue: int
    withdrawn: int
    flagged_duplicates: int
    mean_rating: float | None
    resolved_rate: float | None = Field(description="resolved / received; None: nothing received")
    on_time_rate: float | None = Field(description="answered on time / answered; None: nothing answered")
    agency_code: str | None = Field(default=None, description="in by_agency only")
    province_code: str | None = Field(default=None, description="in by_province only")


class Stats(Out):
    as_of: datetime
    today: date = Field(description="Viet Nam's date the overdue counts are for")
    scope: StatsScope
    totals: StatsRow
    by_agency: list[StatsRow]
    by_province: list[StatsRow]
