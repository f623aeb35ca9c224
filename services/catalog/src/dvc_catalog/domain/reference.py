"""Reference data for the catalog: provinces, agencies and sectors (pure data, no I/O).

Provinces are the 63 provinces and centrally-run cities that existed from 1 August 2008 (Hà Tây merged into
Hà Nội) until the 2025 reorganisation, i.e. the "63/63 địa phương" the seeds talk about. Their codes are the
official 2-digit administrative codes of the national list of administrative units (Quyết định 124/2004/QĐ-TTg
and its amendments): stable, never reused, and what the agencies' one-stop systems already send.

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

Region = Literal["north", "central", "south"]
ProvinceKind = Literal["city", "province"]
AgencyKind = Literal["ministry", "agency", "province_department", "enterprise"]

CODE_PATTERN: Final = re.compile(r"^[A-Z0-9]+(?:-[A-Z0-9]+)*$")
PROVINCE_CODE_PATTERN: Final = re.compile(r"^[0-9]{2}$")
SLUG_PATTERN: Final = re.compile(r"^[a-z]+(?:-[a-z]+)*$")


@dataclass(frozen=True, slots=True)
class Province:
    """A province or centrally-run city (tỉnh / thành phố trực thuộc trung ương)."""

    code: str  # official 2-digit code, e.g. "01"
    name: str  # common Vietnamese name, e.g. "Hà Nội", "TP. Hồ Chí Minh"
    slug: str  # ASCII slug, e.g. "ha-noi"
    region: Region
    kind: ProvinceKind = "province"

    @property
    def full_name(self) -> str:
        """Official style: "Thành phố Hà Nội", "Tỉnh Hà Giang"."""
        if self.kind == "city":
            return "Thành phố " + self.name.removeprefix("TP. ")
        return "Tỉnh " + self.name


def _p(code: str, name: str, slug: str, region: Region, kind: ProvinceKind = "province") -> Province:
    return Province(code=code, name=name, slug=slug, region=region, kind=kind)


# Regions follow the usual three-way split: north = Northern midlands and mountains + Red River Delta (01–37);
# central = North Central Coast, South Central Coast and Central Highlands (38–68); south = Southeast and the
# Mekong Delta (70–96).
PROVINCES: Final[tuple[Province, ...]] = (
    # Miền Bắc
    _p("01", "Hà Nội", "ha-noi", "north", "city"),
    _p("02", "Hà Giang", "ha-giang", "north"),
    _p("04", "Cao Bằng", "cao-bang", "north"),
    _p("06", "Bắc Kạn", "bac-kan", "north"),
    _p("08", "Tuyên Quang", "tuyen-quang", "north"),
    _p("10", "Lào Cai", "lao-cai", "north"),
    _p("11", "Điện Biên", "dien-bien", "north"),
    _p("12", "Lai Châu", "lai-chau", "north"),
    _p("14", "Sơn La", "son-la", "north"),
    _p("15", "Yên Bái", "yen-bai", "north"),
    _p("17", "Hòa Bình", "hoa-binh", "north"),
    _p("19", "Thái Nguyên", "thai-nguyen", "north"),
    _p("20", "Lạng Sơn", "lang-son", "north"),
    _p("22", "Quảng Ninh", "quang-ninh", "north"),
    _p("24", "Bắc Giang", "bac-giang", "north"),
    _p("25", "Phú Thọ", "phu-tho", "north"),
    _p("26", "Vĩnh Phúc", "vinh-phuc", "north"),
    _p("27", "Bắc Ninh", "bac-ninh", "north"),
    _p("30", "Hải Dương", "hai-duong", "north"),
    _p("31", "Hải Phòng", "hai-phong", "north", "city"),
    _p("33", "Hưng Yên", "hung-yen", "north"),
    _p("34", "Thái Bình", "thai-binh", "north"),
    _p("35", "Hà Nam", "ha-nam", "north"),
    _p("36", "Nam Định", "nam-dinh", "north"),
    _p("37", "Ninh Bình", "ninh-binh", "north"),
    # Miền Trung và Tây Nguyên
    _p("38", "Thanh Hóa", "thanh-hoa", "central"),
    _p("40", "Nghệ An", "nghe-an", "central"),
    _p("42", "Hà Tĩnh", "ha-tinh", "central"),
    _p("44", "Quảng Bình", "quang-binh", "central"),
    _p("45", "Quảng Trị", "quang-tri", "central"),
    _p("46", "Thừa Thiên Huế", "thua-thien-hue", "central"),
    _p("48", "Đà Nẵng", "da-nang", "central", "city"),
    _p("49", "Quảng Nam", "quang-nam", "central"),
    _p("51", "Quảng Ngãi", "quang-ngai", "central"),
    _p("52", "Bình Định", "binh-dinh", "central"),
    _p("54", "Phú Yên", "phu-yen", "central"),
    _p("56", "Khánh Hòa", "khanh-hoa", "central"),
    _p("58", "Ninh Thuận", "ninh-thuan", "central"),
    _p("60", "Bình Thuận", "binh-thuan", "central"),
    _p("62", "Kon Tum", "kon-tum", "central"),
    _p("64", "Gia Lai", "gia-lai", "central"),
    _p("66", "Đắk Lắk", "dak-lak", "central"),
    _p("67", "Đắk Nông", "dak-nong", "central"),
    _p("68", "Lâm Đồng", "lam-dong", "central"),
    # Miền Nam
    _p("70", "Bình Phước", "binh-phuoc", "south"),
    _p("72", "Tây Ninh", "tay-ninh", "south"),
    _p("74", "Bình Dương", "binh-duong", "south"),
    _p("75", "Đồng Nai", "dong-nai", "south"),
    _p("77", "Bà Rịa - Vũng Tàu", "ba-ria-vung-tau", "south"),
    _p("79", "TP. Hồ Chí Minh", "ho-chi-minh", "south", "city"),
    _p("80", "Long An", "long-an", "south"),
    _p("82", "Tiền Giang", "tien-giang", "south"),
    _p("83", "Bến Tre", "ben-tre", "south"),
    _p("84", "Trà Vinh", "tra-vinh", "south"),
    _p("86", "Vĩnh Long", "vinh-long", "south"),
    _p("87", "Đồng Tháp", "dong-thap", "south"),
    _p("89", "An Giang", "an-giang", "south"),
    _p("91", "Kiên Giang", "kien-giang", "south"),
    _p("92", "Cần Thơ", "can-tho", "south", "city"),
    _p("93", "Hậu Giang", "hau-giang", "south"),
    _p("94", "Sóc Trăng", "soc-trang", "south"),
    _p("95", "Bạc Liêu", "bac-lieu", "south"),
    _p("96", "Cà Mau", "ca-mau", "south"),
)

PROVINCE_BY_CODE: Final = MappingProxyType({p.code: p for p in PROVINCES})
PROVINCE_CODES: Final[frozenset[str]] = frozenset(PROVINCE_BY_CODE)


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
    """Raise ValueError if the reference tables are inconsistent: not exactly 63 provinces, duplicate or
    malformed codes, an agency whose parent is unknown, a sector whose ministry is unknown."""
    if len(PROVINCES) != 63:
        raise ValueError(f"expected 63 provinces, got {len(PROVINCES)}")
    for label, codes in (
        ("province", [p.code for p in PROVINCES]),
        ("province slug", [p.slug for p in PROVINCES]),
        ("agency", [a.code for a in AGENCIES]),
        ("sector", [s.code for s in SECTORS]),
    ):
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"duplicate {label} codes: {duplicates}")
    for p in PROVINCES:
        if not PROVINCE_CODE_PATTERN.match(p.code) or not SLUG_PATTERN.match(p.slug):
            raise ValueError(f"malformed province {p}")
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
