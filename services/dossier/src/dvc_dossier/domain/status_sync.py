"""Agency status sync: which reports are allowed, and how one moves a dossier.

Pure rules, no I/O. A report is applied once (the inbox sees to that) and in sequence order: a report
whose sequence is not above the dossier's current one is kept in history but does not move the status.
A dossier filed at an agency's counter appears on first sight. A supplement request pauses the clock:
the due date moves by the working days spent waiting for the citizen.

A report is about the status, never about whose dossier it is: the province, the procedure and the
citizen's phone (where the SMS go) are fixed when the dossier is created (online by the citizen, or by the
first report of a counter dossier); a later report cannot change them. Its sequence may jump at most
``SEQUENCE_WINDOW`` above the dossier's current one, so one wild number cannot make every later genuine
report stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from dvc_contracts.calendar import add_working_days, working_days_between
from dvc_contracts.clock import vn_date
from dvc_contracts.codes import DOSSIER_CODE_MAX, DOSSIER_CODE_RULE, is_dossier_code
from dvc_contracts.events import AgencyStatusReportedV1

FINISHED = frozenset({"completed", "returned", "rejected", "withdrawn"})
SEQUENCE_WINDOW = 1000  # a report may be at most this far above the dossier's current sequence
# The longest value stored for each free-text or code field of a report (the columns' widths and sane sizes):
# a longer one is refused with a clear reason instead of failing the whole batch in the database.
MAX_LENGTHS = {
    "dossier_code": DOSSIER_CODE_MAX,
    "province_code": 8,
    "citizen_phone": 32,
    "result": 500,
    "note": 2000,
}


@dataclass(frozen=True)
class Refusal:
    reason: str
    message: str


@dataclass(frozen=True)
class DossierState:
    code: str
    procedure_code: str
    procedure_name: str
    agency_code: str
    province_code: str
    sector: str
    channel: str
    status: str
    sequence: int
    submitted_at: datetime
    due_date: date | None
    paused_at: datetime | None = None
    citizen_phone: str | None = None
    result: str | None = None
    note: str | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Outcome:
    state: DossierState
    old_status: str | None  # None: first sight of the dossier
    applied: bool  # False: an older report arriving late (history only)


def refuse(
    report: AgencyStatusReportedV1, procedure: dict[str, Any] | None, current: DossierState | None
) -> Refusal | None:
    """Why a report must not be applied, or None if it may."""
    if (too_long := _too_long(report)) is not None:
        return too_long
    if procedure is None:
        return Refusal("unknown_procedure", f"procedure {report.procedure_code} is not in the catalog")
    return (
        _agency_not_allowed(report, procedure)
        or (_not_this_dossier(report, current) if current else _not_offered(report, procedure))
        or _sequence_out_of_range(report, current)
    )


def _too_long(report: AgencyStatusReportedV1) -> Refusal | None:
    for name, limit in MAX_LENGTHS.items():
        value = getattr(report, name)
        if value is not None and len(value) > limit:
            return Refusal("invalid_payload", f"{name}: at most {limit} characters (got {len(value)})")
    if not is_dossier_code(report.dossier_code):
        return Refusal("invalid_payload", f"dossier_code: {DOSSIER_CODE_RULE}")
    return None


def _agency_not_allowed(report: AgencyStatusReportedV1, procedure: dict[str, Any]) -> Refusal | None:
    allowed = {procedure["agency_code"], *procedure.get("allowed_agency_codes", [])}
    if report.agency_code in allowed:
        return None
    return Refusal(
        "agency_not_allowed",
        f"agency {report.agency_code} may not report on procedure {report.procedure_code} "
        f"(allowed: {', '.join(sorted(allowed))})",
    )


def _not_this_dossier(report: AgencyStatusReportedV1, current: DossierState) -> Refusal | None:
    if current.procedure_code != report.procedure_code:
        return Refusal(
            "procedure_mismatch",
            f"dossier {report.dossier_code} is for procedure {current.procedure_code}, not {report.procedure_code}",
        )
    if current.province_code != report.province_code:
        return Refusal(
            "province_mismatch",
            f"dossier {report.dossier_code} is in province {current.province_code}, not {report.province_code}",
        )
    return None


def _not_offered(report: AgencyStatusReportedV1, procedure: dict[str, Any]) -> Refusal | None:
    provinces = procedure.get("provinces") or []
    if not provinces or report.province_code in provinces:
        return None
    return Refusal(
        "province_not_offered",
        f"procedure {report.procedure_code} is not offered in province {report.province_code}",
    )


def _sequence_out_of_range(report: AgencyStatusReportedV1, current: DossierState | None) -> Refusal | None:
    base = current.sequence if current else -1  # a new dossier starts below 0, like one filed online
    if report.sequence - base <= SEQUENCE_WINDOW:
        return None
    return Refusal(
        "sequence_out_of_range",
        f"sequence {report.sequence} is more than {SEQUENCE_WINDOW} above the dossier's current {base}",
    )


def first_sight(report: AgencyStatusReportedV1, procedure: dict[str, Any]) -> DossierState:
    """A dossier filed at the agency's own counter, seen for the first time: the only report that may set
    the citizen's phone."""
    processing_days = int(procedure.get("processing_days") or 0)
    due = report.due_date or (
        add_working_days(report.occurred_at, processing_days) if processing_days else None
    )
    return DossierState(
        code=report.dossier_code,
        procedure_code=report.procedure_code,
        procedure_name=procedure["name"],
        agency_code=report.agency_code,
        province_code=report.province_code,
        sector=procedure["sector"],
        channel="counter",
        status="unknown",
        sequence=-1,
        submitted_at=report.occurred_at,
        due_date=due,
        citizen_phone=report.citizen_phone,
    )


def _due_after_resume(state: DossierState, resumed_at: datetime) -> date | None:
    if state.paused_at is None or state.due_date is None:
        return state.due_date
    waited = working_days_between(vn_date(state.paused_at), vn_date(resumed_at))
    return add_working_days(state.due_date, waited) if waited > 0 else state.due_date


def apply_report(
    current: DossierState | None, report: AgencyStatusReportedV1, procedure: dict[str, Any]
) -> Outcome:
    state = current or first_sight(report, procedure)
    if report.sequence <= state.sequence:
        return Outcome(state=state, old_status=state.status, applied=False)
    due = state.due_date
    paused_at = state.paused_at
    if report.status == "supplement_requested":
        paused_at = paused_at or report.occurred_at
    elif paused_at is not None:
        due = _due_after_resume(state, report.occurred_at)
        paused_at = None
    if report.due_date is not None:
        due = report.due_date  # the agency's own due date is authoritative
    new = DossierState(  # spelled out rather than dataclasses.replace: this runs for every report
        code=state.code,
        procedure_code=state.procedure_code,
        procedure_name=state.procedure_name,
        agency_code=report.agency_code,
        province_code=state.province_code,
        sector=state.sector,
        channel=state.channel,
        status=report.status,
        sequence=report.sequence,
        submitted_at=state.submitted_at,
        due_date=due,
        paused_at=paused_at,
        citizen_phone=state.citizen_phone,  # set once, at creation: a report never redirects the SMS
        result=report.result or state.result,
        note=report.note,
        updated_at=report.occurred_at,
    )
    return Outcome(state=new, old_status=None if current is None else current.status, applied=True)


def is_overdue(status: str, due_date: date | None, paused_at: datetime | None, today: date) -> bool:
    """Past due and not finished; a dossier waiting for the citizen's supplement is not overdue."""
    return due_date is not None and status not in FINISHED and paused_at is None and today > due_date
