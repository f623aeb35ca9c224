"""Dossiers and today's 34 provinces: fees by today's unit; readers of a province see the dossiers filed
before 1 July 2025 under the provinces merged into it."""

from __future__ import annotations

from types import SimpleNamespace

from dvc_dossier.domain.sagas import assess_fee
from dvc_dossier.entrypoints.http import _may_read
from dvckit.auth.jwt import Principal

RULE = {
    "kind": "rule",
    "rule": {
        "type": "percent_of_value",
        "value_field": "vehicle_value_vnd",
        "percent": 10,
        "percent_by_province": {"79": 5},
    },
}


def test_a_former_provinces_dossier_pays_the_rate_of_the_province_it_is_part_of_today() -> None:
    value = {"vehicle_value_vnd": 100_000_000}
    assert assess_fee(RULE, value, "79") == assess_fee(RULE, value, "74") == 5_000_000  # Bình Dương → HCM
    assert assess_fee(RULE, value, "01") == 10_000_000


def test_a_province_reader_sees_the_dossiers_of_the_provinces_merged_into_it() -> None:
    filed_in_binh_duong = SimpleNamespace(owner_sub="c", province_code="74", agency_code="SO-TP")
    hcm_operator = Principal(sub="op", role="operator", province="79")
    ha_noi_operator = Principal(sub="op", role="operator", province="01")
    assert _may_read(hcm_operator, filed_in_binh_duong)
    assert not _may_read(ha_noi_operator, filed_in_binh_duong)
