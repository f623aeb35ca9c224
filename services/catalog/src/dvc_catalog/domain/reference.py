"""Reference data for the catalog: agencies and sectors (pure data, no I/O); provinces come from
``dvc_contracts.units`` (the 34 provinces and centrally-run cities since 1 July 2025, Nghị quyết 202/2025/QH15).

Agency and sector codes are this portal's own stable identifiers: ASCII, upper-case, words joined by hyphens
(``BCA-CSGT``, ``BKHDT``). Local bodies (``SO-TP``, ``UBND-XA`` …) are *types* of body that exist in every
province; the concrete office is identified by the pair (agency code, province code), which is what an agency
status event carries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal

from dvc_contracts import units

AgencyKind = Literal["ministry", "agency", "province_department", "enterprise"]

CODE_PATTERN: Final = re.compile(r"^[A-Z0-9]+(?:-[A-Z0-9]+)*$")


# Provinces are the portal's one reference, dvc_contracts.units: the 34 of today (what new procedures are offered
# in) and the 63 of before 1 July 2025, with the mapping between them.
PROVINCE_BY_CODE: Final = units.CURRENT_BY_CODE
PROVINCE_CODES: Final[frozenset[str]] = units.CURRENT_CODES


@dataclass(frozen=True, slots=True)
class Agency:
    """A ministry, an agency under a ministry or the Government, a type of local body, or a state enterprise
    integrated with the portal. ``parent_code`` is the body it belongs to (for local bodies: the ministry that
    gives professional guidance), or None."""

    code: str
    name: str
    kind: AgencyKind
    parent_code: str | None = None


def _a(code: str, name: str, kind: AgencyKind, parent_code: str | None = None) -> Agency:
    return Agency(code=code, name=name, kind=kind, parent_code=parent_code)


AGENCIES: Final[tuple[Agency, ...]] = (
    # Ministries and ministerial-level bodies (as organised 2016–2025).
    _a("VPCP", "Văn phòng Chính phủ", "ministry"),
    _a("BQP", "Bộ Quốc phòng", "ministry"),
    _a("BCA", "Bộ Công an", "ministry"),
    _a("BNG", "Bộ Ngoại giao", "ministry"),
    _a("BNV", "Bộ Nội vụ", "ministry"),
    _a("BTP", "Bộ Tư pháp", "ministry"),
    _a("BKHDT", "Bộ Kế hoạch và Đầu tư", "ministry"),
    _a("BTC", "Bộ Tài chính", "ministry"),
    _a("BCT", "Bộ Công Thương", "ministry"),
    _a("BNNPTNT", "Bộ Nông nghiệp và Phát triển nông thôn", "ministry"),
    _a("BGTVT", "Bộ Giao thông vận tải", "ministry"),
    _a("BXD", "Bộ Xây dựng", "ministry"),
    _a("BTNMT", "Bộ Tài nguyên và Môi trường", "ministry"),
    _a("BTTTT", "Bộ Thông tin và Truyền thông", "ministry"),
    _a("BLDTBXH", "Bộ Lao động - Thương binh và Xã hội", "ministry"),
    _a("BVHTTDL", "Bộ Văn hóa, Thể thao và Du lịch", "ministry"),
    _a("BKHCN", "Bộ Khoa học và Công nghệ", "ministry"),
    _a("BGDDT", "Bộ Giáo dục và Đào tạo", "ministry"),
    _a("BYT", "Bộ Y tế", "ministry"),
    _a("UBDT", "Ủy ban Dân tộc", "ministry"),
    _a("NHNN", "Ngân hàng Nhà nước Việt Nam", "ministry"),
    _a("TTCP", "Thanh tra Chính phủ", "ministry"),
    # Agencies under a ministry, under the Government, and the judiciary.
    _a("BCA-CSGT", "Cục Cảnh sát giao thông", "agency", "BCA"),
    _a("BCA-C06", "Cục Cảnh sát quản lý hành chính về trật tự xã hội", "agency", "BCA"),
    _a("BCA-QLXNC", "Cục Quản lý xuất nhập cảnh", "agency", "BCA"),
    _a("BTC-TCT", "Tổng cục Thuế", "agency", "BTC"),
    _a("BTC-KBNN", "Kho bạc Nhà nước", "agency", "BTC"),
    _a("BTC-TCHQ", "Tổng cục Hải quan", "agency", "BTC"),
    _a("BGTVT-TCDBVN", "Tổng cục Đường bộ Việt Nam", "agency", "BGTVT"),
    _a("BGTVT-CDK", "Cục Đăng kiểm Việt Nam", "agency", "BGTVT"),
    _a("BTP-CHTQTCT", "Cục Hộ tịch, quốc tịch, chứng thực", "agency", "BTP"),
    _a("BTP-TTLLTPQG", "Trung tâm Lý lịch tư pháp quốc gia", "agency", "BTP"),
    _a("BKHDT-QLDKKD", "Cục Quản lý đăng ký kinh doanh", "agency", "BKHDT"),
    _a("BLDTBXH-CVL", "Cục Việc làm", "agency", "BLDTBXH"),
    _a("BYT-QLKCB", "Cục Quản lý Khám, chữa bệnh", "agency", "BYT"),
    _a("BCT-XTTM", "Cục Xúc tiến thương mại", "agency", "BCT"),
    _a("BCT-DTDL", "Cục Điều tiết điện lực", "agency", "BCT"),
    _a("BGDDT-QLCL", "Cục Quản lý chất lượng", "agency", "BGDDT"),
    _a("BHXH", "Bảo hiểm xã hội Việt Nam", "agency"),
    _a("TANDTC", "Tòa án nhân dân tối cao", "agency"),
    _a("TAND-TINH", "Tòa án nhân dân cấp tỉnh", "agency", "TANDTC"),
    _a("TAND-HUYEN", "Tòa án nhân dân cấp huyện", "agency", "TANDTC"),
    # Local bodies: one of each in every province (the province code identifies the concrete office).
    _a("UBND-TINH", "Ủy ban nhân dân cấp tỉnh", "province_department"),
    _a("UBND-HUYEN", "Ủy ban nhân dân cấp huyện", "province_department"),
    _a("UBND-XA", "Ủy ban nhân dân cấp xã", "province_department"),
    _a("CA-TINH", "Công an cấp tỉnh", "province_department", "BCA"),
    _a("CA-HUYEN", "Công an cấp huyện", "province_department", "BCA"),
    _a("CA-XA", "Công an cấp xã", "province_department", "BCA"),
    _a("SO-TP", "Sở Tư pháp", "province_department", "BTP"),
    _a("SO-GTVT", "Sở Giao thông vận tải", "province_department", "BGTVT"),
    _a("SO-CT", "Sở Công Thương", "province_department", "BCT"),
    _a("SO-KHDT", "Sở Kế hoạch và Đầu tư", "province_department", "BKHDT"),
    _a("SO-LDTBXH", "Sở Lao động - Thương binh và Xã hội", "province_department", "BLDTBXH"),
    _a("SO-YT", "Sở Y tế", "province_department", "BYT"),
    _a("SO-GDDT", "Sở Giáo dục và Đào tạo", "province_department", "BGDDT"),
    _a("SO-TC", "Sở Tài chính", "province_department", "BTC"),
    _a("SO-TNMT", "Sở Tài nguyên và Môi trường", "province_department", "BTNMT"),
    _a("SO-XD", "Sở Xây dựng", "province_department", "BXD"),
    _a("SO-NNPTNT", "Sở Nông nghiệp và Phát triển nông thôn", "province_department", "BNNPTNT"),
    _a("SO-TTTT", "Sở Thông tin và Truyền thông", "province_department", "BTTTT"),
    _a("SO-VHTTDL", "Sở Văn hóa, Thể thao và Du lịch", "province_department", "BVHTTDL"),
    _a("SO-KHCN", "Sở Khoa học và Công nghệ", "province_department", "BKHCN"),
    _a("SO-NV", "Sở Nội vụ", "province_department", "BNV"),
    # State enterprises and banks integrated with the portal.
    _a("EVN", "Tập đoàn Điện lực Việt Nam", "enterprise"),
    _a("EVN-HANOI", "Tổng công ty Điện lực TP Hà Nội", "enterprise", "EVN"),
    _a("EVN-HCMC", "Tổng công ty Điện lực TP Hồ Chí Minh", "enterprise", "EVN"),
    _a("EVN-NPC", "Tổng công ty Điện lực miền Bắc", "enterprise", "EVN"),
    _a("EVN-CPC", "Tổng công ty Điện lực miền Trung", "enterprise", "EVN"),
    _a("EVN-SPC", "Tổng công ty Điện lực miền Nam", "enterprise", "EVN"),
    _a("NHCSXH", "Ngân hàng Chính sách xã hội", "enterprise"),
    _a("VNPOST", "Tổng công ty Bưu điện Việt Nam", "enterprise", "BTTTT"),
)

AGENCY_BY_CODE: Final = MappingProxyType({a.code: a for a in AGENCIES})
AGENCY_CODES: Final[frozenset[str]] = frozenset(AGENCY_BY_CODE)


@dataclass(frozen=True, slots=True)
class Sector:
    """A field of administrative procedures (lĩnh vực). ``ministry_code`` is the ministry or agency that
    manages the field nationally."""

    code: str
    name: str
    ministry_code: str


def _s(code: str, name: str, ministry_code: str) -> Sector:
    return Sector(code=code, name=name, ministry_code=ministry_code)


SECTORS: Final[tuple[Sector, ...]] = (
    _s("GTVT", "Giao thông vận tải", "BGTVT"),
    _s("DUONG-BO", "Đường bộ", "BGTVT"),
    _s("DANG-KIEM", "Đăng kiểm", "BGTVT"),
    _s("DANG-KY-XE", "Đăng ký, quản lý phương tiện giao thông cơ giới đường bộ", "BCA"),
    _s("XLVPHC", "Xử lý vi phạm hành chính", "BCA"),
    _s("CU-TRU", "Đăng ký, quản lý cư trú", "BCA"),
    _s("XUAT-NHAP-CANH", "Quản lý xuất nhập cảnh", "BCA"),
    _s("TAI-CHINH", "Tài chính", "BTC"),
    _s("THUE", "Thuế", "BTC"),
    _s("PHI-LE-PHI", "Phí, lệ phí", "BTC"),
    _s("HAI-QUAN", "Hải quan", "BTC"),
    _s("KHO-BAC", "Kho bạc nhà nước", "BTC"),
    _s("TU-PHAP", "Tư pháp", "BTP"),
    _s("HO-TICH", "Hộ tịch", "BTP"),
    _s("CHUNG-THUC", "Chứng thực", "BTP"),
    _s("LY-LICH-TU-PHAP", "Lý lịch tư pháp", "BTP"),
    _s("CONG-CHUNG", "Công chứng", "BTP"),
    _s("BHXH", "Bảo hiểm xã hội", "BHXH"),
    _s("BHYT", "Bảo hiểm y tế", "BHXH"),
    _s("BHTN", "Bảo hiểm thất nghiệp", "BLDTBXH"),
    _s("LAO-DONG", "Lao động, tiền lương", "BLDTBXH"),
    _s("VIEC-LAM", "Việc làm", "BLDTBXH"),
    _s("NGUOI-CO-CONG", "Người có công", "BLDTBXH"),
    _s("BAO-TRO-XA-HOI", "Bảo trợ xã hội", "BLDTBXH"),
    _s("DKKD", "Đăng ký kinh doanh", "BKHDT"),
    _s("DAU-TU", "Đầu tư tại Việt Nam", "BKHDT"),
    _s("DIEN-LUC", "Điện lực", "BCT"),
    _s("CONG-THUONG", "Công thương", "BCT"),
    _s("XUC-TIEN-THUONG-MAI", "Xúc tiến thương mại", "BCT"),
    _s("Y-TE", "Y tế", "BYT"),
    _s("KHAM-CHUA-BENH", "Khám bệnh, chữa bệnh", "BYT"),
    _s("DUOC-PHAM", "Dược phẩm", "BYT"),
    _s("AN-TOAN-THUC-PHAM", "An toàn thực phẩm", "BYT"),
    _s("GIAO-DUC", "Giáo dục và Đào tạo", "BGDDT"),
    _s("THI-TUYEN-SINH", "Thi, tuyển sinh", "BGDDT"),
    _s("TOA-AN", "Tòa án", "TANDTC"),
    _s("TIN-DUNG-CHINH-SACH", "Tín dụng chính sách", "NHNN"),
    _s("DAT-DAI", "Đất đai", "BTNMT"),
    _s("MOI-TRUONG", "Môi trường", "BTNMT"),
    _s("XAY-DUNG", "Xây dựng", "BXD"),
    _s("NONG-NGHIEP", "Nông nghiệp", "BNNPTNT"),
    _s("BUU-CHINH-VIEN-THONG", "Bưu chính, viễn thông", "BTTTT"),
    _s("BAO-CHI-XUAT-BAN", "Báo chí, xuất bản", "BTTTT"),
    _s("VAN-HOA-DU-LICH", "Văn hóa, du lịch", "BVHTTDL"),
    _s("KHOA-HOC-CONG-NGHE", "Khoa học và công nghệ", "BKHCN"),
    _s("NOI-VU", "Nội vụ", "BNV"),
)

SECTOR_BY_CODE: Final = MappingProxyType({s.code: s for s in SECTORS})
SECTOR_CODES: Final[frozenset[str]] = frozenset(SECTOR_BY_CODE)


def check_reference_data() -> None:
    """Raise ValueError if the reference tables are inconsistent: duplicate or malformed codes, an agency whose
    parent is unknown, a sector whose ministry is unknown."""
    for label, codes in (
        ("agency", [a.code for a in AGENCIES]),
        ("sector", [s.code for s in SECTORS]),
    ):
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"duplicate {label} codes: {duplicates}")
    for a in AGENCIES:
        if not CODE_PATTERN.match(a.code):
            raise ValueError(f"malformed agency code {a.code!r}")
        if a.parent_code is not None and a.parent_code not in AGENCY_BY_CODE:
            raise ValueError(f"agency {a.code} has unknown parent {a.parent_code}")
    for s in SECTORS:
        if not CODE_PATTERN.match(s.code):
            raise ValueError(f"malformed sector code {s.code!r}")
        if s.ministry_code not in AGENCY_BY_CODE:
            raise ValueError(f"sector {s.code} has unknown ministry {s.ministry_code}")


check_reference_data()
