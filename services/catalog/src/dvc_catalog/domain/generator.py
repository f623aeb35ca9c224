"""A realistic synthetic procedure catalog for scale tests (the real portal lists ~3,000 online services).

``generate_catalog(n, seed)`` yields the seed procedures first, then synthetic ones built from sector profiles:
a sector, a responsible agency that exists at the chosen administrative level, a Vietnamese name made of an action
and its object ("Cấp lại giấy phép …", "Đăng ký …", "Gia hạn …"), plausible fees, statutory working days,
documents, form fields and provinces. Same ``n`` and ``seed`` → the same catalog; codes are unique (synthetic
ones use the national "N.NNNNNN" style); the levels follow ``LEVEL_WEIGHTS`` across the whole output.
Synthetic procedures carry no social-cost saving (the seeds give none) and no chained flow.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from dvc_catalog.domain.reference import AGENCY_BY_CODE
from dvc_catalog.domain.seed_procedures import LEVELS, SEED_PROCEDURES, doc
from dvc_contracts.units import CURRENT as PROVINCES

Audience = Literal["person", "org", "both"]

LEVEL_WEIGHTS: Final[Mapping[str, float]] = {
    "central": 0.15,
    "province": 0.45,
    "district": 0.25,
    "commune": 0.15,
}

_LEVEL_NAMES: Final[Mapping[str, str]] = {
    "central": "cấp trung ương",
    "province": "cấp tỉnh",
    "district": "cấp huyện",
    "commune": "cấp xã",
}
# Statutory working days typical of each level.
_PROCESSING_DAYS: Final[Mapping[str, tuple[int, ...]]] = {
    "central": (5, 7, 10, 15, 15, 20, 30),
    "province": (3, 5, 5, 7, 10, 10, 15, 20),
    "district": (2, 3, 5, 5, 7, 10, 15),
    "commune": (1, 1, 2, 3, 3, 5),
}
_PERSON_FIELDS: Final = ("applicant_name", "citizen_id", "phone")
_ORG_FIELDS: Final = ("applicant_name", "organisation_name", "tax_code", "phone")


@dataclass(frozen=True)
class _Subject:
    """The object of a procedure, the actions that make sense with it, and where it is handled (None = at every
    level / by every agency of the profile)."""

    phrase: str
    verbs: tuple[str, ...]
    audience: Audience = "both"
    levels: tuple[str, ...] | None = None
    agencies: tuple[str, ...] | None = None

    def fits(self, level: str, agencies: tuple[str, ...]) -> bool:
        if self.levels is not None and level not in self.levels:
            return False
        return self.agencies is None or any(a in self.agencies for a in agencies)


@dataclass(frozen=True)
class _Profile:
    sector: str
    agencies: Mapping[str, tuple[str, ...]]  # level -> responsible agency codes
    subjects: tuple[_Subject, ...]
    fields: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()
    fixed_fees: tuple[int, ...] = (50_000, 100_000)
    free_share: float = 0.5
    rule: Mapping[str, Any] | None = None
    rule_share: float = 0.0
    weight: int = 1
    related: tuple[str, ...] = field(default=())  # agencies that may also report status

    def subjects_at(self, level: str) -> tuple[_Subject, ...]:
        agencies = self.agencies.get(level, ())
        return tuple(s for s in self.subjects if agencies and s.fits(level, agencies))


_C: Final = ("central",)
_P: Final = ("province",)
_D: Final = ("district",)
_X: Final = ("commune",)
_CP: Final = ("central", "province")
_PD: Final = ("province", "district")
_DX: Final = ("district", "commune")


def _s(
    phrase: str,
    *verbs: str,
    audience: Audience = "both",
    levels: tuple[str, ...] | None = None,
    agencies: tuple[str, ...] | None = None,
) -> _Subject:
    return _Subject(phrase, verbs, audience, levels, agencies)


_EVN_UNITS: Final = ("EVN-NPC", "EVN-CPC", "EVN-SPC", "EVN-HANOI", "EVN-HCMC")

_PROFILES: Final[tuple[_Profile, ...]] = (
    _Profile(
        "DUONG-BO",
        {"central": ("BGTVT-TCDBVN", "BGTVT"), "province": ("SO-GTVT",), "district": ("UBND-HUYEN",)},
        (
            _s("giấy phép lái xe quốc tế", "Cấp", "Cấp lại", audience="person", levels=_P),
            _s(
                "giấy chứng nhận giáo viên dạy thực hành lái xe",
                "Cấp",
                "Cấp lại",
                audience="person",
                levels=_P,
            ),
            _s("giấy phép xe tập lái", "Cấp", "Cấp lại", audience="org", levels=_P),
            _s("giấy phép đào tạo lái xe ô tô", "Cấp", "Cấp lại", "Điều chỉnh", audience="org", levels=_P),
            _s(
                "giấy phép kinh doanh vận tải bằng xe ô tô",
                "Cấp",
                "Cấp lại",
                "Điều chỉnh",
                audience="org",
                levels=_P,
            ),
            _s("phù hiệu, biển hiệu xe ô tô kinh doanh vận tải", "Cấp", "Cấp lại", audience="org", levels=_P),
            _s("giấy phép lưu hành xe quá tải trọng, xe quá khổ giới hạn trên đường bộ", "Cấp", levels=_CP),
            _s(
                "giấy phép thi công công trình trên đường bộ đang khai thác",
                "Cấp",
                "Gia hạn",
                audience="org",
                levels=("central", "province", "district"),
            ),
            _s("giấy phép liên vận Việt Nam - Lào", "Cấp", "Cấp lại", "Gia hạn", levels=_CP),
            _s("giấy phép liên vận Việt Nam - Campuchia", "Cấp", "Gia hạn", levels=_CP),
            _s(
                "khai thác tuyến vận tải hành khách cố định bằng xe ô tô",
                "Đăng ký",
                "Điều chỉnh",
                audience="org",
                levels=_P,
            ),
            _s(
                "xây dựng công trình thiết yếu trong phạm vi bảo vệ kết cấu hạ tầng giao thông đường bộ",
                "Chấp thuận",
                audience="org",
            ),
            _s("đấu nối đường nhánh vào quốc lộ", "Chấp thuận", audience="org", levels=_CP),
        ),
        fields=("address", "licence_number", "licence_class", "plate_number", "permit_number"),
        documents=("ANH-CHAN-DUNG", "GIAY-PHEP-CU", "GIAY-DKKD", "HO-SO-NANG-LUC", "GIAY-KHAM-SK"),
        fixed_fees=(50_000, 135_000, 200_000, 500_000),
        free_share=0.3,
        weight=3,
        related=("BGTVT-TCDBVN",),
    ),
    _Profile(
        "GTVT",
        {"central": ("BGTVT",), "province": ("SO-GTVT",), "district": ("UBND-HUYEN",)},
        (
            _s("phương tiện thủy nội địa", "Đăng ký", "Đăng ký lại", "Xóa đăng ký", levels=_PD),
            _s(
                "giấy chứng nhận khả năng chuyên môn thuyền trưởng, máy trưởng",
                "Cấp",
                "Cấp lại",
                "Cấp đổi",
                audience="person",
                levels=_CP,
            ),
            _s("bến thủy nội địa", "Công bố hoạt động", "Đóng", audience="org", levels=_PD),
            _s("giấy phép hoạt động bến khách ngang sông", "Cấp", "Cấp lại", levels=_PD),
            _s("cảng thủy nội địa", "Công bố mở", "Công bố đóng", audience="org", levels=_CP),
        ),
        fields=("address", "permit_number", "asset_value_vnd"),
        documents=("GIAY-PHEP-CU", "HO-SO-NANG-LUC", "BAN-VE", "HOP-DONG"),
        fixed_fees=(40_000, 70_000, 100_000),
        free_share=0.4,
    ),
    _Profile(
        "DANG-KIEM",
        {"central": ("BGTVT-CDK",), "province": ("SO-GTVT",)},
        (
            _s(
                "giấy chứng nhận chất lượng an toàn kỹ thuật và bảo vệ môi trường xe cơ giới cải tạo",
                "Cấp",
            ),
            _s("thiết kế xe cơ giới cải tạo", "Thẩm định", audience="org"),
            _s(
                "giấy chứng nhận đủ điều kiện hoạt động kiểm định xe cơ giới",
                "Cấp",
                "Cấp lại",
                audience="org",
                levels=_C,
            ),
        ),
        fields=("plate_number", "vehicle_type", "chassis_number", "engine_number"),
        documents=("BAN-VE", "HO-SO-NANG-LUC", "GIAY-PHEP-CU"),
        fixed_fees=(50_000, 150_000, 400_000),
        free_share=0.2,
    ),
    _Profile(
        "DANG-KY-XE",
        {
            "central": ("BCA-CSGT",),
            "province": ("CA-TINH",),
            "district": ("CA-HUYEN",),
            "commune": ("CA-XA",),
        },
        (
            _s("xe mô tô, xe gắn máy", "Đăng ký sang tên", "Thu hồi đăng ký, biển số", audience="person"),
            _s(
                "xe ô tô",
                "Đăng ký sang tên",
                "Thu hồi đăng ký, biển số",
                "Đăng ký tạm thời",
                levels=("central", "province", "district"),
            ),
            _s("chứng nhận đăng ký xe, biển số xe", "Cấp đổi", "Cấp lại"),
        ),
        fields=(
            "plate_number",
            "vehicle_type",
            "vehicle_brand",
            "chassis_number",
            "engine_number",
            "address",
        ),
        documents=("GIAY-KHAI-DKX", "HOA-DON-MUA-XE", "CT-NGUON-GOC-XE"),
        fixed_fees=(50_000, 100_000, 150_000, 1_000_000),
        free_share=0.2,
        weight=2,
        related=("BCA-CSGT",),
    ),
    _Profile(
        "XLVPHC",
        {
            "central": ("BCA-CSGT",),
            "province": ("CA-TINH",),
            "district": ("UBND-HUYEN",),
            "commune": ("UBND-XA",),
        },
        (
            _s("tiền phạt vi phạm hành chính trong lĩnh vực trật tự, an toàn xã hội", "Nộp"),
            _s(
                "tiền phạt vi phạm hành chính trong lĩnh vực giao thông đường thủy nội địa",
                "Nộp",
                levels=("province", "district"),
            ),
            _s("thi hành quyết định phạt tiền", "Hoãn"),
            _s("tiền phạt vi phạm hành chính", "Giảm, miễn", levels=("central", "province", "district")),
            _s(
                "phương tiện, giấy tờ bị tạm giữ theo thủ tục hành chính",
                "Trả lại",
                levels=("province", "district", "commune"),
            ),
        ),
        fields=("record_no", "violation_date", "plate_number", "address"),
        documents=("QD-XU-PHAT", "GIAY-XAC-NHAN"),
        free_share=1.0,
        related=("BTC-KBNN",),
    ),
    _Profile(
        "CU-TRU",
        {"province": ("CA-TINH",), "district": ("CA-HUYEN",), "commune": ("CA-XA",)},
        (
            _s("thường trú", "Đăng ký", "Xóa đăng ký", audience="person", levels=_DX),
            _s("tạm trú", "Đăng ký", "Gia hạn", "Xóa đăng ký", audience="person", levels=_DX),
            _s("lưu trú", "Thông báo", levels=_DX),
            _s("tạm vắng", "Khai báo", audience="person", levels=_DX),
            _s("thông tin về cư trú", "Xác nhận", audience="person", levels=_DX),
            _s(
                "thông tin về cư trú trong Cơ sở dữ liệu về cư trú",
                "Điều chỉnh",
                audience="person",
                levels=_DX,
            ),
            _s("thẻ căn cước", "Cấp", "Cấp đổi", "Cấp lại", audience="person", levels=_PD),
            _s("giấy chứng nhận căn cước", "Cấp", audience="person", levels=_P),
        ),
        fields=("address", "date_of_birth", "relationship", "start_date", "end_date"),
        documents=("GIAY-TO-CU-TRU", "HOP-DONG", "GIAY-XAC-NHAN"),
        fixed_fees=(10_000, 15_000, 20_000, 50_000),
        free_share=0.5,
        weight=2,
        related=("BCA-C06",),
    ),
    _Profile(
        "XUAT-NHAP-CANH",
        {"central": ("BCA-QLXNC",), "province": ("CA-TINH",)},
        (
            _s("hộ chiếu phổ thông", "Cấp", "Cấp lại", audience="person"),
            _s("thị thực cho người nước ngoài", "Cấp", "Gia hạn"),
            _s("thẻ tạm trú cho người nước ngoài", "Cấp", "Cấp lại"),
            _s("giấy thông hành", "Cấp", audience="person", levels=_P),
        ),
        fields=("passport_number", "nationality", "date_of_birth", "address", "purpose"),
        documents=("HO-CHIEU", "ANH-CHAN-DUNG", "TO-KHAI"),
        fixed_fees=(50_000, 145_000, 200_000, 400_000),
        free_share=0.1,
    ),
    _Profile(
        "TAI-CHINH",
        {"central": ("BTC",), "province": ("SO-TC",), "district": ("UBND-HUYEN",)},
        (
            _s("mã số đơn vị có quan hệ với ngân sách", "Đăng ký", "Điều chỉnh thông tin", audience="org"),
            _s("giá hàng hóa, dịch vụ", "Kê khai", "Đăng ký", audience="org", levels=_CP),
            _s("phương án giá", "Thẩm định", audience="org", levels=_CP),
            _s("tài sản công", "Thanh lý", "Điều chuyển", "Bán", audience="org"),
        ),
        fields=("organisation_name", "asset_value_vnd", "project_name"),
        documents=("HOP-DONG", "GIAY-XAC-NHAN", "BAO-CAO-TAI-CHINH"),
        free_share=0.9,
    ),
    _Profile(
        "THUE",
        {"central": ("BTC-TCT",), "province": ("BTC-TCT",), "district": ("BTC-TCT",)},
        (
            _s("thuế giá trị gia tăng", "Hoàn", "Kê khai", audience="org"),
            _s("thuế thu nhập cá nhân", "Quyết toán", "Hoàn", audience="person"),
            _s("thuế thu nhập doanh nghiệp", "Quyết toán", "Kê khai", audience="org"),
            _s("thông tin đăng ký thuế", "Thay đổi"),
            _s("mã số thuế", "Chấm dứt hiệu lực", "Khôi phục"),
            _s("hóa đơn điện tử", "Đăng ký sử dụng", "Thay đổi thông tin sử dụng", audience="org"),
            _s("tiền thuê đất, thuê mặt nước", "Miễn, giảm", levels=_PD),
            _s("nghĩa vụ thuế", "Xác nhận việc thực hiện"),
            _s("tiền chậm nộp", "Miễn", levels=_PD),
        ),
        fields=("tax_period", "tax_type", "tax_amount_vnd", "address"),
        documents=("TK-THUE", "BAO-CAO-TAI-CHINH", "HOP-DONG", "GIAY-NOP-TIEN"),
        free_share=1.0,
        weight=3,
        related=("BTC-KBNN",),
    ),
    _Profile(
        "HAI-QUAN",
        {"central": ("BTC-TCHQ",), "province": ("BTC-TCHQ",)},
        (
            _s(
                "hàng hóa xuất khẩu, nhập khẩu thương mại",
                "Thủ tục hải quan đối với",
                audience="org",
                levels=_P,
            ),
            _s("doanh nghiệp ưu tiên", "Công nhận", audience="org", levels=_C),
            _s("thuế đối với hàng hóa nhập khẩu", "Miễn", "Hoàn", audience="org"),
            _s("kho ngoại quan", "Công nhận", audience="org", levels=_P),
            _s("trước mã số hàng hóa", "Xác định", audience="org", levels=_C),
        ),
        fields=("product_name", "asset_value_vnd"),
        documents=("HOP-DONG", "GIAY-DKKD", "TO-KHAI"),
        fixed_fees=(20_000,),
        free_share=0.7,
        weight=2,
    ),
    _Profile(
        "KHO-BAC",
        {"central": ("BTC-KBNN",), "province": ("BTC-KBNN",), "district": ("BTC-KBNN",)},
        (
            _s("tài khoản tại Kho bạc Nhà nước", "Mở", "Đóng", audience="org"),
            _s("vốn đầu tư công", "Kiểm soát thanh toán", audience="org"),
            _s("chi ngân sách nhà nước", "Kiểm soát", audience="org"),
            _s("mẫu dấu, mẫu chữ ký", "Đăng ký", audience="org"),
        ),
        fields=("organisation_name", "project_name", "bank_account"),
        documents=("HOP-DONG", "GIAY-XAC-NHAN"),
        free_share=1.0,
    ),
    _Profile(
        "TU-PHAP",
        {"central": ("BTP",), "province": ("SO-TP",), "district": ("UBND-HUYEN",), "commune": ("UBND-XA",)},
        (
            _s(
                "tổ chức hành nghề luật sư",
                "Đăng ký hoạt động",
                "Thay đổi nội dung đăng ký hoạt động",
                audience="org",
                levels=_P,
            ),
            _s("chứng chỉ hành nghề luật sư", "Cấp", "Cấp lại", audience="person", levels=_C),
            _s("trợ giúp pháp lý", "Yêu cầu", audience="person", levels=_P),
            _s("thẻ cộng tác viên trợ giúp pháp lý", "Cấp", "Cấp lại", audience="person", levels=_P),
            _s("chứng chỉ hành nghề đấu giá", "Cấp", "Cấp lại", audience="person", levels=_C),
            _s("hòa giải viên", "Công nhận", "Thôi làm", audience="person", levels=_X),
            _s("tuyên truyền viên pháp luật", "Công nhận", "Cho thôi làm", audience="person", levels=_DX),
        ),
        fields=("address", "date_of_birth", "organisation_name"),
        documents=("BANG-CAP", "ANH-CHAN-DUNG", "GIAY-XAC-NHAN", "HO-SO-NANG-LUC"),
        fixed_fees=(100_000, 500_000, 800_000),
        free_share=0.6,
        weight=2,
    ),
    _Profile(
        "HO-TICH",
        {"district": ("UBND-HUYEN",), "commune": ("UBND-XA",)},
        (
            _s("khai tử", "Đăng ký", audience="person", levels=_X),
            _s("kết hôn", "Đăng ký", audience="person", levels=_X),
            _s("nhận cha, mẹ, con", "Đăng ký", audience="person", levels=_X),
            _s("giám hộ", "Đăng ký", "Đăng ký chấm dứt", "Đăng ký thay đổi", audience="person", levels=_X),
            _s("khai sinh có yếu tố nước ngoài", "Đăng ký", audience="person", levels=_D),
            _s("kết hôn có yếu tố nước ngoài", "Đăng ký", audience="person", levels=_D),
            _s("khai tử có yếu tố nước ngoài", "Đăng ký", audience="person", levels=_D),
            _s("thay đổi, cải chính, bổ sung thông tin hộ tịch", "Đăng ký", audience="person"),
            _s("lại khai sinh", "Đăng ký", audience="person"),
            _s("lại kết hôn", "Đăng ký", audience="person"),
            _s("bản sao trích lục hộ tịch", "Cấp", audience="person"),
            _s("khai sinh kết hợp nhận cha, mẹ, con", "Đăng ký", audience="person", levels=_X),
            _s(
                "việc hộ tịch đã giải quyết tại cơ quan có thẩm quyền của nước ngoài",
                "Ghi vào Sổ hộ tịch",
                audience="person",
                levels=_D,
            ),
        ),
        fields=("date_of_birth", "address", "relationship", "father_name", "mother_name", "nationality"),
        documents=("GIAY-XAC-NHAN", "GIAY-UY-QUYEN", "HO-CHIEU"),
        fixed_fees=(8_000, 10_000, 15_000, 50_000, 100_000),
        free_share=0.4,
        weight=3,
        related=("SO-TP",),
    ),
    _Profile(
        "CHUNG-THUC",
        {"district": ("UBND-HUYEN",), "commune": ("UBND-XA",)},
        (
            _s("chữ ký trong các giấy tờ, văn bản", "Chứng thực"),
            _s("hợp đồng, giao dịch liên quan đến tài sản là động sản", "Chứng thực"),
            _s(
                "hợp đồng, giao dịch liên quan đến thực hiện các quyền của người sử dụng đất",
                "Chứng thực",
                levels=_X,
            ),
            _s("di chúc", "Chứng thực", audience="person", levels=_X),
            _s("văn bản thỏa thuận phân chia di sản", "Chứng thực", audience="person"),
            _s("bản sao từ bản chính giấy tờ, văn bản do cơ quan nước ngoài cấp", "Chứng thực", levels=_D),
            _s("chữ ký người dịch", "Chứng thực", audience="person", levels=_D),
            _s("việc sửa lỗi sai sót trong hợp đồng, giao dịch", "Chứng thực"),
        ),
        fields=("document_title", "page_count", "copy_count", "appointment_date"),
        documents=("BAN-CHINH", "HOP-DONG", "GIAY-CN-QSDD"),
        fixed_fees=(10_000, 25_000, 30_000, 50_000),
        free_share=0.05,
        weight=2,
    ),
    _Profile(
        "LY-LICH-TU-PHAP",
        {"central": ("BTP-TTLLTPQG",), "province": ("SO-TP",)},
        (
            _s("Phiếu lý lịch tư pháp cho người nước ngoài đã cư trú tại Việt Nam", "Cấp", audience="person"),
            _s("Phiếu lý lịch tư pháp cho cơ quan, tổ chức", "Cấp", audience="org"),
            _s("Phiếu lý lịch tư pháp theo yêu cầu của cơ quan tiến hành tố tụng", "Cấp", audience="org"),
        ),
        fields=("date_of_birth", "address", "purpose", "nationality", "passport_number"),
        documents=("TK-LLTP", "HO-CHIEU", "GIAY-TO-CU-TRU"),
        fixed_fees=(100_000, 200_000),
        free_share=0.3,
        related=("CA-TINH",),
    ),
    _Profile(
        "CONG-CHUNG",
        {"central": ("BTP",), "province": ("SO-TP",)},
        (
            _s("công chứng viên", "Bổ nhiệm", "Miễn nhiệm", "Bổ nhiệm lại", audience="person", levels=_C),
            _s(
                "Văn phòng công chứng",
                "Thành lập",
                "Chuyển đổi",
                "Hợp nhất",
                "Giải thể",
                audience="org",
                levels=_P,
            ),
            _s("hoạt động Văn phòng công chứng", "Đăng ký", audience="org", levels=_P),
            _s("thẻ công chứng viên", "Cấp", "Cấp lại", audience="person", levels=_P),
            _s("hành nghề công chứng", "Đăng ký", audience="person", levels=_P),
        ),
        fields=("organisation_name", "address", "permit_number"),
        documents=("BANG-CAP", "HO-SO-NANG-LUC", "GIAY-PHEP-CU"),
        fixed_fees=(100_000, 500_000, 1_000_000),
        free_share=0.2,
    ),
    _Profile(
        "BHXH",
        {"central": ("BHXH",), "province": ("BHXH",), "district": ("BHXH",)},
        (
            _s("sổ bảo hiểm xã hội", "Cấp lại", "Gộp", audience="person", levels=_PD),
            _s("chế độ ốm đau", "Giải quyết hưởng", audience="person", levels=_PD),
            _s("chế độ thai sản", "Giải quyết hưởng", audience="person", levels=_PD),
            _s("lương hưu", "Giải quyết hưởng", audience="person"),
            _s("bảo hiểm xã hội một lần", "Giải quyết hưởng", audience="person"),
            _s("chế độ tử tuất", "Giải quyết hưởng", audience="person", levels=_PD),
            _s("trợ cấp dưỡng sức, phục hồi sức khỏe", "Giải quyết hưởng", audience="person", levels=_PD),
            _s(
                "đóng bảo hiểm xã hội bắt buộc, bảo hiểm y tế, bảo hiểm thất nghiệp",
                "Đăng ký",
                audience="org",
                levels=_PD,
            ),
            _s("nơi nhận lương hưu, trợ cấp bảo hiểm xã hội", "Thay đổi", audience="person", levels=_PD),
        ),
        fields=("social_insurance_no", "date_of_birth", "bank_account", "address"),
        documents=("TK-BHXH-TN", "GIAY-XAC-NHAN", "DS-LAO-DONG-BHXH"),
        free_share=1.0,
        weight=3,
    ),
    _Profile(
        "BHYT",
        {"province": ("BHXH",), "district": ("BHXH",), "commune": ("UBND-XA",)},
        (
            _s("thẻ bảo hiểm y tế", "Cấp", "Cấp đổi", audience="person", levels=_PD),
            _s("nơi đăng ký khám bệnh, chữa bệnh ban đầu", "Thay đổi", audience="person", levels=_PD),
            _s(
                "danh sách tham gia bảo hiểm y tế của người thuộc hộ nghèo, cận nghèo",
                "Lập",
                audience="org",
                levels=_X,
            ),
            _s("danh sách tham gia bảo hiểm y tế theo hộ gia đình", "Lập", audience="org", levels=_X),
            _s(
                "chi phí khám bệnh, chữa bệnh bảo hiểm y tế",
                "Thanh toán trực tiếp",
                audience="person",
                levels=_PD,
            ),
        ),
        fields=("social_insurance_no", "card_number", "date_of_birth", "address", "bank_account"),
        documents=("TK-BHXH-TN", "GIAY-XAC-NHAN"),
        free_share=1.0,
        related=("BHXH",),
    ),
    _Profile(
        "BHTN",
        {"province": ("SO-LDTBXH",)},
        (
            _s(
                "trợ cấp thất nghiệp",
                "Giải quyết hưởng",
                "Tạm dừng hưởng",
                "Chấm dứt hưởng",
                audience="person",
            ),
            _s("hỗ trợ học nghề cho người đang hưởng trợ cấp thất nghiệp", "Giải quyết", audience="person"),
            _s("nơi hưởng trợ cấp thất nghiệp", "Chuyển", audience="person"),
        ),
        fields=("social_insurance_no", "bank_account", "address", "start_date"),
        documents=("DON-DE-NGHI", "GIAY-XAC-NHAN", "HOP-DONG"),
        free_share=1.0,
        related=("BHXH",),
    ),
    _Profile(
        "LAO-DONG",
        {"central": ("BLDTBXH",), "province": ("SO-LDTBXH",), "district": ("UBND-HUYEN",)},
        (
            _s(
                "giấy phép lao động cho người lao động nước ngoài làm việc tại Việt Nam",
                "Cấp",
                "Cấp lại",
                "Gia hạn",
                audience="org",
                levels=_CP,
            ),
            _s("nội quy lao động", "Đăng ký", audience="org", levels=_P),
            _s(
                "giấy phép hoạt động cho thuê lại lao động",
                "Cấp",
                "Cấp lại",
                "Gia hạn",
                audience="org",
                levels=_P,
            ),
            _s("hợp đồng cung ứng lao động đi làm việc ở nước ngoài", "Đăng ký", audience="org", levels=_C),
            _s("việc sử dụng lao động", "Khai trình", audience="org", levels=_PD),
            _s("thỏa ước lao động tập thể", "Gửi", audience="org", levels=_PD),
        ),
        fields=("employee_count", "passport_number", "nationality", "start_date", "end_date"),
        documents=("HOP-DONG", "GIAY-KHAM-SK", "BANG-CAP", "HO-CHIEU", "GIAY-DKKD"),
        fixed_fees=(400_000, 450_000, 600_000),
        free_share=0.6,
        weight=2,
    ),
    _Profile(
        "VIEC-LAM",
        {"central": ("BLDTBXH-CVL",), "province": ("SO-LDTBXH",)},
        (
            _s(
                "giấy phép hoạt động dịch vụ việc làm", "Cấp", "Cấp lại", "Gia hạn", audience="org", levels=_P
            ),
            _s("vốn hỗ trợ tạo việc làm từ Quỹ quốc gia về việc làm", "Vay", audience="person", levels=_P),
            _s(
                "người lao động nước ngoài không thuộc diện cấp giấy phép lao động",
                "Xác nhận",
                audience="org",
                levels=_CP,
            ),
        ),
        fields=("employee_count", "loan_amount_vnd", "passport_number"),
        documents=("HO-SO-NANG-LUC", "GIAY-DKKD", "HO-CHIEU"),
        fixed_fees=(300_000, 600_000),
        free_share=0.6,
    ),
    _Profile(
        "NGUOI-CO-CONG",
        {"province": ("SO-LDTBXH",), "district": ("UBND-HUYEN",), "commune": ("UBND-XA",)},
        (
            _s("trợ cấp mai táng phí đối với người có công với cách mạng", "Giải quyết", audience="person"),
            _s("hồ sơ người có công với cách mạng", "Di chuyển", audience="person", levels=_P),
            _s("thông tin về liệt sĩ, mộ liệt sĩ", "Xác nhận", audience="person", levels=_PD),
            _s("trợ cấp hằng tháng đối với thân nhân liệt sĩ", "Giải quyết", audience="person"),
            _s(
                "phương tiện trợ giúp, dụng cụ chỉnh hình cho người có công",
                "Cấp",
                audience="person",
                levels=_PD,
            ),
        ),
        fields=("beneficiary_name", "relationship", "address", "bank_account"),
        documents=("GIAY-XAC-NHAN", "DON-DE-NGHI"),
        free_share=1.0,
        related=("SO-LDTBXH",),
    ),
    _Profile(
        "BAO-TRO-XA-HOI",
        {"province": ("SO-LDTBXH",), "district": ("UBND-HUYEN",), "commune": ("UBND-XA",)},
        (
            _s(
                "trợ cấp xã hội hằng tháng",
                "Thực hiện",
                "Điều chỉnh, thôi hưởng",
                audience="person",
                levels=_D,
            ),
            _s("mức độ khuyết tật", "Xác định", "Xác định lại", audience="person", levels=_X),
            _s("hộ nghèo, hộ cận nghèo", "Công nhận", audience="person", levels=_X),
            _s("hộ thoát nghèo, thoát cận nghèo", "Công nhận", audience="person", levels=_X),
            _s("cơ sở trợ giúp xã hội ngoài công lập", "Thành lập", "Giải thể", audience="org", levels=_PD),
            _s(
                "hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội",
                "Giải quyết",
                audience="person",
                levels=_DX,
            ),
        ),
        fields=("beneficiary_name", "relationship", "address", "household_member_count", "bank_account"),
        documents=("GIAY-XAC-NHAN", "DON-DE-NGHI"),
        free_share=1.0,
        weight=2,
    ),
    _Profile(
        "DKKD",
        {"central": ("BKHDT-QLDKKD",), "province": ("SO-KHDT",), "district": ("UBND-HUYEN",)},
        (
            _s(
                "doanh nghiệp tư nhân",
                "Đăng ký thành lập",
                "Đăng ký thay đổi chủ",
                "Giải thể",
                audience="org",
                levels=_P,
            ),
            _s(
                "công ty trách nhiệm hữu hạn một thành viên",
                "Đăng ký thành lập",
                "Đăng ký thay đổi vốn điều lệ",
                audience="org",
                levels=_P,
            ),
            _s(
                "công ty cổ phần",
                "Đăng ký thành lập",
                "Giải thể",
                "Đăng ký thay đổi người đại diện theo pháp luật của",
                audience="org",
                levels=_P,
            ),
            _s(
                "chi nhánh, văn phòng đại diện, địa điểm kinh doanh",
                "Đăng ký hoạt động",
                "Chấm dứt hoạt động",
                audience="org",
                levels=_P,
            ),
            _s(
                "hộ kinh doanh",
                "Đăng ký thay đổi nội dung đăng ký",
                "Chấm dứt hoạt động",
                "Cấp lại Giấy chứng nhận đăng ký",
                audience="person",
                levels=_D,
            ),
            _s("hợp tác xã", "Đăng ký thành lập", "Giải thể tự nguyện", audience="org", levels=_D),
            _s("Giấy chứng nhận đăng ký doanh nghiệp", "Cấp lại", "Hiệu đính thông tin trên", audience="org"),
            _s(
                "thông tin doanh nghiệp trên Cổng thông tin quốc gia về đăng ký doanh nghiệp",
                "Cung cấp",
                levels=_C,
            ),
        ),
        fields=("business_name", "business_address", "business_line", "capital_vnd", "employee_count"),
        documents=("GIAY-DKKD", "BAN-CAM-KET", "GIAY-UY-QUYEN", "HOP-DONG"),
        fixed_fees=(50_000, 100_000),
        free_share=0.3,
        weight=3,
        related=("BTC-TCT",),
    ),
    _Profile(
        "DAU-TU",
        {"central": ("BKHDT",), "province": ("SO-KHDT",)},
        (
            _s("Giấy chứng nhận đăng ký đầu tư", "Cấp", "Điều chỉnh", "Cấp lại", audience="org", levels=_P),
            _s("chủ trương đầu tư dự án", "Chấp thuận", "Điều chỉnh", audience="org"),
            _s("tiến độ thực hiện dự án đầu tư", "Giãn", audience="org", levels=_P),
            _s("hoạt động dự án đầu tư", "Tạm ngừng", "Chấm dứt", audience="org", levels=_P),
            _s("góp vốn, mua cổ phần của nhà đầu tư nước ngoài", "Đăng ký", audience="org", levels=_P),
            _s(
                "dự án đầu tư ra nước ngoài",
                "Cấp Giấy chứng nhận đăng ký đầu tư cho",
                audience="org",
                levels=_C,
            ),
        ),
        fields=("project_name", "capital_vnd", "nationality"),
        documents=("BAO-CAO-TAI-CHINH", "HO-SO-NANG-LUC", "GIAY-DKKD", "BAN-VE"),
        free_share=1.0,
        weight=2,
    ),
    _Profile(
        "DIEN-LUC",
        {
            "central": ("BCT-DTDL",),
            "province": ("EVN-NPC", "EVN-CPC", "EVN-SPC", "EVN-HANOI", "EVN-HCMC", "SO-CT"),
        },
        (
            _s(
                "giấy phép hoạt động điện lực",
                "Cấp",
                "Cấp lại",
                "Sửa đổi, bổ sung",
                audience="org",
                agencies=("BCT-DTDL", "SO-CT"),
            ),
            _s("thẻ kiểm tra viên điện lực", "Cấp", "Cấp lại", audience="person", agencies=("SO-CT",)),
            _s("chủ thể hợp đồng mua bán điện", "Thay đổi", agencies=_EVN_UNITS),
            _s("định mức sử dụng điện", "Thay đổi", agencies=_EVN_UNITS),
            _s("mục đích sử dụng điện", "Thay đổi", agencies=_EVN_UNITS),
            _s("công tơ điện", "Kiểm định", "Di dời", agencies=_EVN_UNITS),
            _s("hợp đồng mua bán điện", "Chấm dứt", "Gia hạn", agencies=_EVN_UNITS),
        ),
        fields=("electricity_customer_code", "connection_address", "power_demand_kw"),
        documents=("GIAY-DE-NGHI-CAP-DIEN", "GIAY-TO-DIA-DIEM", "HOP-DONG"),
        fixed_fees=(100_000, 200_000, 800_000),
        free_share=0.6,
        weight=2,
        related=("EVN",),
    ),
    _Profile(
        "CONG-THUONG",
        {"central": ("BCT",), "province": ("SO-CT",), "district": ("UBND-HUYEN",)},
        (
            _s("giấy phép bán lẻ rượu", "Cấp", "Cấp lại", "Cấp sửa đổi, bổ sung", levels=_D),
            _s("giấy phép bán lẻ sản phẩm thuốc lá", "Cấp", "Cấp lại", levels=_D),
            _s("giấy phép bán buôn rượu", "Cấp", "Cấp lại", audience="org", levels=_P),
            _s(
                "giấy chứng nhận đủ điều kiện cửa hàng bán lẻ xăng dầu",
                "Cấp",
                "Cấp lại",
                "Điều chỉnh",
                audience="org",
                levels=_P,
            ),
            _s(
                "giấy phép thành lập cơ sở bán lẻ của nhà đầu tư nước ngoài",
                "Cấp",
                "Điều chỉnh",
                audience="org",
                levels=_P,
            ),
            _s("giấy chứng nhận đủ điều kiện sản xuất hóa chất", "Cấp", audience="org", levels=_CP),
            _s("giấy chứng nhận đủ điều kiện kinh doanh khí", "Cấp", "Cấp lại", audience="org", levels=_CP),
            _s("hợp đồng theo mẫu, điều kiện giao dịch chung", "Đăng ký", audience="org", levels=_CP),
        ),
        fields=("business_address", "business_line", "facility_name", "facility_address", "permit_number"),
        documents=("GIAY-DKKD", "HO-SO-NANG-LUC", "BAN-VE", "GIAY-PHEP-CU"),
        fixed_fees=(200_000, 400_000, 600_000, 1_200_000),
        free_share=0.3,
        weight=3,
    ),
    _Profile(
        "XUC-TIEN-THUONG-MAI",
        {"central": ("BCT-XTTM",), "province": ("SO-CT",)},
        (
            _s(
                "chương trình khuyến mại mang tính may rủi",
                "Đăng ký thực hiện",
                "Đăng ký sửa đổi, bổ sung nội dung",
                audience="org",
            ),
            _s(
                "hội chợ, triển lãm thương mại",
                "Đăng ký tổ chức",
                "Thay đổi, bổ sung nội dung đăng ký tổ chức",
                audience="org",
            ),
            _s("hoạt động khuyến mại", "Thông báo sửa đổi, bổ sung nội dung", audience="org", levels=_P),
        ),
        fields=("promotion_name", "promotion_start_date", "promotion_end_date", "promotion_area"),
        documents=("TB-KHUYEN-MAI", "GIAY-DKKD", "BAN-CAM-KET"),
        free_share=1.0,
    ),
    _Profile(
        "Y-TE",
        {"central": ("BYT",), "province": ("SO-YT",)},
        (
            _s("đủ điều kiện mua bán trang thiết bị y tế", "Công bố", audience="org", levels=_P),
            _s(
                "tiêu chuẩn áp dụng đối với trang thiết bị y tế loại A, B",
                "Công bố",
                audience="org",
                levels=_P,
            ),
            _s("giấy phép nhập khẩu trang thiết bị y tế", "Cấp", "Gia hạn", audience="org", levels=_C),
            _s(
                "giấy chứng nhận bị phơi nhiễm với HIV do tai nạn rủi ro nghề nghiệp",
                "Cấp",
                audience="person",
                levels=_P,
            ),
            _s("cơ sở đủ điều kiện thực hiện xét nghiệm khẳng định HIV", "Công bố", audience="org"),
        ),
        fields=("facility_name", "facility_address", "product_name"),
        documents=("HO-SO-NANG-LUC", "GIAY-DKKD", "BANG-CAP"),
        fixed_fees=(500_000, 1_000_000, 3_000_000),
        free_share=0.4,
    ),
    _Profile(
        "KHAM-CHUA-BENH",
        {"central": ("BYT-QLKCB",), "province": ("SO-YT",)},
        (
            _s(
                "giấy phép hoạt động đối với phòng khám đa khoa",
                "Cấp",
                "Cấp lại",
                "Điều chỉnh",
                audience="org",
                levels=_P,
            ),
            _s("giấy phép hoạt động đối với bệnh viện", "Cấp", "Điều chỉnh", audience="org", levels=_CP),
            _s("giấy phép hành nghề khám bệnh, chữa bệnh", "Cấp", "Cấp lại", "Gia hạn", audience="person"),
            _s(
                "giấy phép hoạt động đối với phòng chẩn trị y học cổ truyền", "Cấp", audience="org", levels=_P
            ),
            _s("cơ sở đủ điều kiện khám sức khỏe", "Công bố", audience="org", levels=_P),
            _s("danh mục kỹ thuật khám bệnh, chữa bệnh", "Phê duyệt", "Phê duyệt bổ sung", audience="org"),
        ),
        fields=("facility_name", "facility_address", "date_of_birth"),
        documents=("BANG-CAP", "GIAY-KHAM-SK", "HO-SO-NANG-LUC", "ANH-CHAN-DUNG"),
        fixed_fees=(360_000, 1_500_000, 3_100_000, 4_300_000),
        free_share=0.2,
        weight=2,
    ),
    _Profile(
        "DUOC-PHAM",
        {"central": ("BYT",), "province": ("SO-YT",)},
        (
            _s(
                "chứng chỉ hành nghề dược",
                "Cấp",
                "Cấp lại",
                "Điều chỉnh nội dung",
                audience="person",
                levels=_P,
            ),
            _s(
                "giấy chứng nhận đủ điều kiện kinh doanh dược",
                "Cấp",
                "Cấp lại",
                "Điều chỉnh",
                audience="org",
            ),
            _s("giấy đăng ký lưu hành thuốc", "Cấp", "Gia hạn", audience="org", levels=_C),
            _s("hội thảo giới thiệu thuốc", "Đăng ký", audience="org", levels=_P),
            _s("nội dung thông tin thuốc", "Xác nhận", audience="org"),
        ),
        fields=("facility_name", "facility_address", "product_name"),
        documents=("BANG-CAP", "HO-SO-NANG-LUC", "GIAY-DKKD"),
        fixed_fees=(500_000, 1_000_000, 1_600_000),
        free_share=0.2,
        weight=2,
    ),
    _Profile(
        "AN-TOAN-THUC-PHAM",
        {"province": ("SO-YT",), "district": ("UBND-HUYEN",)},
        (
            _s("giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm", "Cấp", "Cấp lại", audience="org"),
            _s("bản công bố sản phẩm thực phẩm", "Đăng ký", audience="org", levels=_P),
            _s("nội dung quảng cáo thực phẩm", "Xác nhận", audience="org", levels=_P),
        ),
        fields=("facility_name", "facility_address", "product_name"),
        documents=("GIAY-DKKD", "GIAY-KHAM-SK", "BAN-CAM-KET"),
        fixed_fees=(150_000, 500_000, 1_000_000),
        free_share=0.2,
    ),
    _Profile(
        "GIAO-DUC",
        {
            "central": ("BGDDT",),
            "province": ("SO-GDDT",),
            "district": ("UBND-HUYEN",),
            "commune": ("UBND-XA",),
        },
        (
            _s("trường mầm non tư thục", "Thành lập", "Giải thể", audience="org", levels=_D),
            _s("nhóm trẻ, lớp mẫu giáo độc lập", "Cho phép thành lập", "Giải thể", audience="org", levels=_X),
            _s("văn bằng, chứng chỉ từ sổ gốc", "Cấp bản sao", audience="person", levels=_PD),
            _s("nội dung văn bằng, chứng chỉ", "Chỉnh sửa", audience="person", levels=_PD),
            _s("văn bằng do cơ sở giáo dục nước ngoài cấp", "Công nhận", audience="person", levels=_CP),
            _s("học sinh trung học cơ sở", "Chuyển trường cho", audience="person", levels=_D),
            _s("trung tâm ngoại ngữ, tin học", "Cho phép thành lập", "Giải thể", audience="org", levels=_P),
            _s("chính sách hỗ trợ đối với học sinh bán trú", "Xét, duyệt", audience="person", levels=_D),
            _s("giấy phép tổ chức dạy thêm, học thêm", "Cấp", levels=_PD),
            _s("hỗ trợ học tập cho trẻ mẫu giáo", "Xét, cấp", audience="person", levels=_X),
            _s("trường đại học tư thục", "Cho phép thành lập", audience="org", levels=_C),
        ),
        fields=("student_name", "school_name", "date_of_birth", "address"),
        documents=("HOC-BA", "BANG-CAP", "GIAY-XAC-NHAN"),
        fixed_fees=(20_000, 30_000),
        free_share=0.8,
        weight=2,
    ),
    _Profile(
        "THI-TUYEN-SINH",
        {"central": ("BGDDT",), "province": ("SO-GDDT",), "district": ("UBND-HUYEN",)},
        (
            _s("xét tuyển đại học, cao đẳng", "Đăng ký", audience="person", levels=_C),
            _s("dự thi đánh giá năng lực ngoại ngữ", "Đăng ký", audience="person", levels=_CP),
            _s("tuyển sinh vào lớp 10 trung học phổ thông", "Đăng ký", audience="person", levels=_P),
            _s("tuyển sinh trung học cơ sở", "Đăng ký", audience="person", levels=_D),
            _s("phúc khảo bài thi tốt nghiệp trung học phổ thông", "Đăng ký", audience="person", levels=_P),
            _s("giấy chứng nhận tốt nghiệp tạm thời", "Cấp", audience="person", levels=_P),
        ),
        fields=("student_name", "school_name", "date_of_birth", "exam_subjects"),
        documents=("PHIEU-DANG-KY-DU-THI", "HOC-BA", "GIAY-UU-TIEN"),
        fixed_fees=(20_000, 30_000),
        free_share=0.6,
    ),
    _Profile(
        "TOA-AN",
        {"central": ("TANDTC",), "province": ("TAND-TINH",), "district": ("TAND-HUYEN",)},
        (
            _s("đơn khởi kiện", "Nộp", levels=_PD),
            _s("đơn yêu cầu giải quyết việc dân sự", "Nộp", levels=_PD),
            _s("bản án, quyết định", "Cấp trích lục", "Cấp bản sao"),
            _s("đơn kháng cáo", "Nộp", levels=_PD),
            _s("đơn đề nghị giám đốc thẩm, tái thẩm", "Nộp", levels=_C),
            _s("tài liệu, chứng cứ", "Giao nộp", levels=_PD),
        ),
        fields=("case_no", "address"),
        documents=("GIAY-UY-QUYEN", "HOP-DONG", "GIAY-XAC-NHAN"),
        fixed_fees=(1_500, 50_000, 300_000),
        free_share=0.5,
    ),
    _Profile(
        "TIN-DUNG-CHINH-SACH",
        {"province": ("NHCSXH",), "district": ("NHCSXH",)},
        (
            _s("hộ nghèo", "Cho vay", audience="person"),
            _s("hộ cận nghèo", "Cho vay", audience="person"),
            _s("học sinh, sinh viên có hoàn cảnh khó khăn", "Cho vay", audience="person"),
            _s("nước sạch và vệ sinh môi trường nông thôn", "Cho vay", audience="person"),
            _s("hỗ trợ tạo việc làm, duy trì và mở rộng việc làm", "Cho vay"),
            _s("kỳ hạn trả nợ", "Điều chỉnh"),
        ),
        fields=("loan_amount_vnd", "household_member_count", "address", "bank_account"),
        documents=("GIAY-DE-NGHI-VAY", "GIAY-XAC-NHAN"),
        free_share=1.0,
        related=("UBND-XA",),
    ),
    _Profile(
        "DAT-DAI",
        {"province": ("SO-TNMT",), "district": ("UBND-HUYEN",), "commune": ("UBND-XA",)},
        (
            _s(
                "quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác gắn liền với đất lần đầu",
                "Đăng ký, cấp Giấy chứng nhận",
                levels=_PD,
            ),
            _s("Giấy chứng nhận quyền sử dụng đất", "Cấp đổi", "Cấp lại", "Đính chính", levels=_PD),
            _s("biến động đất đai", "Đăng ký", levels=_PD),
            _s("thửa hoặc hợp thửa đất", "Tách", levels=_D),
            _s("mục đích sử dụng đất", "Chuyển", levels=_PD),
            _s("đất, cho thuê đất", "Giao", levels=_PD),
            _s("tranh chấp đất đai", "Hòa giải", levels=_X),
            _s("tranh chấp đất đai", "Giải quyết", levels=_PD),
            _s("thời hạn sử dụng đất", "Gia hạn", levels=_PD),
            _s("nguồn gốc, thời điểm sử dụng đất", "Xác nhận", levels=_X),
        ),
        fields=("land_parcel_no", "area_m2", "asset_value_vnd", "address"),
        documents=("GIAY-CN-QSDD", "HOP-DONG", "BAN-VE"),
        fixed_fees=(20_000, 50_000, 100_000, 500_000),
        free_share=0.3,
        # Real: lệ phí trước bạ nhà, đất 0.5% (Nghị định 10/2022/NĐ-CP), at most 500,000,000 VND.
        rule={
            "type": "percent_of_value",
            "value_field": "asset_value_vnd",
            "percent": 0.5,
            "percent_by_province": {},
            "min_vnd": None,
            "max_vnd": 500_000_000,
        },
        rule_share=0.15,
        weight=3,
        related=("BTC-TCT",),
    ),
    _Profile(
        "MOI-TRUONG",
        {"central": ("BTNMT",), "province": ("SO-TNMT",), "district": ("UBND-HUYEN",)},
        (
            _s("kế hoạch bảo vệ môi trường", "Đăng ký", audience="org", levels=_D),
            _s("báo cáo đánh giá tác động môi trường", "Thẩm định", audience="org", levels=_CP),
            _s("giấy phép môi trường", "Cấp", "Cấp lại", "Cấp điều chỉnh", audience="org"),
            _s(
                "giấy phép khai thác nước dưới đất",
                "Cấp",
                "Gia hạn",
                "Điều chỉnh",
                audience="org",
                levels=_CP,
            ),
            _s("giấy phép xả nước thải vào nguồn nước", "Cấp", "Gia hạn", audience="org", levels=_CP),
        ),
        fields=("project_name", "facility_name", "facility_address"),
        documents=("BAO-CAO-DTM", "BAN-VE", "HO-SO-NANG-LUC"),
        fixed_fees=(500_000, 1_500_000, 5_000_000, 12_000_000),
        free_share=0.2,
        weight=2,
    ),
    _Profile(
        "XAY-DUNG",
        {"central": ("BXD",), "province": ("SO-XD",), "district": ("UBND-HUYEN",), "commune": ("UBND-XA",)},
        (
            _s(
                "giấy phép xây dựng nhà ở riêng lẻ",
                "Cấp",
                "Điều chỉnh",
                "Gia hạn",
                "Cấp lại",
                audience="person",
                levels=_D,
            ),
            _s("giấy phép xây dựng công trình", "Cấp", "Điều chỉnh", "Gia hạn", audience="org", levels=_PD),
            _s("chứng chỉ hành nghề hoạt động xây dựng", "Cấp", "Cấp lại", audience="person", levels=_CP),
            _s(
                "chứng chỉ năng lực hoạt động xây dựng",
                "Cấp",
                "Cấp lại",
                "Điều chỉnh, bổ sung",
                audience="org",
                levels=_CP,
            ),
            _s("báo cáo nghiên cứu khả thi đầu tư xây dựng", "Thẩm định", audience="org", levels=_CP),
            _s("giấy phép di dời công trình", "Cấp", levels=_D),
            _s("điều kiện được mua, thuê mua nhà ở xã hội", "Xác nhận", audience="person", levels=_X),
            _s("thông báo khởi công xây dựng nhà ở riêng lẻ", "Tiếp nhận", audience="person", levels=_X),
        ),
        fields=("project_name", "land_parcel_no", "area_m2", "address"),
        documents=("BAN-VE", "GIAY-CN-QSDD", "HO-SO-NANG-LUC", "BANG-CAP"),
        fixed_fees=(50_000, 75_000, 150_000, 300_000, 500_000),
        free_share=0.2,
        weight=3,
    ),
    _Profile(
        "NONG-NGHIEP",
        {
            "central": ("BNNPTNT",),
            "province": ("SO-NNPTNT",),
            "district": ("UBND-HUYEN",),
            "commune": ("UBND-XA",),
        },
        (
            _s(
                "giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm nông, lâm, thủy sản",
                "Cấp",
                "Cấp lại",
                audience="org",
                levels=_PD,
            ),
            _s("giấy phép khai thác thủy sản", "Cấp", "Cấp lại", "Cấp đổi", levels=_P),
            _s("tàu cá", "Đăng ký", "Xóa đăng ký", levels=_P),
            _s("trang trại đạt tiêu chí kinh tế trang trại", "Xác nhận", levels=_X),
            _s(
                "hỗ trợ khôi phục sản xuất vùng bị thiệt hại do thiên tai",
                "Phê duyệt",
                audience="person",
                levels=_DX,
            ),
            _s(
                "giấy chứng nhận kiểm dịch động vật, sản phẩm động vật vận chuyển ra khỏi địa bàn cấp tỉnh",
                "Cấp",
                levels=_P,
            ),
            _s("chứng chỉ hành nghề thú y", "Cấp", "Cấp lại", "Gia hạn", audience="person", levels=_P),
            _s("giống cây trồng", "Công nhận lưu hành", audience="org", levels=_C),
            _s("thuốc bảo vệ thực vật", "Đăng ký", audience="org", levels=_C),
        ),
        fields=("facility_name", "facility_address", "area_m2", "product_name"),
        documents=("HO-SO-NANG-LUC", "GIAY-XAC-NHAN", "BANG-CAP"),
        fixed_fees=(40_000, 50_000, 200_000, 700_000),
        free_share=0.5,
        weight=3,
    ),
    _Profile(
        "BUU-CHINH-VIEN-THONG",
        {"central": ("BTTTT",), "province": ("SO-TTTT",)},
        (
            _s("giấy phép bưu chính", "Cấp", "Cấp lại", "Sửa đổi, bổ sung", audience="org"),
            _s("văn bản xác nhận thông báo hoạt động bưu chính", "Cấp", "Cấp lại", audience="org"),
            _s("giấy phép thiết lập mạng viễn thông dùng riêng", "Cấp", "Gia hạn", audience="org", levels=_C),
            _s("giấy phép sử dụng tần số vô tuyến điện", "Cấp", "Gia hạn", levels=_C),
        ),
        fields=("organisation_name", "permit_number", "facility_address"),
        documents=("GIAY-DKKD", "HO-SO-NANG-LUC", "GIAY-PHEP-CU"),
        fixed_fees=(100_000, 400_000, 1_000_000),
        free_share=0.3,
    ),
    _Profile(
        "BAO-CHI-XUAT-BAN",
        {"central": ("BTTTT",), "province": ("SO-TTTT",)},
        (
            _s("giấy phép xuất bản bản tin", "Cấp", "Sửa đổi, bổ sung", audience="org"),
            _s("giấy phép xuất bản tài liệu không kinh doanh", "Cấp", audience="org"),
            _s("giấy phép hoạt động in", "Cấp", "Cấp lại", "Cấp đổi", audience="org", levels=_P),
            _s("trang thông tin điện tử tổng hợp", "Cấp giấy phép thiết lập", audience="org"),
            _s("giấy phép nhập khẩu xuất bản phẩm không kinh doanh", "Cấp"),
        ),
        fields=("organisation_name", "product_name", "permit_number"),
        documents=("GIAY-DKKD", "HO-SO-NANG-LUC", "BAN-CAM-KET"),
        fixed_fees=(50_000, 100_000),
        free_share=0.5,
    ),
    _Profile(
        "VAN-HOA-DU-LICH",
        {
            "central": ("BVHTTDL",),
            "province": ("SO-VHTTDL",),
            "district": ("UBND-HUYEN",),
            "commune": ("UBND-XA",),
        },
        (
            _s(
                "giấy phép kinh doanh dịch vụ lữ hành quốc tế",
                "Cấp",
                "Cấp lại",
                "Cấp đổi",
                audience="org",
                levels=_C,
            ),
            _s(
                "giấy phép kinh doanh dịch vụ lữ hành nội địa",
                "Cấp",
                "Cấp lại",
                "Cấp đổi",
                audience="org",
                levels=_P,
            ),
            _s("thẻ hướng dẫn viên du lịch", "Cấp", "Cấp lại", "Cấp đổi", audience="person", levels=_P),
            _s("cơ sở lưu trú du lịch", "Công nhận hạng", audience="org", levels=_CP),
            _s("giấy phép kinh doanh dịch vụ karaoke", "Cấp", "Điều chỉnh", audience="org", levels=_D),
            _s(
                "lễ hội",
                "Đăng ký tổ chức",
                "Thông báo tổ chức",
                audience="org",
                levels=("province", "district", "commune"),
            ),
            _s("danh hiệu Gia đình văn hóa", "Xét tặng", audience="person", levels=_X),
            _s("thư viện", "Thông báo thành lập", audience="org", levels=_DX),
            _s("chương trình biểu diễn nghệ thuật", "Thông báo tổ chức", audience="org", levels=_P),
        ),
        fields=("facility_name", "facility_address", "start_date", "end_date"),
        documents=("GIAY-DKKD", "BANG-CAP", "ANH-CHAN-DUNG", "HO-SO-NANG-LUC"),
        fixed_fees=(200_000, 650_000, 2_000_000, 3_000_000),
        free_share=0.4,
        weight=2,
    ),
    _Profile(
        "KHOA-HOC-CONG-NGHE",
        {"central": ("BKHCN",), "province": ("SO-KHCN",)},
        (
            _s(
                "giấy chứng nhận đăng ký hoạt động khoa học và công nghệ",
                "Cấp",
                "Cấp lại",
                "Thay đổi, bổ sung nội dung",
                audience="org",
            ),
            _s("kết quả thực hiện nhiệm vụ khoa học và công nghệ", "Đăng ký", audience="org"),
            _s("giấy phép tiến hành công việc bức xạ", "Cấp", "Gia hạn", "Sửa đổi, bổ sung", audience="org"),
            _s("chứng chỉ nhân viên bức xạ", "Cấp", "Cấp lại", audience="person", levels=_C),
            _s(
                "giấy chứng nhận doanh nghiệp khoa học và công nghệ",
                "Cấp",
                "Cấp lại",
                audience="org",
                levels=_P,
            ),
            _s(
                "hợp đồng chuyển giao công nghệ",
                "Đăng ký",
                "Đăng ký gia hạn, sửa đổi, bổ sung",
                audience="org",
            ),
            _s("mã số mã vạch", "Cấp", "Cấp lại", audience="org", levels=_C),
        ),
        fields=("organisation_name", "project_name", "facility_address"),
        documents=("HO-SO-NANG-LUC", "HOP-DONG", "BANG-CAP"),
        fixed_fees=(100_000, 500_000, 1_000_000),
        free_share=0.4,
    ),
    _Profile(
        "NOI-VU",
        {"central": ("BNV",), "province": ("SO-NV",), "district": ("UBND-HUYEN",), "commune": ("UBND-XA",)},
        (
            _s(
                "hội có phạm vi hoạt động toàn quốc",
                "Công nhận ban vận động thành lập",
                "Phê duyệt điều lệ",
                "Giải thể",
                audience="org",
                levels=_C,
            ),
            _s(
                "hội có phạm vi hoạt động trong tỉnh",
                "Công nhận ban vận động thành lập",
                "Phê duyệt điều lệ",
                "Giải thể",
                audience="org",
                levels=_P,
            ),
            _s(
                "quỹ xã hội, quỹ từ thiện",
                "Cấp giấy phép thành lập và công nhận điều lệ",
                "Đổi tên",
                "Giải thể",
                audience="org",
                levels=_CP,
            ),
            _s("hoạt động tín ngưỡng", "Đăng ký", audience="org", levels=_X),
            _s("sinh hoạt tôn giáo tập trung", "Đăng ký", audience="org", levels=_X),
            _s("Bằng khen của Chủ tịch Ủy ban nhân dân cấp tỉnh", "Tặng", levels=_P),
            _s("danh hiệu Lao động tiên tiến", "Xét tặng", audience="person", levels=_DX),
            _s(
                "hội có phạm vi hoạt động trong huyện",
                "Cho phép thành lập",
                "Giải thể",
                audience="org",
                levels=_D,
            ),
        ),
        fields=("organisation_name", "address", "start_date"),
        documents=("GIAY-XAC-NHAN", "BAN-CAM-KET", "HO-SO-NANG-LUC"),
        free_share=1.0,
        weight=2,
    ),
)


_VERB_SUFFIXES: Final[Mapping[str, tuple[str, ...]]] = {
    "Cấp lại": ("", " do bị mất", " do bị hỏng", " do thay đổi thông tin"),
}


def _level_plan(n: int, seed_levels: list[str], rng: random.Random) -> list[str]:
    """Levels for the synthetic procedures so that the whole output matches LEVEL_WEIGHTS (largest remainder)."""
    exact = {level: n * LEVEL_WEIGHTS[level] for level in LEVELS}
    quota = {level: int(exact[level]) for level in LEVELS}
    by_remainder = sorted(LEVELS, key=lambda lv: exact[lv] - quota[lv], reverse=True)
    for level in by_remainder[: n - sum(quota.values())]:
        quota[level] += 1
    wanted = {level: max(0, quota[level] - seed_levels.count(level)) for level in LEVELS}
    synthetic = n - len(seed_levels)
    # When the seeds alone exceed a level's quota, take the difference from the largest level.
    while sum(wanted.values()) > synthetic:
        wanted[max(LEVELS, key=lambda lv: wanted[lv])] -= 1
    while sum(wanted.values()) < synthetic:
        wanted["province"] += 1
    plan = [level for level in LEVELS for _ in range(wanted[level])]
    rng.shuffle(plan)
    return plan


def _weighted_profiles(level: str) -> list[_Profile]:
    return [p for p in _PROFILES if p.subjects_at(level) for _ in range(p.weight)]


def _fee(profile: _Profile, rng: random.Random) -> dict[str, Any]:
    draw = rng.random()
    if profile.rule is not None and draw < profile.rule_share:
        rule = copy.deepcopy(dict(profile.rule))
        return {
            "kind": "rule",
            "amount_vnd": None,
            "rule": rule,
            "description": "Lệ phí tính theo giá trị tài sản",
        }
    if draw < profile.rule_share + profile.free_share or not profile.fixed_fees:
        return {"kind": "free", "amount_vnd": None, "rule": None, "description": "Không thu phí, lệ phí"}
    amount = rng.choice(profile.fixed_fees)
    text = f"{amount:,}".replace(",", ".")
    return {"kind": "fixed", "amount_vnd": amount, "rule": None, "description": f"{text} đồng/hồ sơ"}


def _synthetic(code: str, level: str, profile: _Profile, rng: random.Random) -> dict[str, Any]:
    subject = rng.choice(profile.subjects_at(level))
    agencies = [a for a in profile.agencies[level] if subject.agencies is None or a in subject.agencies]
    agency_code = rng.choice(agencies)
    agency = AGENCY_BY_CODE[agency_code]
    verb = rng.choice(subject.verbs)
    audience = subject.audience
    qualifier = ""
    if audience == "both":
        audience = rng.choice(("person", "org"))
        qualifier = rng.choice(("", "", " cho cá nhân" if audience == "person" else " cho tổ chức"))
    suffix = rng.choice(_VERB_SUFFIXES.get(verb, ("",)))
    name = f"{verb} {subject.phrase}{suffix or qualifier}"

    fee = _fee(profile, rng)
    fields = list(_PERSON_FIELDS if audience == "person" else _ORG_FIELDS)
    extra = [f for f in profile.fields if f not in fields]
    fields += rng.sample(extra, k=min(len(extra), rng.randint(1, 3)))
    if fee["kind"] == "rule" and fee["rule"]["value_field"] not in fields:
        fields.append(fee["rule"]["value_field"])

    documents = [doc(rng.choice(("DON-DE-NGHI", "TO-KHAI")))]
    if audience == "person" and rng.random() < 0.5:
        documents.append(doc("CCCD"))
    taken = {d["code"] for d in documents}
    others = [d for d in profile.documents if d not in taken]
    for code_ in rng.sample(others, k=min(len(others), rng.randint(0, 3))):
        documents.append(doc(code_, mandatory=rng.random() < 0.8))

    allowed: list[str] = []
    candidates = [c for c in (agency.parent_code, *profile.related) if c and c != agency_code]
    if candidates and rng.random() < 0.3:
        allowed.append(rng.choice(candidates))

    provinces: list[str] = []
    if level != "central" and rng.random() < 0.2:
        provinces = sorted(p.code for p in rng.sample(PROVINCES, k=rng.randint(1, 8)))

    days = rng.choice(_PROCESSING_DAYS[level])
    service_level = 4 if rng.random() < 0.45 else 3
    channel = "nộp hồ sơ và nhận kết quả trực tuyến" if service_level == 4 else "nộp hồ sơ trực tuyến"
    description = f"{name}: thủ tục {_LEVEL_NAMES[level]} do {agency.name} giải quyết trong {days} ngày làm việc, {channel}."
    return {
        "code": code,
        "name": name,
        "sector": profile.sector,
        "agency_code": agency_code,
        "level": level,
        "service_level": service_level,
        "fee": fee,
        "processing_days": days,
        "required_documents": documents,
        "required_fields": fields,
        "allowed_agency_codes": allowed,
        "chained_flow": None,
        "social_saving_vnd": None,
        "provinces": provinces,
        "description": description,
        "assurance_level": 1,
    }


def generate_catalog(n: int = 3000, seed: int = 42) -> Iterator[dict[str, Any]]:
    """Yield ``n`` procedure dicts (the keys of ``PROCEDURE_KEYS``): the seed procedures first (copies), then
    synthetic ones. Deterministic for a given ``(n, seed)``; codes are unique."""
    if n < 0:
        raise ValueError("n must be non-negative")
    seeds = SEED_PROCEDURES[:n]
    for procedure in seeds:
        yield copy.deepcopy(procedure)
    if n <= len(seeds):
        return
    rng = random.Random(seed)
    plan = _level_plan(n, [p["level"] for p in seeds], rng)
    profiles_by_level = {level: _weighted_profiles(level) for level in LEVELS}
    serial = 100
    for level in plan:
        serial += rng.randint(1, 9)
        code = f"{rng.choice('12')}.{serial:06d}"
        yield _synthetic(code, level, rng.choice(profiles_by_level[level]), rng)
