"""Reference data: provinces, agencies, sectors."""

from __future__ import annotations

import pytest

from dvc_catalog.domain.reference import (
    AGENCIES,
    AGENCY_BY_CODE,
    CODE_PATTERN,
    PROVINCE_BY_CODE,
    PROVINCES,
    SECTOR_BY_CODE,
    SECTORS,
    check_reference_data,
)


def test_exactly_63_provinces_with_unique_codes() -> None:
    assert len(PROVINCES) == 63
    assert len({p.code for p in PROVINCES}) == 63
    assert len({p.slug for p in PROVINCES}) == 63
    assert len({p.name for p in PROVINCES}) == 63
    assert all(len(p.code) == 2 and p.code.isdigit() for p in PROVINCES)
    assert [p.code for p in PROVINCES] == sorted(p.code for p in PROVINCES)


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("01", "Hà Nội"),
        ("79", "TP. Hồ Chí Minh"),
        ("48", "Đà Nẵng"),
        ("31", "Hải Phòng"),
        ("92", "Cần Thơ"),
        ("46", "Thừa Thiên Huế"),
        ("77", "Bà Rịa - Vũng Tàu"),
        ("96", "Cà Mau"),
        ("02", "Hà Giang"),
    ],
)
def test_known_official_codes(code: str, name: str) -> None:
    assert PROVINCE_BY_CODE[code].name == name


def test_five_centrally_run_cities_and_full_names() -> None:
    cities = sorted(p.code for p in PROVINCES if p.kind == "city")
    assert cities == ["01", "31", "48", "79", "92"]
    assert PROVINCE_BY_CODE["79"].full_name == "Thành phố Hồ Chí Minh"
    assert PROVINCE_BY_CODE["01"].full_name == "Thành phố Hà Nội"
    assert PROVINCE_BY_CODE["02"].full_name == "Tỉnh Hà Giang"


def test_regions() -> None:
    counts = {r: sum(1 for p in PROVINCES if p.region == r) for r in ("north", "central", "south")}
    assert counts == {"north": 25, "central": 19, "south": 19}
    assert PROVINCE_BY_CODE["38"].region == "central"  # Thanh Hóa
    assert PROVINCE_BY_CODE["70"].region == "south"  # Bình Phước


def test_slugs_are_ascii() -> None:
    for p in PROVINCES:
        assert p.slug.isascii() and p.slug == p.slug.lower(), p
    assert PROVINCE_BY_CODE["79"].slug == "ho-chi-minh"
    assert PROVINCE_BY_CODE["66"].slug == "dak-lak"


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
        PROVINCE_BY_CODE["99"] = PROVINCES[0]  # type: ignore[index]
    with pytest.raises(AttributeError):
        PROVINCES[0].name = "x"  # type: ignore[misc]
