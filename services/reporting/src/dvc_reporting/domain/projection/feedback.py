"""Feedback (phản ánh, kiến nghị), keyed by feedback id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from dvc_contracts.clock import vn_date
from dvc_contracts.events import FeedbackAnsweredV1, FeedbackReceivedV1
from dvc_reporting.domain.projection.aggregates import Contributions, add
from dvc_reporting.domain.projection.state import evolve, placed


@dataclass(frozen=True)
class FeedbackState:
    feedback_id: str
    kind: str | None = None
    category: str | None = None
    province_code: str | None = None
    recv_agency: str | None = None
    answer_agency: str | None = None
    agency_code: str | None = None  # derived: who answered, else where it was routed
    procedure_code: str | None = None
    dossier_code: str | None = None
    received: bool = False
    received_at: datetime | None = None
    due_date: date | None = None
    answered: bool = False
    answered_at: datetime | None = None
    answered_on_time: bool | None = None  # derived: as reported by the answer, else answered_at <= due_date
    reported_on_time: bool | None = None  # ``on_time`` of the latest feedback-answered, when it carried one
    province_sent: str | None = None  # the code the feedback-received carried, else the answer's
    former_province: str | None = None  # derived with province_code (``placed``)


def fold_feedback(s: FeedbackState, data: FeedbackReceivedV1 | FeedbackAnsweredV1) -> FeedbackState:
    if isinstance(data, FeedbackReceivedV1):
        s = evolve(
            s,
            received=True,
            kind=data.kind,
            category=data.category,
            province_sent=data.province_code,
            recv_agency=data.agency_code,
            procedure_code=data.procedure_code,
            dossier_code=data.dossier_code or s.dossier_code,
            received_at=data.received_at,
            due_date=data.due_date or s.due_date,
        )
    else:
        s = evolve(
            s,
            answered=True,
            answered_at=data.answered_at,
            answer_agency=data.agency_code,
            province_sent=s.province_sent if s.received else data.province_code,
            dossier_code=s.dossier_code or data.dossier_code,
            due_date=s.due_date or data.due_date,
            reported_on_time=data.on_time,  # an optional v1 field, when the producer sends it
        )
    # Derived from the stored facts after every fold (never kept from an earlier fold): an answer that arrives
    # before the feedback-received is judged against the received deadline once that arrives.
    on_time = s.reported_on_time
    if on_time is None and s.answered and s.answered_at is not None and s.due_date is not None:
        on_time = vn_date(s.answered_at) <= s.due_date
    province, former = placed(s.province_sent, s.received_at if s.received else s.answered_at)
    return evolve(
        s,
        agency_code=s.answer_agency or s.recv_agency,
        answered_on_time=on_time,
        province_code=province,
        former_province=former,
    )


def feedback_contributions(s: FeedbackState) -> Contributions:
    c: Contributions = {}
    prov, was = s.province_code or "", s.former_province or ""
    if s.received and s.received_at is not None:
        add(c, "agg_feedback", (vn_date(s.received_at), prov, was), received=1)
        add(c, "agg_feedback_total", (prov, was), received=1)
    if s.received and not s.answered and s.due_date is not None:
        add(c, "agg_feedback_open_due", (prov, s.due_date, was), n=1)
    if s.answered and s.answered_at is not None:
        late = int(s.answered_on_time is False)
        add(c, "agg_feedback", (vn_date(s.answered_at), prov, was), answered=1, answered_late=late)
        add(c, "agg_feedback_total", (prov, was), answered=1, answered_late=late)
    return c
