"""The fee rule as a typed model and the one ``assess_fee`` (dvc_contracts.fees), on the seeds' real fees."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from dvc_contracts.events import ProcedureFeeV1 as EventsFee
from dvc_contracts.events import ProcedurePublishedV1
from dvc_contracts.fees import (
    RULE_TYPES,
    FeeAssessmentError,
    FineAmount,
    PercentOfValue,
    ProcedureFeeV1,
    assess_fee,
    parse_fee,
    parse_rule,
    round_vnd,
)

# The seeds' rules as the catalog publishes them (services/catalog/.../seed_procedures.py; real rates, cited there).
CAR = {  # lệ phí trước bạ ô tô ≤ 9 chỗ, Nghị định 10/2022/NĐ-CP: 10%, 12% / 11% by provincial resolution
    "kind": "rule",
    "rule": {
        "type": "percent_of_value",
        "value_field": "vehicle_value_vnd",
        "percent": 10,
        "percent_by_province": {
            "01": 12,
            "31": 12,
            "22": 12,
            "20": 12,
            "04": 12,
            "14": 12,
            "92": 12,
            "42": 11,
        },
        "min_vnd": None,
        "max_vnd": None,
    },
}
MOTORBIKE = {  # xe máy: 2%, at most 500,000,000 đồng per asset
    "kind": "rule",
    "rule": {
        "type": "percent_of_value",
        "value_field": "vehicle_value_vnd",
        "percent": 2,
        "percent_by_province": {},
        "min_vnd": None,
        "max_vnd": 500_000_000,
    },
}
LAND = {  # nhà, đất: 0.5%, at most 500,000,000 đồng
    "kind": "rule",
    "rule": {
        "type": "percent_of_value",
        "value_field": "asset_value_vnd",
        "percent": 0.5,
        "max_vnd": 500_000_000,
    },
}
COPY = {  # chứng thực bản sao, Thông tư 226/2016/TT-BTC
    "kind": "rule",
    "rule": {
        "type": "per_page",
        "count_field": "page_count",
        "copies_field": "copy_count",
        "first_pages": 2,
        "first_page_vnd": 2_000,
        "extra_page_vnd": 1_000,
        "max_per_copy_vnd": 200_000,
    },
}
VOLUNTARY = {  # BHXH tự nguyện: 22% of the chosen income, between 1,500,000 and 20 × lương cơ sở
    "kind": "rule",
    "rule": {
        "type": "contribution",
        "value_field": "monthly_income_vnd",
        "percent": 22,
        "min_base_vnd": 1_500_000,
        "max_base_vnd": 46_800_000,
        "months_field": "payment_months",
    },
}
HOUSEHOLD = {  # BHYT hộ gia đình: 4.5% of lương cơ sở, then 70/60/50/40%
    "kind": "rule",
    "rule": {
        "type": "household_health_insurance",
        "base_salary_vnd": 2_340_000,
        "percent": 4.5,
        "member_factors_percent": [100, 70, 60, 50, 40],
        "members_field": "household_member_count",
        "months_field": "payment_months",
    },
}


def test_the_seeds_real_fees() -> None:
    car = {"vehicle_value_vnd": 500_000_000}
    assert assess_fee(CAR, car, "01") == 60_000_000  # Hà Nội 12%
    assert assess_fee(CAR, car, "79") == 50_000_000  # TP. Hồ Chí Minh 10%
    assert assess_fee(CAR, car, "42") == 55_000_000  # Hà Tĩnh 11%
    assert (
        assess_fee(CAR, car | {"province_code": "31"}) == 60_000_000
    )  # the form's province without one given
    assert assess_fee(MOTORBIKE, {"vehicle_value_vnd": "30000000"}) == 600_000
    assert assess_fee(MOTORBIKE, {"vehicle_value_vnd": 30_000_000_000}) == 500_000_000  # the cap
    assert assess_fee(LAND, {"asset_value_vnd": 2_500_000_000}) == 12_500_000
    assert assess_fee(COPY, {"page_count": 5, "copy_count": 3}) == 21_000
    assert assess_fee(COPY, {"page_count": 500, "copy_count": 2}) == 400_000
    assert assess_fee(VOLUNTARY, {"monthly_income_vnd": 1_000_000, "payment_months": 3}) == 990_000
    assert assess_fee(VOLUNTARY, {"monthly_income_vnd": 5_000_000, "payment_months": 12}) == 13_200_000
    assert assess_fee(HOUSEHOLD, {"household_member_count": 1, "payment_months": 12}) == 1_263_600
    assert assess_fee(HOUSEHOLD, {"household_member_count": 3, "payment_months": 12}) == 2_906_280
    assert assess_fee({"kind": "fixed", "amount_vnd": 135_000}, {}) == 135_000
    assert assess_fee({"kind": "free"}, {}) == 0


@pytest.mark.parametrize(
    ("fee", "value", "province", "floored", "half_up"),
    [
        # x.5 đồng and above: the dossier saga's old `value * int(percent) // 100` asked for one đồng less
        (MOTORBIKE, 30_000_025, "01", 600_000, 600_001),  # 600,000.5
        (MOTORBIKE, 45_990_075, "79", 919_801, 919_802),  # 919,801.5
        (CAR, 455_000_005, "42", 50_050_000, 50_050_001),  # 11%: 50,050,000.55
        (CAR, 399_999_995, "79", 39_999_999, 40_000_000),  # 10%: 39,999,999.5
        # below x.5 both agree
        (MOTORBIKE, 30_000_020, "01", 600_000, 600_000),  # 600,000.4
        (CAR, 415_000_000, "01", 49_800_000, 49_800_000),
    ],
)
def test_half_up_to_the_dong_where_the_old_floor_differed(
    fee: dict[str, Any], value: int, province: str, floored: int, half_up: int
) -> None:
    rule = fee["rule"]
    percent = rule["percent_by_province"].get(province, rule["percent"])
    assert value * int(percent) // 100 == floored  # what the saga computed before
    assert assess_fee(fee, {"vehicle_value_vnd": value}, province) == half_up


def test_a_fractional_rate_is_exact_not_truncated() -> None:
    # the old saga's int(percent) made 0.5% nothing and 4.5% 4%
    assert assess_fee(LAND, {"asset_value_vnd": 1_000_000_001}) == 5_000_000  # 5,000,000.005
    assert assess_fee(LAND, {"asset_value_vnd": 100_000_100}) == 500_001  # 500,000.5
    assert (
        round_vnd(Decimal("0.5")) == 1 and round_vnd(Decimal("1.49")) == 1 and round_vnd(Decimal("2.5")) == 3
    )


def test_a_former_province_pays_the_rate_of_the_unit_it_is_part_of_today() -> None:
    car = {"vehicle_value_vnd": 100_000_000}
    assert assess_fee(CAR, car, "30") == assess_fee(CAR, car, "31") == 12_000_000  # Hải Dương → Hải Phòng
    assert assess_fee(CAR, car, "74") == assess_fee(CAR, car, "79") == 10_000_000  # Bình Dương → TP.HCM


def test_bounds_external_amounts_and_declared_amounts() -> None:
    floor = {"kind": "rule", "rule": {**MOTORBIKE["rule"], "min_vnd": 100_000, "max_vnd": None}}
    assert assess_fee(floor, {"vehicle_value_vnd": 1_000}) == 100_000
    fine = {"kind": "rule", "rule": {"type": "fine_amount"}}
    assert assess_fee(fine, {}) is None and assess_fee(fine, {}, external_amount_vnd=800_000) == 800_000
    bill = {"kind": "rule", "rule": {"type": "external_amount", "source": "EVN"}}
    assert assess_fee(bill, {}) is None
    tax = {"kind": "rule", "rule": {"type": "declared_amount", "value_field": "tax_amount_vnd"}}
    assert assess_fee(tax, {"tax_amount_vnd": 1_234_567}) == 1_234_567


def test_a_bare_rule_or_a_model_is_assessed_the_same() -> None:
    model = parse_fee(CAR)
    assert isinstance(model.rule, PercentOfValue)
    form = {"vehicle_value_vnd": 123_456_789}
    assert (
        assess_fee(model, form, "01")
        == assess_fee(model.rule, form, "01")
        == assess_fee(CAR["rule"], form, "01")
    )
    assert assess_fee(CAR, form, "01") == 14_814_815  # 14,814,814.68


@pytest.mark.parametrize("value", [None, "", "abc", "1e9", "١٢٣", -5, True, 1.5, 500_000_000.0])
def test_a_value_that_is_not_a_non_negative_integer_is_refused_in_vietnamese(value: object) -> None:
    with pytest.raises(FeeAssessmentError) as info:
        assess_fee(CAR, {"vehicle_value_vnd": value}, "01")
    assert info.value.field == "vehicle_value_vnd"
    assert info.value.message.startswith("vehicle_value_vnd phải là số nguyên không âm (đồng)")


def test_the_rule_is_typed_in_the_contract() -> None:
    assert EventsFee is ProcedureFeeV1  # procedure-published carries this model
    assert set(RULE_TYPES) == {
        "percent_of_value",
        "per_page",
        "contribution",
        "household_health_insurance",
        "declared_amount",
        "fine_amount",
        "external_amount",
    }
    assert isinstance(parse_rule({"type": "fine_amount"}), FineAmount)
    with pytest.raises(ValidationError):
        parse_rule({"type": "magic"})
    with pytest.raises(ValidationError):
        parse_fee({"kind": "rule", "rule": {"percent_of": "vehicle_value", "percent": 10}})
    with pytest.raises(ValidationError):  # a percent_of_value rule says which field it reads
        parse_fee({"kind": "rule", "rule": {"type": "percent_of_value", "percent": 10}})
    with pytest.raises(ValidationError):
        parse_rule({**CAR["rule"], "percent": 120})
    with pytest.raises(ValidationError):
        parse_rule({**CAR["rule"], "percent_by_province": {"Hà Nội": 12}})


def test_the_wire_form_is_unchanged() -> None:
    """The JSON on the bus stays the dict it was: integer rates stay integers, every key the seeds wrote."""
    dumped = ProcedureFeeV1.model_validate(CAR).model_dump(mode="json")
    assert dumped == CAR | {"amount_vnd": None, "description": None}
    assert dumped["rule"]["percent"] == 10 and isinstance(dumped["rule"]["percent"], int)
    half = ProcedureFeeV1.model_validate(HOUSEHOLD).model_dump(mode="json")
    assert half["rule"]["percent"] == 4.5
    snapshot = ProcedurePublishedV1.model_validate(
        {
            "code": "DKX-OTO",
            "version": 1,
            "name": "Đăng ký xe ô tô",
            "sector": "DANG-KY-XE",
            "agency_code": "BCA-CSGT",
            "agency_name": "Cục Cảnh sát giao thông",
            "level": "province",
            "service_level": 4,
            "fee": CAR,
            "processing_days": 3,
            "published_at": "2026-12-01T08:00:00+07:00",
        }
    )
    assert snapshot.fee.rule == PercentOfValue.model_validate(CAR["rule"])
