"""How events fold into the read model: pure functions, no I/O.

Every read-model row is a function of the *set* of events seen for its key, not of their arrival order
across topics, so a replay from offset 0 (which interleaves topics differently) rebuilds the same rows:

- a dossier's current status is the one of its status event with the highest ``(sequence, occurred_at,
  event id)``; a late, older sequence is recorded in history (``late``) but does not move the status;
- descriptive fields come from ``dossier-submitted`` when there is one, else from the current status event;
- the responsible agency and the due date come from the most recent of: the current status event, the latest
  forward, the submission (by their times);
- a cross-agency dossier is one row keyed on its code: ``dossier-forwarded`` never makes a new dossier.

Aggregates are sums of per-row *contributions* (``contributions(row)``); when a row changes, the store adds
``contributions(new) - contributions(old)``, so aggregates always equal what a full recount would give.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from typing import Any, Final, TypeVar

from dvc_contracts import units
from dvc_contracts.clock import vn_date
from dvc_contracts.events import (
    AgencyStatusRejectedV1,
    DossierForwardedV1,
    DossierStatusChangedV1,
    DossierSubmittedV1,
    FeedbackAnsweredV1,
    FeedbackReceivedV1,
    FeePaidV1,
    FineIssuedV1,
    FineSettledV1,
    ProcedurePublishedV1,
    ProcedureRetiredV1,
    SmsDeliveredV1,
    SmsFailedV1,
    SmsSentV1,
)
from dvc_reporting.domain.reference import FINISHED

S = TypeVar("S")


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


_FIELD_SETS: dict[type, frozenset[str]] = {}


def evolve(state: S, **changes: Any) -> S:
    """``dataclasses.replace`` for the states here, without running ``__init__`` again (they have no
    ``__post_init__`` and no ``init=False`` fields): a replay folds several changes per event, and the
    standard one was the largest single Python cost of a rebuild. Unknown field names still raise."""
    cls = type(state)
    known = _FIELD_SETS.get(cls)
    if known is None:
        known = _FIELD_SETS[cls] = frozenset(field_names(cls))
    if not known.issuperset(changes):
        raise TypeError(f"{cls.__name__} has no field(s) {sorted(set(changes) - known)}")
    new = object.__new__(cls)
    new.__dict__.update(state.__dict__, **changes)
    return new


def state_from_row(cls: type[S], row: Any) -> S:
    """Build a state dataclass from a row mapping with the same column names."""
    return cls(**{name: row[name] for name in field_names(cls)})


def state_to_row(state: Any) -> dict[str, Any]:
    """The row of a state dataclass (shallow: ``dataclasses.asdict`` deep-copies every value)."""
    return {name: getattr(state, name) for name in field_names(type(state))}


Placed = tuple[str | None, str | None]  # (current province code, former province code or None)


def placed(code: str | None, at: datetime | date | None) -> Placed:
    """Where a province code an event carried at ``at`` is today, and which of the 63 it was (Viet Nam's day
    decides which edition the code belongs to: ``units.place``)."""
    return units.place(code, vn_date(at) if isinstance(at, datetime) else at)


def _min(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


# --------------------------------------------------------------------------------------------------------------
# Aggregates: name -> (key columns, value columns). The adapters build one table per entry.
# --------------------------------------------------------------------------------------------------------------

# Every key with ``province_code`` (today's unit, one of the 34) ends with ``former_province``: the unit of the 63
# (before 1 July 2025) the row falls in, "" when it cannot be told (a current code used since that day). The
# default view groups by province_code, the "2024" view by former_province (``units.place``).
AGGREGATES: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    # dossiers now, by where they are and their current status (no day: the headline and per-province figures)
    "agg_dossiers": (
        ("province_code", "sector", "agency_code", "channel", "status", "former_province"),
        ("n", "on_time", "late"),
    ),
    # dossiers received per day (by submission day) and finished per day (by finishing day)
    "agg_dossiers_daily": (
        ("day", "province_code", "sector", "channel", "former_province"),
        ("received", "finished", "finished_on_time"),
    ),
    # the same without the province, by sector and agency: the trend of the nation, of a sector or of an agency
    # reads 30 days × a few dozen keys, not 30 × 63 provinces × sectors
    "agg_dossiers_daily_national": (
        ("day", "sector", "agency_code", "channel"),
        ("received", "finished", "finished_on_time"),
    ),
    # online dossiers per procedure: the social-cost saving is n × the procedure's social_saving_vnd
    "agg_online_procedures": (
        ("province_code", "sector", "agency_code", "procedure_code", "former_province"),
        ("n",),
    ),
    # unfinished dossiers by due date: overdue(today) = sum(n) where due_date < today
    "agg_open_due": (("province_code", "due_date", "former_province"), ("n",)),
    # the same by sector, agency and procedure, each dossier counted in three buckets of its due date (its year,
    # its month, its day: ``due_buckets``); overdue(today) sums the buckets of ``overdue_buckets(today)``, which
    # cover every day before today once and read at most (years + 11 + 30) rows per key, not one per due date
    # (the key starts with the buckets, so that its primary key serves the range scans of a province's view)
    "agg_open_due_buckets": (
        ("province_code", "grain", "period", "sector", "agency_code", "procedure_code", "former_province"),
        ("n",),
    ),
    # the same without the province (the views of the nation, a sector, an agency: 63 times fewer rows)
    "agg_open_due_buckets_national": (("grain", "period", "sector", "agency_code", "procedure_code"), ("n",)),
    "agg_payments": (
        ("day", "province_code", "provider", "purpose", "former_province"),
        ("count", "amount_vnd"),
    ),
    "agg_payments_total": (
        ("province_code", "provider", "purpose", "former_province"),
        ("count", "amount_vnd"),
    ),
    "agg_fines": (
        ("day", "province_code", "former_province"),
        ("issued", "issued_vnd", "settled", "settled_online", "paid_vnd"),
    ),
    "agg_fines_total": (
        ("province_code", "former_province"),
        ("issued", "issued_vnd", "settled", "settled_online", "paid_vnd"),
    ),
    "agg_feedback": (("day", "province_code", "former_province"), ("received", "answered", "answered_late")),
    "agg_feedback_total": (("province_code", "former_province"), ("received", "answered", "answered_late")),
    # unanswered feedback by its response deadline: overdue(today) = sum(n) where due_date < today
    "agg_feedback_open_due": (("province_code", "due_date", "former_province"), ("n",)),
    "agg_sms": (
        ("day", "province_code", "provider", "former_province"),
        ("sent", "segments", "delivered", "failed"),
    ),
    "agg_sms_total": (
        ("province_code", "provider", "former_province"),
        ("sent", "segments", "delivered", "failed"),
    ),
}


def due_buckets(due: date) -> tuple[tuple[str, date], ...]:
    """The (grain, period) buckets an unfinished dossier due on ``due`` is counted in."""
    return (("Y", due.replace(month=1, day=1)), ("M", due.replace(day=1)), ("D", due))


def overdue_buckets(today: date) -> tuple[tuple[str, date | None, date], ...]:
    """(grain, from, before): the buckets whose sum is the dossiers due before ``today``, each counted once —
    whole years before this one, whole months of this year before this one, the days of this month before
    today."""
    year, month = today.replace(month=1, day=1), today.replace(day=1)
    return (("Y", None, year), ("M", year, month), ("D", month, today))


AggKey = tuple[str, tuple[Any, ...]]
Contributions = dict[AggKey, dict[str, int]]


def _add(c: Contributions, table: str, key: tuple[Any, ...], **values: int) -> None:
    slot = c.setdefault((table, key), {})
    for col, v in values.items():
        slot[col] = slot.get(col, 0) + v


def delta(old: Contributions, new: Contributions) -> Contributions:
    """``new - old``, without all-zero entries."""
    out: Contributions = defaultdict(dict)
    for sign, side in ((-1, old), (1, new)):
        for k, vals in side.items():
            slot = out[k]
            for col, v in vals.items():
                slot[col] = slot.get(col, 0) + sign * v
    return {k: v for k, v in out.items() if any(v.values())}


def merge_into(total: Contributions, more: Contributions) -> None:
    for k, vals in more.items():
        slot = total.setdefault(k, {})
        for col, v in vals.items():
            slot[col] = slot.get(col, 0) + v


# --------------------------------------------------------------------------------------------------------------
# Procedures (catalog snapshots): the newest version wins; carries social_saving_vnd for the savings figure.
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcedureState:
    code: str
    version: int | None = None
    name: str | None = None
    sector: str | None = None
    agency_code: str | None = None
    agency_name: str | None = None
    social_saving_vnd: int | None = None
    processing_days: int | None = None
    retired_version: int | None = None


def fold_procedure(s: ProcedureState, data: ProcedurePublishedV1 | ProcedureRetiredV1) -> ProcedureState:
    if isinstance(data, ProcedureRetiredV1):
        return evolve(s, retired_version=max(s.retired_version or 0, data.version))
    if s.version is not None and data.version < s.version:
        return s  # an older snapshot arriving late
    return evolve(
        s,
        version=data.version,
        name=data.name,
        sector=data.sector,
        agency_code=data.agency_code,
        agency_name=data.agency_name,
        social_saving_vnd=data.social_saving_vnd,
        processing_days=data.processing_days,
    )


# --------------------------------------------------------------------------------------------------------------
# Dossiers
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DossierState:
    code: str
    # what the dossier is (from dossier-submitted, else the current status event, else a forward)
    procedure_code: str | None = None
    procedure_name: str | None = None
    province_sent: str | None = None  # the province code the events carried (former or current)
    sector: str | None = None
    channel: str | None = None
    has_submitted: bool = False
    submitted_at: datetime | None = None
    sub_agency: str | None = None
    sub_due: date | None = None
    first_at: datetime | None = None  # earliest status event
    # the current status event (highest sequence)
    ev_status: str | None = None
    sequence: int | None = None
    status_at: datetime | None = None
    status_agency: str | None = None
    status_event_id: str | None = None
    status_due: date | None = None  # due date of the highest-sequence status event that carried one
    status_due_seq: int | None = None
    status_due_at: datetime | None = None
    # the latest forward to another agency
    fwd_at: datetime | None = None
    fwd_agency: str | None = None
    fwd_due: date | None = None
    fwd_event_id: str | None = None
    fwd_count: int = 0
    # derived (stored for querying; recomputed by ``derive`` after every fold)
    status: str | None = None
    agency_code: str | None = None
    due_date: date | None = None
    day: date | None = None
    finished: bool = False
    finished_at: datetime | None = None
    finished_day: date | None = None
    on_time: bool | None = None
    province_code: str | None = None  # today's unit of province_sent, as of the day the dossier opened
    former_province: str | None = (
        None  # its unit of the 63, when it opened before 1 July 2025 (or the code is)
    )


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a dossier's history on the drill-down, from the event that told it."""

    event_id: str
    dossier_code: str
    kind: str  # submitted | status | forwarded | payment | sms | feedback
    status: str | None
    sequence: int | None
    agency_code: str | None
    from_agency_code: str | None
    occurred_at: datetime
    note: str | None
    late: bool = False


def _latest(candidates: list[tuple[datetime | None, int, Any]]) -> Any:
    present = [(at, prio, v) for at, prio, v in candidates if at is not None and v is not None]
    return max(present, key=lambda c: (c[0], c[1]))[2] if present else None


def derive(s: DossierState) -> DossierState:
    status = s.ev_status or ("submitted" if s.has_submitted else None)
    agency = _latest(
        [(s.status_at, 2, s.status_agency), (s.fwd_at, 1, s.fwd_agency), (s.submitted_at, 0, s.sub_agency)]
    )
    due = _latest(
        [(s.status_due_at, 2, s.status_due), (s.fwd_at, 1, s.fwd_due), (s.submitted_at, 0, s.sub_due)]
    )
    opened = s.submitted_at if s.has_submitted else s.first_at
    finished = status in FINISHED
    finished_at = s.status_at if finished and s.ev_status else None
    on_time = vn_date(finished_at) <= due if finished_at is not None and due is not None else None
    day = vn_date(opened) if opened else None
    province, former = placed(s.province_sent, day)
    return evolve(
        s,
        status=status,
        agency_code=agency,
        due_date=due,
        day=day,
        finished=finished,
        finished_at=finished_at,
        finished_day=vn_date(finished_at) if finished_at else None,
        on_time=on_time,
        province_code=province,
        former_province=former,
    )


DossierFact = DossierSubmittedV1 | DossierStatusChangedV1 | DossierForwardedV1


def fold_dossier(s: DossierState, event_id: str, data: DossierFact) -> tuple[DossierState, HistoryEntry]:
    if isinstance(data, DossierSubmittedV1):
        s = evolve(
            s,
            has_submitted=True,
            procedure_code=data.procedure_code,
            procedure_name=data.procedure_name,
            province_sent=data.province_code,
            sector=data.sector,
            channel=data.channel,
            submitted_at=_min(s.submitted_at, data.submitted_at),
            sub_agency=data.agency_code,
            sub_due=data.due_date,
        )
        entry = HistoryEntry(
            event_id, s.code, "submitted", "submitted", None, data.agency_code, None, data.submitted_at, None
        )
        return derive(s), entry
    if isinstance(data, DossierStatusChangedV1):
        late = s.sequence is not None and data.sequence < s.sequence
        current = s.sequence is None or (data.sequence, data.occurred_at, event_id) > (
            s.sequence,
            s.status_at,
            s.status_event_id,
        )
        s = evolve(s, first_at=_min(s.first_at, data.occurred_at))
        if current:
            s = evolve(
                s,
                ev_status=data.new_status,
                sequence=data.sequence,
                status_at=data.occurred_at,
                status_agency=data.agency_code,
                status_event_id=event_id,
            )
            if not s.has_submitted:
                s = evolve(
                    s,
                    procedure_code=data.procedure_code,
                    procedure_name=data.procedure_name or s.procedure_name,
                    province_sent=data.province_code,
                    sector=data.sector,
                    channel=data.channel,
                )
        if data.due_date is not None and (
            s.status_due_seq is None
            or s.status_due_at is None
            or (data.sequence, data.occurred_at) > (s.status_due_seq, s.status_due_at)
        ):
            s = evolve(
                s, status_due=data.due_date, status_due_seq=data.sequence, status_due_at=data.occurred_at
            )
        entry = HistoryEntry(
            event_id,
            s.code,
            "status",
            data.new_status,
            data.sequence,
            data.agency_code,
            None,
            data.occurred_at,
            data.note,
            late=late,
        )
        return derive(s), entry
    # dossier-forwarded: the same dossier moves to another agency (never a new dossier)
    if s.fwd_at is None or (data.forwarded_at, event_id) > (s.fwd_at, s.fwd_event_id or ""):
        s = evolve(
            s,
            fwd_at=data.forwarded_at,
            fwd_agency=data.to_agency_code,
            fwd_due=data.due_date,
            fwd_event_id=event_id,
        )
    s = evolve(
        s,
        fwd_count=s.fwd_count + 1,
        procedure_code=s.procedure_code or data.procedure_code,
        procedure_name=s.procedure_name or data.procedure_name,
        province_sent=s.province_sent or data.province_code,
    )
    entry = HistoryEntry(
        event_id,
        s.code,
        "forwarded",
        "forwarded",
        None,
        data.to_agency_code,
        data.from_agency_code,
        data.forwarded_at,
        data.note,
    )
    return derive(s), entry


def dossier_contributions(s: DossierState) -> Contributions:
    c: Contributions = {}
    if s.status is None or s.province_code is None:
        return c  # not a dossier yet (only a forward, or a payment/SMS that named it, has been seen)
    prov, sector, agency, channel = s.province_code, s.sector or "", s.agency_code or "", s.channel or ""
    was = s.former_province or ""
    _add(
        c,
        "agg_dossiers",
        (prov, sector, agency, channel, s.status, was),
        n=1,
        on_time=int(s.on_time is True),
        late=int(s.on_time is False),
    )
    if s.day is not None:
        _add(c, "agg_dossiers_daily", (s.day, prov, sector, channel, was), received=1)
        _add(c, "agg_dossiers_daily_national", (s.day, sector, agency, channel), received=1)
    if s.finished_at is not None:
        fin_day, on_time = vn_date(s.finished_at), int(s.on_time is True)
        _add(
            c,
            "agg_dossiers_daily",
            (fin_day, prov, sector, channel, was),
            finished=1,
            finished_on_time=on_time,
        )
        _add(
            c,
            "agg_dossiers_daily_national",
            (fin_day, sector, agency, channel),
            finished=1,
            finished_on_time=on_time,
        )
    if s.channel == "online" and s.procedure_code:
        _add(c, "agg_online_procedures", (prov, sector, agency, s.procedure_code, was), n=1)
    if not s.finished and s.due_date is not None:
        _add(c, "agg_open_due", (prov, s.due_date, was), n=1)
        procedure = s.procedure_code or ""
        for grain, period in due_buckets(s.due_date):
            _add(c, "agg_open_due_buckets", (prov, grain, period, sector, agency, procedure, was), n=1)
            _add(c, "agg_open_due_buckets_national", (grain, period, sector, agency, procedure), n=1)
    return c


# --------------------------------------------------------------------------------------------------------------
# Payments (fee-paid), keyed by payment id: a repeat or a late success of the same payment counts once.
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentState:
    payment_id: str
    paid: bool = False
    purpose: str | None = None
    provider: str | None = None
    amount_vnd: int = 0
    paid_at: datetime | None = None
    province_code: str | None = None  # derived: its own province, else its dossier's (``resolve_province``)
    dossier_code: str | None = None
    decision_no: str | None = None
    late: bool = False
    own_province: str | None = None  # the province the fee-paid event carried, if any
    former_province: str | None = None  # derived with province_code (``placed``)


def fold_payment(s: PaymentState, data: FeePaidV1) -> PaymentState:
    own = data.province_code or s.own_province
    s = evolve(
        s,
        paid=True,
        purpose=data.purpose,
        provider=data.provider,
        amount_vnd=data.amount_vnd,
        paid_at=data.paid_at,
        own_province=own,
        dossier_code=data.dossier_code,
        decision_no=data.decision_no,
        late=data.late,
    )
    return resolve_province(s, None)


def payment_contributions(s: PaymentState) -> Contributions:
    c: Contributions = {}
    if not s.paid or s.paid_at is None:
        return c
    prov, provider, purpose = s.province_code or "", s.provider or "", s.purpose or ""
    key = (prov, provider, purpose, s.former_province or "")
    _add(c, "agg_payments", (vn_date(s.paid_at), *key), count=1, amount_vnd=s.amount_vnd)
    _add(c, "agg_payments_total", key, count=1, amount_vnd=s.amount_vnd)
    return c


# --------------------------------------------------------------------------------------------------------------
# Traffic fines, keyed by decision number: issued (traffic police) and settled (payment).
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FineState:
    decision_no: str
    province_code: str | None = None  # derived: today's unit of province_sent (``placed``)
    issuing_unit: str | None = None
    issued: bool = False
    amount_vnd: int = 0
    decided_at: datetime | None = None
    settled: bool = False
    settled_at: datetime | None = None
    settled_channel: str | None = None
    paid_vnd: int = 0
    province_sent: str | None = None  # the code the issue carried, else the settlement's
    former_province: str | None = None  # derived


def _place_fine(s: FineState) -> FineState:
    province, former = placed(s.province_sent, s.decided_at if s.issued else s.settled_at)
    return evolve(s, province_code=province, former_province=former)


def fold_fine(s: FineState, data: FineIssuedV1 | FineSettledV1) -> FineState:
    if isinstance(data, FineIssuedV1):
        s = evolve(
            s,
            issued=True,
            province_sent=data.province_code,
            issuing_unit=data.issuing_unit,
            amount_vnd=data.amount,
            decided_at=data.decided_at,
        )
        return _place_fine(s)
    s = evolve(
        s,
        settled=True,
        settled_at=data.settled_at,
        settled_channel=data.channel,
        paid_vnd=data.amount_paid,
        province_sent=s.province_sent if s.issued else data.province_code,
        issuing_unit=s.issuing_unit or data.issuing_unit,
    )
    return _place_fine(s)


def fine_contributions(s: FineState) -> Contributions:
    c: Contributions = {}
    prov, was = s.province_code or "", s.former_province or ""
    if s.issued and s.decided_at is not None:
        _add(c, "agg_fines", (vn_date(s.decided_at), prov, was), issued=1, issued_vnd=s.amount_vnd)
        _add(c, "agg_fines_total", (prov, was), issued=1, issued_vnd=s.amount_vnd)
    if s.settled and s.settled_at is not None:
        online = int(s.settled_channel == "online")
        _add(
            c,
            "agg_fines",
            (vn_date(s.settled_at), prov, was),
            settled=1,
            settled_online=online,
            paid_vnd=s.paid_vnd,
        )
        _add(c, "agg_fines_total", (prov, was), settled=1, settled_online=online, paid_vnd=s.paid_vnd)
    return c


# --------------------------------------------------------------------------------------------------------------
# Feedback (phản ánh, kiến nghị), keyed by feedback id.
# --------------------------------------------------------------------------------------------------------------


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
        _add(c, "agg_feedback", (vn_date(s.received_at), prov, was), received=1)
        _add(c, "agg_feedback_total", (prov, was), received=1)
    if s.received and not s.answered and s.due_date is not None:
        _add(c, "agg_feedback_open_due", (prov, s.due_date, was), n=1)
    if s.answered and s.answered_at is not None:
        late = int(s.answered_on_time is False)
        _add(c, "agg_feedback", (vn_date(s.answered_at), prov, was), answered=1, answered_late=late)
        _add(c, "agg_feedback_total", (prov, was), answered=1, answered_late=late)
    return c


# --------------------------------------------------------------------------------------------------------------
# SMS, keyed by message id: sent (with its segments), delivered, failed — in any arrival order.
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmsState:
    message_id: str
    dossier_code: str | None = None
    province_code: str | None = None  # the dossier's province, once known
    provider: str | None = None
    template: str | None = None
    encoding: str | None = None
    segments: int = 0
    sent: bool = False
    sent_at: datetime | None = None
    delivered: bool = False
    delivered_at: datetime | None = None
    failed: bool = False
    failed_at: datetime | None = None
    failure_status: str | None = None
    former_province: str | None = None  # the dossier's, with province_code


def _agreed(a: str | None, b: str | None) -> str | None:
    """The value two events of one key both name (or the one that names it). Commutative: if they ever
    disagree, the same one is kept whatever their arrival order."""
    if a is None or b is None:
        return a if b is None else b
    return max(a, b)


def fold_sms(s: SmsState, data: SmsSentV1 | SmsDeliveredV1 | SmsFailedV1) -> SmsState:
    """sent, delivered and failed are three topics: any arrival order gives the same row. The provider and
    template are the send's; without it the receipt's, else the failure's."""
    dossier = _agreed(s.dossier_code, data.dossier_code)
    if isinstance(data, SmsSentV1):
        return evolve(
            s,
            sent=True,
            sent_at=data.sent_at,
            provider=data.provider,
            template=data.template,
            encoding=data.encoding,
            segments=data.segments,
            dossier_code=dossier,
        )
    if isinstance(data, SmsDeliveredV1):
        return evolve(
            s,
            delivered=True,
            delivered_at=data.delivered_at,
            provider=s.provider if s.sent else data.provider,
            dossier_code=dossier,
        )
    return evolve(
        s,
        failed=True,
        failed_at=data.failed_at,
        failure_status=data.status,
        provider=s.provider if s.sent or s.delivered else (data.provider or s.provider),
        template=s.template if s.sent else data.template,
        dossier_code=dossier,
    )


def sms_contributions(s: SmsState) -> Contributions:
    c: Contributions = {}
    key = (s.province_code or "", s.provider or "", s.former_province or "")
    if s.sent and s.sent_at is not None:
        _add(c, "agg_sms", (vn_date(s.sent_at), *key), sent=1, segments=s.segments)
        _add(c, "agg_sms_total", key, sent=1, segments=s.segments)
    if s.delivered and s.delivered_at is not None:
        _add(c, "agg_sms", (vn_date(s.delivered_at), *key), delivered=1)
        _add(c, "agg_sms_total", key, delivered=1)
    if s.failed and s.failed_at is not None:
        _add(c, "agg_sms", (vn_date(s.failed_at), *key), failed=1)
        _add(c, "agg_sms_total", key, failed=1)
    return c


def resolve_province(s: Any, dossier: Placed | None) -> Any:
    """A payment or an SMS that names a dossier shows the dossier's (current) place ``dossier`` — its
    (province_code, former_province) — unless it carries its own province (payments may, placed with the day
    it was paid; SMS never do). Called with the dossier's place every time the row is folded and every time
    that place changes, so the row does not depend on which arrived first."""
    own = getattr(s, "own_province", None)
    if own:
        where = placed(own, s.paid_at)
    elif dossier is not None and dossier[0]:
        where = dossier
    else:
        return s
    if where == (s.province_code, s.former_province):
        return s
    return evolve(s, province_code=where[0], former_province=where[1])


# --------------------------------------------------------------------------------------------------------------
# Pipeline health rows
# --------------------------------------------------------------------------------------------------------------


def rejection_row(event_id: str, data: AgencyStatusRejectedV1) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "agency_code": data.agency_code or "",
        "reason": data.reason,
        "message": data.message[:1000],
        "dossier_code": data.dossier_code,
        "original_topic": data.original_topic,
        "original_partition": data.original_partition,
        "original_offset": data.original_offset,
        "rejected_at": data.rejected_at,
    }


def _header(headers: Any, name: str) -> str | None:
    for k, v in headers or ():
        if k == name and v is not None:
            return v.decode("utf-8", "replace") if isinstance(v, bytes | bytearray) else str(v)
    return None


def _int_or_none(text: str | None) -> int | None:
    try:
        return int(text) if text not in (None, "", "None") else None
    except ValueError:
        return None


def dead_letter_row(partition: int, offset: int, key: bytes | None, headers: Any) -> dict[str, Any]:
    """A record of the ``dead-letter`` topic (not a CloudEvent: ``dvc_*`` headers and the original bytes)."""
    at = _header(headers, "dvc_rejected_at")
    try:
        rejected_at = datetime.fromisoformat(at) if at else None
    except ValueError:
        rejected_at = None
    if rejected_at is not None and rejected_at.tzinfo is None:
        rejected_at = rejected_at.replace(tzinfo=UTC)
    return {
        "dl_partition": partition,
        "dl_offset": offset,
        "original_topic": (_header(headers, "dvc_original_topic") or "?")[:200],
        "original_partition": _int_or_none(_header(headers, "dvc_original_partition")),
        "original_offset": _int_or_none(_header(headers, "dvc_original_offset")),
        "reason": (_header(headers, "dvc_reason") or "unknown")[:64],
        "message": (_header(headers, "dvc_message") or "")[:1000],
        "rejected_by": (_header(headers, "dvc_rejected_by") or "?")[:64],
        "rejected_at": rejected_at,
        "record_key": key.decode("utf-8", "replace")[:200] if key else None,
    }
