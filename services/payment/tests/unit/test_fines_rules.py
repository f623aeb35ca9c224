"""Fine rules: name matching (case, spaces, diacritics), the early-payment discount, what the police may send."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from dvc_contracts.clock import VN_TZ
from dvc_payment.domain.fines import DiscountRule, FineRejected, check_fine, names_match, record_key

ICT = VN_TZ  # Indochina Time, UTC+7


@pytest.mark.parametrize(
    "given",
    [
        "Nguyễn Văn An",
        "nguyen  van AN",
        "  NGUYỄN   VĂN   AN ",
        "nguyen van an",
        "Nguyê\u0303n Văn An",  # decomposed (NFD) input from some keyboards
        "Nguyễn\tVăn\nAn",
    ],
)
def test_the_name_matches_ignoring_case_spaces_and_diacritics(given: str) -> None:
    assert names_match(given, "Nguyễn Văn An")


@pytest.mark.parametrize("given", ["Nguyễn Văn Anh", "Nguyễn Văn", "Văn An Nguyễn", "Trần Văn An", "", "   "])
def test_another_name_never_matches(given: str) -> None:
    assert not names_match(given, "Nguyễn Văn An")


def test_d_with_stroke_folds_to_d() -> None:
    assert names_match("dang thi dung", "Đặng Thị Dung")
    assert names_match("ĐẶNG THỊ DUNG", "đặng thị dung")


def test_record_numbers_compare_without_spaces_and_case() -> None:
    assert record_key(" 12345/bb ") == record_key("12345/BB")
    assert record_key("HN 0012") == "HN0012"


DECIDED = datetime(2026, 11, 1, 10, 0, tzinfo=ICT)


def test_discount_within_the_window_is_applied_and_shown() -> None:
    rule = DiscountRule(percent=10, days=15)
    q = rule.quote(4_000_000, DECIDED, datetime(2026, 11, 10, 9, 0, tzinfo=ICT))
    assert (q.amount, q.discount_vnd, q.amount_due, q.discount_percent) == (4_000_000, 400_000, 3_600_000, 10)
    assert q.discount_until == date(2026, 11, 16)


def test_the_last_day_counts_in_vietnam_time() -> None:
    rule = DiscountRule(percent=10, days=15)
    # 23:30 on the 16th in Hà Nội is 16:30 UTC: still the last day.
    assert rule.quote(1_000_000, DECIDED, datetime(2026, 11, 16, 16, 30, tzinfo=UTC)).discount_vnd == 100_000
    # 00:30 on the 17th in Hà Nội is 17:30 UTC on the 16th: too late.
    assert rule.quote(1_000_000, DECIDED, datetime(2026, 11, 16, 17, 30, tzinfo=UTC)).discount_vnd == 0


def test_after_the_window_the_full_amount_is_due() -> None:
    q = DiscountRule(percent=10, days=15).quote(800_000, DECIDED, datetime(2026, 12, 1, tzinfo=ICT))
    assert (q.discount_vnd, q.amount_due, q.discount_percent) == (0, 800_000, 0)
    assert q.discount_until == date(2026, 11, 16)


def test_no_discount_when_disabled_and_discounts_round_down_to_whole_dong() -> None:
    q = DiscountRule(percent=0, days=15).quote(800_000, DECIDED, DECIDED)
    assert (q.discount_vnd, q.amount_due, q.discount_until) == (0, 800_000, None)
    assert DiscountRule(percent=7, days=1).quote(150_001, DECIDED, DECIDED).discount_vnd == 10_500


def test_invalid_rules_are_refused() -> None:
    with pytest.raises(ValueError):
        DiscountRule(percent=101)
    with pytest.raises(ValueError):
        DiscountRule(days=-1)


def _check(**overrides: object) -> None:
    values: dict[str, object] = {
        "record_no": "BB-000987",
        "offender_name": "Lê Thị Ánh",
        "amount": 4_000_000,
        "violation_date": date(2026, 10, 30),
        "decided_at": DECIDED,
        "now": DECIDED + timedelta(days=1),
    } | overrides
    check_fine(**values)  # type: ignore[arg-type]


def test_a_good_decision_passes() -> None:
    _check()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": 0}, "amount"),
        ({"offender_name": "  "}, "offender_name"),
        ({"record_no": " "}, "record_no"),
        ({"violation_date": date(2026, 11, 2)}, "violation_date"),
        ({"decided_at": DECIDED + timedelta(days=3)}, "decided_at"),
    ],
)
def test_bad_decisions_are_rejected_naming_the_field(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(FineRejected) as info:
        _check(**overrides)
    assert info.value.reason == "invalid_fine"
    assert info.value.message.startswith(field)
