"""Today's 34 provinces and the 63 of before 1 July 2025: a replay of 2024 events lands in today's provinces,
the "2024" view still shows the 63, and both views count the same (projector + queries on SQLite, no broker)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from dvc_contracts import units
from dvc_contracts.events import DossierStatusChangedV1, DossierSubmittedV1, FeedbackReceivedV1, FeePaidV1
from dvc_reporting.adapters.queries.filters import Filters
from dvc_reporting.adapters.queries.report import ReportQueries
from dvc_reporting.adapters.ranking import SINCE_REFORM
from dvc_reporting.domain.projection.dossiers import DossierState, dossier_contributions, fold_dossier
from dvc_reporting.domain.projection.payments import PaymentState, fold_payment

from .test_projector_interleavings import TOPIC_OF, Record, new_engine, project

__all__ = ["new_engine"]  # the fixture, used by name

Y2024 = datetime(2024, 5, 6, 2, 0, tzinfo=UTC)
Y2026 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
TODAY = date(2026, 3, 10)
FIGURES = ("dossiers_total", "dossiers_online", "dossiers_open", "dossiers_overdue", "payments_total_vnd",
           "feedback_received")  # fmt: skip


def submitted(code: str, province: str, at: datetime, i: int) -> DossierSubmittedV1:
    return DossierSubmittedV1(
        dossier_code=code, procedure_code="P1", procedure_name="Đăng ký xe", procedure_version=1,
        agency_code="SO-GTVT", province_code=province, sector="DUONG-BO", channel="online" if i % 3 else "counter",
        applicant_name="Nguyễn Thị Hoa", submitted_at=at, due_date=at.date() + timedelta(days=5 + i % 3),
    )  # fmt: skip


def stream() -> list[Record]:
    """Two dossiers in each of the 63 in 2024 (one finished, one still open), a payment and a feedback each;
    then dossiers of 2026 with today's codes, and one with a retired code (a system not yet updated)."""
    out: list[Any] = []
    for i, unit in enumerate(units.FORMER):
        for k in range(2):
            code = f"D24-{unit.code}-{k}"
            out.append(submitted(code, unit.code, Y2024 + timedelta(days=i), i + k))
            if k == 0:
                out.append(DossierStatusChangedV1(
                    dossier_code=code, procedure_code="P1", agency_code="SO-GTVT", province_code=unit.code,
                    sector="DUONG-BO", channel="online", sequence=1, new_status="completed",
                    occurred_at=Y2024 + timedelta(days=i + 2),
                ))  # fmt: skip
        out.append(FeePaidV1(
            payment_id=f"PAY-{unit.code}", dossier_code=f"D24-{unit.code}-0", amount_vnd=10_000 + i,
            provider="vnpay", provider_txn_id=f"T{i}", paid_at=Y2024 + timedelta(days=i, hours=1),
        ))  # fmt: skip
        out.append(FeedbackReceivedV1(
            feedback_id=f"FB-{unit.code}", kind="feedback", category="thai-do-phuc-vu", province_code=unit.code,
            agency_code="SO-GTVT", received_at=Y2024 + timedelta(days=i),
        ))  # fmt: skip
    for i, code in enumerate(("24", "24", "79", "30")):
        out.append(submitted(f"D26-{i}", code, Y2026 + timedelta(days=i), i))
    return [(TOPIC_OF[type(d)], "k", f"e{n}", d) for n, d in enumerate(out)]


async def views(new_engine: Callable[[], Any]) -> tuple[Any, list[dict[str, Any]], list[dict[str, Any]], Any]:
    engine = await new_engine()
    await project(engine, stream(), lambda: 50)
    async with engine.connect() as conn:
        q = ReportQueries(conn)
        today = await q.provinces(Filters(), TODAY)
        before = await q.provinces(Filters(units="2024"), TODAY)
        summary = await q.figures(Filters(), TODAY)
    return engine, today, before, summary


def test_a_code_is_placed_with_the_day_its_dossier_opened() -> None:
    s, _ = fold_dossier(DossierState("D1"), "e1", submitted("D1", "27", Y2024, 1))
    assert (s.province_code, s.former_province, s.province_sent) == ("24", "27", "27")
    s, _ = fold_dossier(DossierState("D2"), "e2", submitted("D2", "24", Y2024, 1))
    assert (s.province_code, s.former_province) == ("24", "24"), "in 2024, 24 was Bắc Giang"
    s, _ = fold_dossier(DossierState("D3"), "e3", submitted("D3", "24", Y2026, 1))
    assert (s.province_code, s.former_province) == ("24", None), "since 1 July 2025, 24 is Bắc Ninh"
    assert dossier_contributions(s)[("agg_open_due", ("24", s.due_date, ""))] == {"n": 1}
    paid = FeePaidV1(payment_id="X", province_code="74", amount_vnd=1, provider="v", provider_txn_id="1",
                     paid_at=Y2024)  # fmt: skip
    pay = fold_payment(PaymentState("X"), paid)
    assert (pay.province_code, pay.former_province, pay.own_province) == ("79", "74", "74")


async def test_a_replay_of_2024_lands_in_todays_provinces_and_the_63_are_kept(
    new_engine: Callable[[], Any],
) -> None:
    _, today, before, summary = await views(new_engine)
    totals = [r["dossiers_total"] for r in today]
    assert totals == sorted(totals, reverse=True) and [r["rank"] for r in today] == list(range(1, 35))
    assert {r["province_code"] for r in today} == set(units.CURRENT_CODES)
    by_today = {r["province_code"]: r for r in today}
    for unit in units.CURRENT:  # 2 dossiers of 2024 per former unit, plus the 2026 ones
        extra = Counter(units.current_of(c) for c in ("24", "24", "79", "30"))[unit.code]
        assert by_today[unit.code]["dossiers_total"] == 2 * len(unit.formed_from) + extra, unit.code
    hcm = by_today["79"]
    assert hcm["dossiers_per_1000"] == round(1000 * hcm["dossiers_total"] / 14_002_598, 4)
    assert by_today["01"]["dossiers_per_1000"] is None, (
        "Hà Nội was not merged: no population in the resolution"
    )
    by_before = {r["province_code"]: r for r in before}
    assert set(by_before) == set(units.FORMER_CODES) | {SINCE_REFORM}
    assert all(by_before[c]["dossiers_total"] == 2 for c in units.RETIRED_CODES - {"30"})
    assert by_before["30"]["dossiers_total"] == 3, "a retired code used in 2026 is still Hải Dương"
    assert by_before["24"]["now_name"] == "Bắc Ninh" and by_before["24"]["province_name"] == "Bắc Giang"
    assert by_before[SINCE_REFORM]["dossiers_total"] == 3, (
        "24, 24 and 79 of 2026: today's units, not one of the 63"
    )
    for figure in FIGURES:
        assert sum(r[figure] for r in today) == sum(r[figure] for r in before), figure
    assert sum(r["dossiers_total"] for r in today) == summary["dossiers_total"] == 63 * 2 + 4
    assert sum(r["dossiers_overdue"] for r in today) == summary["dossiers_overdue"] > 0


async def test_filters_of_either_view(new_engine: Callable[[], Any]) -> None:
    engine, *_ = await views(new_engine)
    async with engine.connect() as conn:
        q = ReportQueries(conn)
        bac_ninh = await q.figures(Filters(province="24"), TODAY)
        old_bac_ninh = await q.provinces(Filters(province="24", former="27", units="2024"), TODAY)
        within = await q.provinces(Filters(province="24", units="2024"), TODAY)
        overdue = await q.overdue_by(Filters(units="2024"), TODAY, "province")
    assert bac_ninh["dossiers_total"] == 2 + 2 + 2  # Bắc Giang's, Bắc Ninh's, and 24 twice in 2026
    assert [(r["province_code"], r["dossiers_total"]) for r in old_bac_ninh] == [("27", 2)]
    assert {r["province_code"] for r in within} == {"24", "27", SINCE_REFORM}
    assert sum(r["dossiers_total"] for r in within) == bac_ninh["dossiers_total"]
    assert {r["key"] for r in overdue} <= set(units.FORMER_CODES) | {None}
