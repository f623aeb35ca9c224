"""A saga step that waits for an agency's report moves only on that agency's report: another agency allowed on
the procedure may move the dossier's status, never the saga."""

from __future__ import annotations

from dvc_dossier.domain.sagas import LICENCE, POLICE_AGENCY, TAX_AGENCY, VEHICLE, Saga, on_agency_report

LICENSING, PROVINCE_DEPT = "BGTVT-TCDBVN", "SO-GTVT"


def licence(context: dict[str, str] | None = None) -> Saga:
    return Saga("01-261207-LIC001", LICENCE, "awaiting_agency", payment_id="p-1", amount_vnd=135_000,
                context={"agency": LICENSING} if context is None else context)  # fmt: skip


def test_the_licence_step_waits_for_the_licensing_agency_only() -> None:
    for status in ("completed", "rejected"):
        after, actions = on_agency_report(licence(), PROVINCE_DEPT, status, "GPLX-123")
        assert (after, actions) == (licence(), []), f"another allowed agency's {status!r} moved the saga"
    done, actions = on_agency_report(licence(), LICENSING, "completed", "GPLX-123")
    assert done.state == "completed" and done.context["result"] == "GPLX-123" and actions
    refunding, _ = on_agency_report(licence(), LICENSING, "rejected", None)
    assert refunding.state == "compensating"


def test_a_licence_saga_without_a_recorded_agency_waits_for_nobody() -> None:
    legacy = licence(context={})
    assert on_agency_report(legacy, LICENSING, "completed", "x") == (legacy, [])


def test_the_plate_step_waits_for_the_police_only() -> None:
    saga = Saga("01-261207-VEH001", VEHICLE, "awaiting_police", payment_id="p-2", amount_vnd=1)
    assert on_agency_report(saga, TAX_AGENCY, "completed", "30A-000.00") == (saga, [])
    assert on_agency_report(saga, POLICE_AGENCY, "completed", "30A-000.00")[0].state == "completed"
