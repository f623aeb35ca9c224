"""The administrative units: 34 today, 63 before 1 July 2025, and every former one inside exactly one current one."""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from datetime import date
from importlib import resources

import pytest

from dvc_contracts import units
from dvc_contracts.units import CURRENT, CURRENT_BY_CODE, FORMER, FORMER_BY_CODE, REFORM_DAY


def test_34_current_units_and_63_former_ones_with_unique_two_digit_codes() -> None:
    assert len(CURRENT) == 34 and len(FORMER) == 63
    for edition in (CURRENT, FORMER):
        codes = [u.code for u in edition]
        assert len(set(codes)) == len(codes)
        assert all(len(c) == 2 and c.isdigit() for c in codes)
        assert codes == sorted(codes)
    assert sum(u.kind == "city" for u in CURRENT) == 6  # Hà Nội, Huế, Hải Phòng, Đà Nẵng, TP.HCM, Cần Thơ
    assert sum(u.kind == "city" for u in FORMER) == 6


def test_every_former_unit_maps_to_exactly_one_current_unit_and_every_current_one_is_covered() -> None:
    assert {u.code for u in FORMER if u.now in CURRENT_BY_CODE} == set(FORMER_BY_CODE)
    # the two directions of the mapping agree: formed_from is exactly the former units that now point at it
    for unit in CURRENT:
        assert unit.formed_from == tuple(f.code for f in FORMER if f.now == unit.code)
    # 11 kept as they were, 17 pairs, 6 of three (Phú Thọ, Ninh Bình, Lâm Đồng, TP.HCM, Vĩnh Long, Cần Thơ)
    assert Counter(len(u.formed_from) for u in CURRENT) == {1: 11, 2: 17, 3: 6}
    assert sum(len(u.formed_from) for u in CURRENT) == 63


def test_each_current_code_is_the_code_of_one_of_the_units_it_was_formed_from() -> None:
    for unit in CURRENT:
        assert unit.code in unit.formed_from
    assert all(units.current_of(units.current_of(c)) == units.current_of(c) for c in FORMER_BY_CODE)


@pytest.mark.parametrize(
    ("former", "now", "now_name"),
    [
        ("02", "08", "Tuyên Quang"),  # Hà Giang
        ("27", "24", "Bắc Ninh"),  # Bắc Ninh (cũ) into Bắc Giang's code
        ("24", "24", "Bắc Ninh"),  # Bắc Giang: its code is Bắc Ninh's now
        ("30", "31", "Hải Phòng"),  # Hải Dương
        ("49", "48", "Đà Nẵng"),  # Quảng Nam
        ("62", "51", "Quảng Ngãi"),  # Kon Tum
        ("74", "79", "TP. Hồ Chí Minh"),  # Bình Dương
        ("77", "79", "TP. Hồ Chí Minh"),  # Bà Rịa - Vũng Tàu
        ("94", "92", "Cần Thơ"),  # Sóc Trăng
        ("01", "01", "Hà Nội"),  # not merged
    ],
)
def test_the_mapping_of_resolution_202(former: str, now: str, now_name: str) -> None:
    assert units.current_of(former) == now
    assert CURRENT_BY_CODE[now].name == now_name


def test_a_code_is_read_with_the_day_it_was_used() -> None:
    before, after = date(2024, 12, 31), REFORM_DAY
    assert units.place("24", before) == ("24", "24"), "in 2024, 24 was Bắc Giang"
    assert units.place("24", after) == ("24", None), "since 1 July 2025, 24 is Bắc Ninh: not one former unit"
    assert units.place("27", after) == ("24", "27"), "a retired code is the former unit whatever the day"
    assert units.place("27", None) == ("24", "27")
    assert units.place("01", date(2025, 6, 30)) == ("01", "01")
    assert units.place("99", before) == ("99", "99"), "an unknown code is kept, never guessed"
    assert units.place(None, before) == (None, None)


def test_names_have_their_vietnamese_diacritics_and_both_editions_name_a_code() -> None:
    for unit in (*CURRENT, *FORMER):
        assert unit.name == unicodedata.normalize("NFC", unit.name)
        assert unit.full_name.startswith(("Tỉnh ", "Thành phố "))
    assert units.name("17", "2024") == "Hòa Bình"  # the current spelling (not "Hoà")
    assert units.name("46", "2024") == "Huế" and units.name("79") == "TP. Hồ Chí Minh"
    assert units.name("24") == "Bắc Ninh" and units.name("24", "2024") == "Bắc Giang"
    assert units.name("15") == "Lào Cai" and units.name("15", "2024") == "Yên Bái"
    assert units.name(None) == "Chưa xác định" and units.name("99") == "99"


def test_a_retired_code_is_refused_with_a_message_naming_its_current_province() -> None:
    assert units.check_current("24") is None
    assert units.check_current("30") == (
        "Mã 30 (tỉnh Hải Dương cũ) không còn dùng từ ngày 01/07/2025: địa bàn này nay thuộc "
        "thành phố Hải Phòng, mã 31."
    )
    assert "tỉnh Bắc Ninh, mã 24" in (units.check_current("27") or "")
    assert "không có trong danh mục 34 tỉnh" in (units.check_current("03") or "")
    assert units.RETIRED_CODES == frozenset(FORMER_BY_CODE) - frozenset(CURRENT_BY_CODE)
    assert len(units.RETIRED_CODES) == 29


def test_population_only_where_the_resolution_states_it_and_the_sources_are_named() -> None:
    merged = [u for u in CURRENT if len(u.formed_from) > 1]
    assert all(u.population and u.population > 100_000 for u in merged)
    assert all(u.population is None for u in CURRENT if len(u.formed_from) == 1)
    assert CURRENT_BY_CODE["79"].population == 14_002_598
    assert "202/2025/QH15" in units.SOURCE["population"] and "vietnam-provinces" in units.SOURCE["units"]


def test_the_data_file_ships_inside_the_package() -> None:
    text = resources.files("dvc_contracts").joinpath("data", "admin_units.json").read_text("utf-8")
    assert json.loads(text)["effective"] == REFORM_DAY.isoformat()
