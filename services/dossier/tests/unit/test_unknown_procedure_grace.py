"""A fresh report for an unknown procedure waits a moment (its procedure may be on its way); an old one, as in a
replay or a backlog, is judged at once; a clock far ahead buys no wait."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dvc_contracts import topics
from dvc_contracts.envelope import new_event
from dvc_contracts.events import AgencyStatusReportedV1
from dvc_dossier.service.status_sync import _within_grace
from dvckit.messaging.typed import Event

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def report(occurred: datetime, ce_time: datetime | None) -> Event[AgencyStatusReportedV1]:
    data = AgencyStatusReportedV1(
        dossier_code="01-X-1",
        procedure_code="NOT-PUBLISHED-YET",
        agency_code="BCA-CSGT",
        province_code="01",
        sequence=0,
        status="received",
        occurred_at=occurred,
    )
    event = new_event(topics.AGENCY_STATUS_REPORTED, "/agency/BCA-CSGT", data, subject=data.dossier_code)
    return Event(data, event.model_copy(update={"time": ce_time}))


def test_fresh_reports_wait_old_ones_do_not() -> None:
    assert _within_grace([report(NOW, NOW - timedelta(seconds=1))], NOW)
    assert not _within_grace([report(NOW, NOW - timedelta(minutes=3))], NOW)


def test_without_a_cloudevent_time_the_occurrence_time_counts() -> None:
    assert _within_grace([report(NOW - timedelta(seconds=2), None)], NOW)
    assert not _within_grace([report(NOW - timedelta(days=30), None)], NOW)


def test_a_clock_far_ahead_buys_no_wait() -> None:
    assert not _within_grace([report(NOW, NOW + timedelta(hours=1))], NOW)
    assert _within_grace([report(NOW, NOW + timedelta(seconds=2))], NOW)
