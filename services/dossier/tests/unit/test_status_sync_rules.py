"""Ordering rules of the agency status sync, property-based: whatever order reports arrive in (with repeats),
the dossier ends in the state of the highest sequence, and every report is kept in history."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dvc_contracts.events import AgencyStatusReportedV1
from dvc_dossier.domain.status_sync import (
    MAX_LENGTHS,
    SEQUENCE_WINDOW,
    DossierState,
    apply_report,
    is_overdue,
    refuse,
)

STATUSES = [
    "received",
    "processing",
    "supplement_requested",
    "forwarded",
    "completed",
    "returned",
    "rejected",
]
PROC = {
    "name": "Đăng ký xe",
    "sector": "GTVT",
    "agency_code": "BCA-CSGT",
    "allowed_agency_codes": ["BTC-TCT"],
    "processing_days": 5,
}
T0 = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # a Monday


def rep(seq: int, status: str, agency: str = "BCA-CSGT", **extra: Any) -> AgencyStatusReportedV1:
    fields = {"dossier_code": "01-261102-AAAAAA", "procedure_code": "DKX-OTO", "province_code": "01"} | extra
    return AgencyStatusReportedV1(
        agency_code=agency,
        sequence=seq,
        status=status,  # type: ignore[arg-type]
        occurred_at=T0 + timedelta(days=min(seq, 3000)),
        **fields,
    )


@st.composite
def shuffled_reports(draw: st.DrawFn) -> tuple[list[AgencyStatusReportedV1], int]:
    n = draw(st.integers(min_value=1, max_value=12))
    reports = [rep(i, draw(st.sampled_from(STATUSES))) for i in range(n)]
    repeats = draw(st.lists(st.sampled_from(reports), max_size=4))
    order = draw(st.permutations(reports + repeats))
    return list(order), n


@settings(max_examples=300, deadline=None)
@given(shuffled_reports())
def test_any_arrival_order_ends_at_the_highest_sequence(
    case: tuple[list[AgencyStatusReportedV1], int],
) -> None:
    arrivals, n = case
    state: DossierState | None = None
    applied = 0
    for r in arrivals:
        outcome = apply_report(state, r, PROC)
        state = outcome.state
        applied += outcome.applied
    assert state is not None
    last = max(arrivals, key=lambda r: r.sequence)
    assert (state.sequence, state.status) == (n - 1, last.status)
    assert applied <= n, "a report never moves the status twice"


def test_supplement_request_pauses_the_clock() -> None:
    s0 = apply_report(None, rep(0, "received"), PROC).state
    assert s0.due_date == date(2026, 11, 9)  # 5 working days after Monday 2 Nov
    paused = apply_report(s0, rep(1, "supplement_requested"), PROC).state  # Tue 3 Nov
    assert paused.paused_at is not None
    assert not is_overdue(paused.status, paused.due_date, paused.paused_at, date(2026, 12, 1))
    resumed = apply_report(paused, rep(8, "processing"), PROC).state  # Tue 10 Nov: 5 working days waited
    assert resumed.paused_at is None
    assert resumed.due_date == date(2026, 11, 16)
    assert is_overdue(resumed.status, resumed.due_date, None, date(2026, 11, 17))
    done = apply_report(resumed, rep(9, "completed"), PROC).state
    assert not is_overdue(done.status, done.due_date, None, date(2027, 1, 1))


def test_agency_due_date_is_authoritative() -> None:
    s = apply_report(None, rep(0, "received", due_date=date(2026, 12, 24)), PROC).state
    assert s.due_date == date(2026, 12, 24)


def test_refusals() -> None:
    assert refuse(rep(0, "received"), None, None).reason == "unknown_procedure"  # type: ignore[union-attr]
    assert refuse(rep(0, "received", agency="BYT"), PROC, None).reason == "agency_not_allowed"  # type: ignore[union-attr]
    assert refuse(rep(0, "received", agency="BTC-TCT"), PROC, None) is None
    other = apply_report(None, rep(0, "received"), PROC).state
    other = DossierState(**{**other.__dict__, "procedure_code": "GPLX-DOI-L4"})
    assert refuse(rep(1, "processing"), PROC, other).reason == "procedure_mismatch"  # type: ignore[union-attr]
    hanoi_only = PROC | {"provinces": ["79"]}
    assert refuse(rep(0, "received"), hanoi_only, None).reason == "province_not_offered"  # type: ignore[union-attr]


def _reason(report: AgencyStatusReportedV1, current: DossierState | None, proc: Any = PROC) -> str | None:
    refusal = refuse(report, proc, current)
    return refusal.reason if refusal else None


def test_a_report_never_redirects_the_sms_of_a_known_dossier() -> None:
    """Only the report that creates a counter dossier sets the phone; a later one (any allowed agency) cannot."""
    first = apply_report(None, rep(0, "received", agency="BTC-TCT", citizen_phone="0912000001"), PROC).state
    assert first.citizen_phone == "0912000001"
    later = apply_report(first, rep(1, "processing", citizen_phone="0999999999"), PROC).state
    assert (later.citizen_phone, later.status, later.agency_code) == ("0912000001", "processing", "BCA-CSGT")
    online = DossierState(**{**first.__dict__, "citizen_phone": None, "sequence": -1, "channel": "online"})
    assert (
        apply_report(online, rep(0, "received", citizen_phone="0999999999"), PROC).state.citizen_phone is None
    )


def test_a_report_for_a_known_dossier_in_another_province_is_refused() -> None:
    known = apply_report(None, rep(0, "received"), PROC).state  # province 01
    assert _reason(rep(1, "completed", province_code="79"), known) == "province_mismatch"
    assert _reason(rep(1, "completed"), known) is None


def test_a_sequence_may_jump_at_most_the_window() -> None:
    """2147483647 would make every later genuine report stale: anything beyond the window is refused."""
    assert _reason(rep(2_147_483_647, "completed"), None) == "sequence_out_of_range"
    assert _reason(rep(SEQUENCE_WINDOW - 1, "received"), None) is None  # a new dossier starts at -1
    assert _reason(rep(SEQUENCE_WINDOW, "received"), None) == "sequence_out_of_range"
    known = apply_report(None, rep(5, "received"), PROC).state
    assert _reason(rep(5 + SEQUENCE_WINDOW, "processing"), known) is None
    assert _reason(rep(6 + SEQUENCE_WINDOW, "processing"), known) == "sequence_out_of_range"
    assert _reason(rep(2, "processing"), known) is None, "a late older report is still kept in history"


def test_over_long_strings_are_refused_not_stored() -> None:
    for name, limit in MAX_LENGTHS.items():
        value = "9" * (limit + 1)
        refusal = refuse(rep(0, "received", **{name: value}), PROC, None)
        assert refusal is not None and refusal.reason == "invalid_payload" and name in refusal.message
        assert refuse(rep(0, "received", **{name: value[:limit]}), PROC, None) is None


@pytest.mark.parametrize(
    "code", ['=HYPERLINK("http://x")', "+84912345678", "-1+1", "@SUM(A1)", "01 26", "<b>01</b>"]
)
def test_a_dossier_code_follows_the_documented_pattern(code: str) -> None:
    """Agency-chosen codes reach CSV exports and pages: nothing a spreadsheet runs, no spaces, no markup."""
    refusal = refuse(rep(0, "received", dossier_code=code), PROC, None)
    assert refusal is not None and refusal.reason == "invalid_payload" and "dossier_code" in refusal.message


@pytest.mark.parametrize("code", ["000.00.01.H26-240506-0007", "01-261204-7KQ2MX", "D1", "a_b.c-9"])
def test_the_codes_agencies_use_are_accepted(code: str) -> None:
    assert refuse(rep(0, "received", dossier_code=code), PROC, None) is None
