"""Reference data: agencies, sectors, and the provinces of dvc_contracts.units."""

from __future__ import annotations

import pytest

from dvc_catalog.domain.reference import (
    AGENCIES,
    AGENCY_BY_CODE,
    CODE_PATTERN,
    PROVINCE_BY_CODE,
    PROVINCE_CODES,
    SECTOR_BY_CODE,
    SECTORS,
    check_reference_data,
)
from dvc_contracts import units


def test_provinces_are_todays_34_from_the_one_reference() -> None:
    assert PROVINCE_BY_CODE is units.CURRENT_BY_CODE and len(PROVINCE_CODES) == 34
    assert (
        PROVINCE_BY_CODE["24"].name == "Bắc Ninh"
        and PROVINCE_BY_CODE["79"].full_name == "Thành phố Hồ Chí Minh"
    )
    assert "27" not in PROVINCE_CODES and "02" not in PROVINCE_CODES  # former units: Bắc Ninh (cũ), Hà Giang


def test_required_agencies() -> None:
    expected = {
        "VPCP": "Văn phòng Chính phủ",
        "BCA": "Bộ Công an",
        "BCA-CSGT": "Cục Cảnh sát giao thông",
        "BTC": "Bộ Tài chính",
        "BTC-TCT": "Tổng cục Thuế",
        "BTC-KBNN": "Kho bạc Nhà nước",
        "BGTVT": "Bộ Giao thông vận tải",
        "BGTVT-TCDBVN": "Tổng cục Đường bộ Việt Nam",
        "BTP": "Bộ Tư pháp",
        "BHXH": "Bảo hiểm xã hội Việt Nam",
        "BYT": "Bộ Y tế",
        "BKHDT": "Bộ Kế hoạch và Đầu tư",
        "BLDTBXH": "Bộ Lao động - Thương binh và Xã hội",
        "BCT": "Bộ Công Thương",
        "EVN": "Tập đoàn Điện lực Việt Nam",
        "NHCSXH": "Ngân hàng Chính sách xã hội",
        "BGDDT": "Bộ Giáo dục và Đào tạo",
        "TANDTC": "Tòa án nhân dân tối cao",
        "BTTTT": "Bộ Thông tin và Truyền thông",
    }
    for code, name in expected.items():
        assert AGENCY_BY_CODE[code].name == name
    assert AGENCY_BY_CODE["BCA-CSGT"].parent_code == "BCA"
    assert AGENCY_BY_CODE["BTC-TCT"].parent_code == "BTC"
    assert AGENCY_BY_CODE["BGTVT-TCDBVN"].parent_code == "BGTVT"
    assert AGENCY_BY_CODE["EVN"].kind == "enterprise"
    assert AGENCY_BY_CODE["BCA"].kind == "ministry"
    assert AGENCY_BY_CODE["SO-TP"].kind == "province_department"


def test_agency_codes_are_ascii_upper_hyphenated_and_parents_exist() -> None:
    assert len({a.code for a in AGENCIES}) == len(AGENCIES)
    for a in AGENCIES:
        assert CODE_PATTERN.match(a.code), a.code
        assert a.kind in {"ministry", "agency", "province_department", "enterprise"}
        assert a.parent_code is None or a.parent_code in AGENCY_BY_CODE


def test_sectors() -> None:
    assert len({s.code for s in SECTORS}) == len(SECTORS)
    names = {s.name.lower() for s in SECTORS}
    for wanted in (
        "giao thông vận tải",
        "đường bộ",
        "thuế",
        "tư pháp",
        "hộ tịch",
        "bảo hiểm xã hội",
        "bảo hiểm y tế",
        "đăng ký kinh doanh",
        "điện lực",
        "công thương",
        "y tế",
        "xử lý vi phạm hành chính",
    ):
        assert wanted in names, wanted
    assert any(name.startswith("lao động") for name in names)
    for s in SECTORS:
        assert CODE_PATTERN.match(s.code), s.code
        assert s.ministry_code in AGENCY_BY_CODE
    assert SECTOR_BY_CODE["HO-TICH"].name == "Hộ tịch"


def test_tables_are_consistent_and_read_only() -> None:
    check_reference_data()
    with pytest.raises(TypeError):
        PROVINCE_BY_CODE["99"] = units.CURRENT[0]  # type: ignore[index]
    with pytest.raises(AttributeError):
        units.CURRENT[0].name = "x"  # type: ignore[misc]
