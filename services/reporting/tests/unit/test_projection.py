"""The fold rules, without a broker or a database: every arrival order of a dossier's events gives the same
row and the same aggregate contributions (what makes a replay equal the live read model)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from dvc_contracts.clock import vn_date
from dvc_contracts.events import (
    DossierForwardedV1,
    DossierStatusChangedV1,
    DossierSubmittedV1,
    FeePaidV1,
    FineIssuedV1,
    FineSettledV1,
    ProcedurePublishedV1,
    ProcedureRetiredV1,
    SmsDeliveredV1,
    SmsFailedV1,
    SmsSentV1,
)
from dvc_reporting.domain.projection.aggregates import Contributions, delta, merge_into
from dvc_reporting.domain.projection.dossiers import (
    DossierState,
    HistoryEntry,
    dossier_contributions,
    fold_dossier,
)
from dvc_reporting.domain.projection.fines import FineState, fine_contributions, fold_fine
from dvc_reporting.domain.projection.health import dead_letter_row
from dvc_reporting.domain.projection.payments import PaymentState, fold_payment, payment_contributions
from dvc_reporting.domain.projection.procedures import ProcedureState, fold_procedure
from dvc_reporting.domain.projection.sms import SmsState, fold_sms, sms_contributions
from dvc_reporting.domain.projection.state import evolve, resolve_province
from dvc_reporting.domain.reference import FINISHED, STATUS_CODES

T0 = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)  # 08:30 in Viet Nam


def submitted(code: str = "D1", **kw: Any) -> DossierSubmittedV1:
    values: dict[str, Any] = {
        "dossier_code": code, "procedure_code": "P1", "procedure_name": "Đăng ký khai sinh", "procedure_version": 1,
        "agency_code": "UBND-XA", "province_code": "01", "sector": "HO-TICH", "channel": "online",
        "applicant_name": "Lê Thị Mai", "submitted_at": T0, "due_date": date(2026, 11, 6),
    }  # fmt: skip
    return DossierSubmittedV1(**(values | kw))


def status(
    seq: int, new: str, agency: str = "UBND-XA", code: str = "D1", **kw: Any
) -> DossierStatusChangedV1:
    values: dict[str, Any] = {
        "dossier_code": code, "procedure_code": "P1", "agency_code": agency, "province_code": "01",
        "sector": "HO-TICH", "channel": "online", "sequence": seq, "new_status": new,
        "occurred_at": T0 + timedelta(hours=seq),
    }  # fmt: skip
    return DossierStatusChangedV1(**(values | kw))


def forwarded(
    src: str, dst: str, at: datetime, code: str = "D1", due: date | None = None
) -> DossierForwardedV1:
    return DossierForwardedV1(
        dossier_code=code, procedure_code="P1", province_code="01", from_agency_code=src, to_agency_code=dst,
        forwarded_at=at, due_date=due,
    )  # fmt: skip


def fold_all(facts: Sequence[tuple[str, Any]], code: str = "D1") -> tuple[DossierState, list[HistoryEntry]]:
    state = DossierState(code)
    history = []
    for event_id, data in facts:
        state, entry = fold_dossier(state, event_id, data)
        history.append(entry)
    return state, history


def cross_agency_story() -> list[tuple[str, Any]]:
    return [
        ("e1", submitted()),
        ("e2", status(1, "received")),
        ("e3", status(2, "forwarded", due_date=date(2026, 11, 9))),
        ("e4", forwarded("UBND-XA", "CA-XA", T0 + timedelta(hours=2, minutes=5), due=date(2026, 11, 10))),
        ("e5", status(3, "processing", agency="CA-XA")),
        ("e6", status(4, "completed", agency="CA-XA")),
    ]


def test_every_arrival_order_gives_the_same_dossier() -> None:
    story = cross_agency_story()
    results = {fold_all(order)[0] for order in itertools.permutations(story)}
    assert len(results) == 1
    (state,) = results
    assert state.status == "completed" and state.sequence == 4
    assert state.agency_code == "CA-XA" and state.fwd_count == 1
    assert state.due_date == date(2026, 11, 10)  # the forward's due date is the latest
    assert state.finished and state.on_time is True and state.day == date(2026, 11, 2)
    assert state.procedure_name == "Đăng ký khai sinh" and state.channel == "online"


def test_a_late_older_sequence_is_history_not_status() -> None:
    state, history = fold_all(
        [("a", submitted()), ("b", status(3, "processing")), ("c", status(2, "received"))]
    )
    assert state.status == "processing" and state.sequence == 3
    assert [h.late for h in history] == [False, False, True]
    assert [h.kind for h in history] == ["submitted", "status", "status"]


def test_a_cross_agency_dossier_contributes_once() -> None:
    state, _ = fold_all(cross_agency_story())
    c = dossier_contributions(state)
    dossier_rows = {k: v for k, v in c.items() if k[0] == "agg_dossiers"}
    assert dossier_rows == {
        ("agg_dossiers", ("01", "HO-TICH", "CA-XA", "online", "completed", "")): {
            "n": 1,
            "on_time": 1,
            "late": 0,
        }
    }
    assert c[("agg_online_procedures", ("01", "HO-TICH", "CA-XA", "P1", ""))] == {"n": 1}
    assert not any(k[0] == "agg_open_due" for k in c)  # finished: never overdue


def test_counter_dossier_appears_at_its_first_status_event() -> None:
    state, _ = fold_all([("x", status(0, "received", channel="counter", due_date=date(2026, 11, 20)))])
    assert state.status == "received" and state.channel == "counter" and state.day == date(2026, 11, 2)
    c = dossier_contributions(state)
    assert c[("agg_open_due", ("01", date(2026, 11, 20), ""))] == {"n": 1}
    assert not any(k[0] == "agg_online_procedures" for k in c)


def test_forward_alone_is_not_a_dossier_yet() -> None:
    state, _ = fold_all([("f", forwarded("A", "B", T0))])
    assert state.status is None and dossier_contributions(state) == {}


@pytest.mark.parametrize("final", sorted(FINISHED))
def test_finished_statuses_are_never_overdue(final: str) -> None:
    state, _ = fold_all([("a", submitted(due_date=date(2026, 11, 3))), ("b", status(1, final))])
    assert state.finished
    assert not any(k[0] == "agg_open_due" for k in dossier_contributions(state))


def test_late_finish_counts_as_late() -> None:
    at = datetime(
        2026, 11, 6, 17, 30, tzinfo=UTC
    )  # 00:30 on 7 November in Viet Nam: the day after the due date
    state, _ = fold_all([("a", submitted()), ("b", status(5, "completed", occurred_at=at))])
    assert state.finished_day == date(2026, 11, 7) and state.on_time is False
    c = dossier_contributions(state)
    assert c[("agg_dossiers_daily", (date(2026, 11, 7), "01", "HO-TICH", "online", ""))] == {
        "finished": 1,
        "finished_on_time": 0,
    }


def _recount(states: dict[str, Any], contributions: Callable[[Any], Contributions]) -> Contributions:
    total: Contributions = {}
    for s in states.values():
        merge_into(total, contributions(s))
    return {k: v for k, v in total.items() if any(v.values())}


def test_incremental_deltas_equal_a_recount() -> None:
    rnd = random.Random(7)
    facts: list[tuple[str, Any]] = []
    for d in range(25):
        code = f"D{d}"
        facts.append((f"{code}-s", submitted(code=code, province_code=rnd.choice(["01", "79"]))))
        for seq in range(rnd.randint(0, 4)):
            facts.append((f"{code}-{seq}", status(seq, rnd.choice(STATUS_CODES[1:]), code=code)))
    rnd.shuffle(facts)
    states: dict[str, DossierState] = {}
    running: Contributions = {}
    for event_id, data in facts:
        old = states.get(data.dossier_code, DossierState(data.dossier_code))
        new, _ = fold_dossier(old, event_id, data)
        merge_into(running, delta(dossier_contributions(old), dossier_contributions(new)))
        states[data.dossier_code] = new
    assert {k: v for k, v in running.items() if any(v.values())} == _recount(states, dossier_contributions)


def test_sms_receipt_before_send_and_payments_take_the_dossier_province() -> None:
    sent = SmsSentV1(
        message_id="m1", dossier_code="D1", phone_masked="09******78", template="t", encoding="UCS-2", segments=3,
        provider="viettel", sent_at=T0, trigger_event_id="x",
    )  # fmt: skip
    delivered = SmsDeliveredV1(message_id="m1", phone_masked="09******78", provider="vnpt", delivered_at=T0)
    failed = SmsFailedV1(
        message_id="m1",
        phone_masked="09******78",
        template="t",
        status="temporary-failure",
        reason="x",
        failed_at=T0,
    )
    orders = {
        resolve_province(_fold(SmsState("m1"), fold_sms, o), ("79", None))
        for o in itertools.permutations([sent, delivered, failed])
    }
    assert len(orders) == 1
    (s,) = orders
    assert s.provider == "viettel" and s.segments == 3 and s.province_code == "79"
    assert sms_contributions(s)[("agg_sms_total", ("79", "viettel", ""))] == {
        "sent": 1,
        "segments": 3,
        "delivered": 1,
        "failed": 1,
    }

    paid = FeePaidV1(
        payment_id="pay1",
        dossier_code="D1",
        amount_vnd=135_000,
        provider="vnpay",
        provider_txn_id="1",
        paid_at=T0,
    )
    pay = resolve_province(fold_payment(PaymentState("pay1"), paid), ("01", None))
    again = fold_payment(pay, paid)  # a repeat of the same payment counts once
    assert payment_contributions(again) == {
        ("agg_payments", (date(2026, 11, 2), "01", "vnpay", "dossier_fee", "")): {
            "count": 1,
            "amount_vnd": 135_000,
        },
        ("agg_payments_total", ("01", "vnpay", "dossier_fee", "")): {"count": 1, "amount_vnd": 135_000},
    }


def test_fines_issued_and_settled_in_any_order() -> None:
    issued = FineIssuedV1(
        decision_no="QD1", record_no="BB1", violation_date=date(2026, 10, 1), offender_name="Phạm Văn Đức",
        plate="30A-999.99", amount=2_000_000, issuing_unit="CSGT Hà Nội", province_code="01", decided_at=T0,
    )  # fmt: skip
    settled = FineSettledV1(
        decision_no="QD1", record_no="BB1", payment_id="p", amount_due=2_000_000, amount_paid=2_000_000,
        province_code="01", channel="online", settled_at=T0 + timedelta(days=3),
    )  # fmt: skip
    a = _fold(FineState("QD1"), fold_fine, [issued, settled])
    b = _fold(FineState("QD1"), fold_fine, [settled, issued])
    assert a == b
    assert fine_contributions(a)[("agg_fines_total", ("01", ""))] == {
        "issued": 1, "issued_vnd": 2_000_000, "settled": 1, "settled_online": 1, "paid_vnd": 2_000_000,
    }  # fmt: skip


def test_newest_procedure_version_wins() -> None:
    def published(version: int, saving: int) -> ProcedurePublishedV1:
        return ProcedurePublishedV1(
            code="P1", version=version, name=f"v{version}", sector="HO-TICH", agency_code="UBND-XA",
            agency_name="Ủy ban nhân dân cấp xã", level="commune", service_level=4, fee={"kind": "free"},
            processing_days=3, social_saving_vnd=saving, published_at=T0,
        )  # fmt: skip

    retired = ProcedureRetiredV1(code="P1", version=2, retired_at=T0)
    for order in itertools.permutations([published(1, 10), published(2, 20), retired]):
        s = _fold(ProcedureState("P1"), fold_procedure, order)
        assert (s.version, s.social_saving_vnd, s.retired_version) == (2, 20, 2)


def test_dead_letter_headers() -> None:
    row = dead_letter_row(
        3, 17, b"key",
        [("dvc_reason", b"malformed_json"), ("dvc_original_topic", b"fee-paid"), ("dvc_original_offset", b"None"),
         ("dvc_rejected_by", b"payment"), ("dvc_rejected_at", b"2026-11-02T01:30:00+00:00"), ("x", None)],
    )  # fmt: skip
    assert row["dl_partition"] == 3 and row["dl_offset"] == 17 and row["original_offset"] is None
    assert (row["reason"], row["original_topic"], row["rejected_by"]) == (
        "malformed_json",
        "fee-paid",
        "payment",
    )
    assert row["rejected_at"] == T0 and row["record_key"] == "key"
    assert dead_letter_row(0, 0, None, [])["reason"] == "unknown"


def test_vn_day_boundary() -> None:
    assert vn_date(datetime(2026, 11, 1, 16, 59, tzinfo=UTC)) == date(2026, 11, 1)
    assert vn_date(datetime(2026, 11, 1, 17, 0, tzinfo=UTC)) == date(2026, 11, 2)


def _fold(state: Any, fold: Callable[[Any, Any], Any], items: Sequence[Any]) -> Any:
    for item in items:
        state = fold(state, item)
    return state


def test_evolve_matches_dataclasses_replace_and_refuses_unknown_fields() -> None:
    import dataclasses

    s = DossierState(code="01-X")
    changed = evolve(s, status="received", sequence=3)
    assert changed == dataclasses.replace(s, status="received", sequence=3)
    assert s.status is None and changed is not s, "the original is untouched"
    with pytest.raises(TypeError, match="no field"):
        evolve(s, statuss="received")
    with pytest.raises(dataclasses.FrozenInstanceError):
        changed.status = "x"  # type: ignore[misc]
