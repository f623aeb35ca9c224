"""Dossiers: one row per dossier code, folded from dossier-submitted, dossier-status-changed and
dossier-forwarded in any arrival order (the rules are the package's docstring), with one history line per
event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from dvc_contracts.clock import vn_date
from dvc_contracts.events import DossierForwardedV1, DossierStatusChangedV1, DossierSubmittedV1
from dvc_reporting.domain.projection.aggregates import Contributions, add, due_buckets
from dvc_reporting.domain.projection.state import evolve, placed
from dvc_reporting.domain.reference import FINISHED


def _min(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


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
    add(
        c,
        "agg_dossiers",
        (prov, sector, agency, channel, s.status, was),
        n=1,
        on_time=int(s.on_time is True),
        late=int(s.on_time is False),
    )
    if s.day is not None:
        add(c, "agg_dossiers_daily", (s.day, prov, sector, channel, was), received=1)
        add(c, "agg_dossiers_daily_national", (s.day, sector, agency, channel), received=1)
    if s.finished_at is not None:
        fin_day, on_time = vn_date(s.finished_at), int(s.on_time is True)
        add(
            c,
            "agg_dossiers_daily",
            (fin_day, prov, sector, channel, was),
            finished=1,
            finished_on_time=on_time,
        )
        add(
            c,
            "agg_dossiers_daily_national",
            (fin_day, sector, agency, channel),
            finished=1,
            finished_on_time=on_time,
        )
    if s.channel == "online" and s.procedure_code:
        add(c, "agg_online_procedures", (prov, sector, agency, s.procedure_code, was), n=1)
    if not s.finished and s.due_date is not None:
        add(c, "agg_open_due", (prov, s.due_date, was), n=1)
        procedure = s.procedure_code or ""
        for grain, period in due_buckets(s.due_date):
            add(c, "agg_open_due_buckets", (prov, grain, period, sector, agency, procedure, was), n=1)
            add(c, "agg_open_due_buckets_national", (grain, period, sector, agency, procedure), n=1)
    return c
