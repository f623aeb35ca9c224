"""What the portal shows people: sector names, dossier statuses, saga states, history kinds. Pure data.

How a form asks each field (label, input kind, hint) is in ``domain.fields``; its names are importable from
here too. tests/unit/test_domain.py checks that every sector of the catalog's vocabulary has an entry here."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final, Literal

from dvc_portal.domain.fields import (
    DATE_HINT,
    FIELD_BY_NAME,
    FIELDS,
    MONEY_HINT,
    TOP_LEVEL_FIELDS,
    FieldKind,
    FieldSpec,
    spec,
    unknown_field_label,
)

__all__ = [
    "CURRENT_STEP",
    "DATE_HINT",
    "FIELDS",
    "FIELD_BY_NAME",
    "FINISHED",
    "FLOWS",
    "HISTORY_KINDS",
    "LEVELS",
    "MONEY_HINT",
    "PROVIDERS",
    "SAGA_STATES",
    "SECTORS",
    "SERVICE_LEVELS",
    "STATUSES",
    "STATUS_TONE",
    "TOP_LEVEL_FIELDS",
    "FieldKind",
    "FieldSpec",
    "Step",
    "StepState",
    "spec",
    "unknown_field_label",
]

SECTORS: Final = MappingProxyType(
    {
        "GTVT": "Giao thông vận tải",
        "DUONG-BO": "Đường bộ",
        "DANG-KIEM": "Đăng kiểm",
        "DANG-KY-XE": "Đăng ký, quản lý phương tiện giao thông cơ giới đường bộ",
        "XLVPHC": "Xử lý vi phạm hành chính",
        "CU-TRU": "Đăng ký, quản lý cư trú",
        "XUAT-NHAP-CANH": "Quản lý xuất nhập cảnh",
        "TAI-CHINH": "Tài chính",
        "THUE": "Thuế",
        "PHI-LE-PHI": "Phí, lệ phí",
        "HAI-QUAN": "Hải quan",
        "KHO-BAC": "Kho bạc nhà nước",
        "TU-PHAP": "Tư pháp",
        "HO-TICH": "Hộ tịch",
        "CHUNG-THUC": "Chứng thực",
        "LY-LICH-TU-PHAP": "Lý lịch tư pháp",
        "CONG-CHUNG": "Công chứng",
        "BHXH": "Bảo hiểm xã hội",
        "BHYT": "Bảo hiểm y tế",
        "BHTN": "Bảo hiểm thất nghiệp",
        "LAO-DONG": "Lao động, tiền lương",
        "VIEC-LAM": "Việc làm",
        "NGUOI-CO-CONG": "Người có công",
        "BAO-TRO-XA-HOI": "Bảo trợ xã hội",
        "DKKD": "Đăng ký kinh doanh",
        "DAU-TU": "Đầu tư tại Việt Nam",
        "DIEN-LUC": "Điện lực",
        "CONG-THUONG": "Công thương",
        "XUC-TIEN-THUONG-MAI": "Xúc tiến thương mại",
        "Y-TE": "Y tế",
        "KHAM-CHUA-BENH": "Khám bệnh, chữa bệnh",
        "DUOC-PHAM": "Dược phẩm",
        "AN-TOAN-THUC-PHAM": "An toàn thực phẩm",
        "GIAO-DUC": "Giáo dục và Đào tạo",
        "THI-TUYEN-SINH": "Thi, tuyển sinh",
        "TOA-AN": "Tòa án",
        "TIN-DUNG-CHINH-SACH": "Tín dụng chính sách",
        "DAT-DAI": "Đất đai",
        "MOI-TRUONG": "Môi trường",
        "XAY-DUNG": "Xây dựng",
        "NONG-NGHIEP": "Nông nghiệp",
        "BUU-CHINH-VIEN-THONG": "Bưu chính, viễn thông",
        "BAO-CHI-XUAT-BAN": "Báo chí, xuất bản",
        "VAN-HOA-DU-LICH": "Văn hóa, du lịch",
        "KHOA-HOC-CONG-NGHE": "Khoa học và công nghệ",
        "NOI-VU": "Nội vụ",
    }
)

LEVELS: Final = MappingProxyType(
    {"central": "Trung ương", "province": "Cấp tỉnh", "district": "Cấp huyện", "commune": "Cấp xã"}
)

# Online service levels (Nghị định 42/2022/NĐ-CP calls level 4 "toàn trình" and level 3 "một phần").
SERVICE_LEVELS: Final = MappingProxyType(
    {
        4: (
            "Dịch vụ công trực tuyến toàn trình",
            "Nộp hồ sơ, nộp phí và nhận kết quả trực tuyến, không phải đến cơ quan.",
        ),
        3: (
            "Dịch vụ công trực tuyến một phần",
            "Nộp hồ sơ và phí trực tuyến; nhận kết quả hoặc làm một số bước trực tiếp tại cơ quan.",
        ),
    }
)

STATUSES: Final = MappingProxyType(
    {
        "submitted": "Đã nộp",
        "received": "Đã tiếp nhận",
        "processing": "Đang xử lý",
        "supplement_requested": "Yêu cầu bổ sung",
        "forwarded": "Chuyển xử lý",
        "completed": "Hoàn thành",
        "returned": "Trả lại",
        "rejected": "Từ chối",
        "withdrawn": "Rút hồ sơ",
        "cancelled": "Đã hủy",
    }
)
FINISHED: Final = frozenset({"completed", "returned", "rejected", "withdrawn", "cancelled"})
# the colour family of a status badge (text stays dark on light: contrast ≥ 4.5:1 in every family)
STATUS_TONE: Final = MappingProxyType(
    {
        "submitted": "info",
        "received": "info",
        "processing": "info",
        "supplement_requested": "warn",
        "forwarded": "info",
        "completed": "ok",
        "returned": "bad",
        "rejected": "bad",
        "withdrawn": "muted",
        "cancelled": "muted",
    }
)

SAGA_STATES: Final = MappingProxyType(
    {
        "checking": "Đang tra cứu dữ liệu dùng chung",
        "blocked": "Đang chờ: chưa đủ điều kiện",
        "awaiting_payment": "Chờ thanh toán",
        "awaiting_police": "Chờ Cảnh sát giao thông xử lý",
        "awaiting_agency": "Chờ cơ quan cấp giấy phép xử lý",
        "completed": "Hoàn thành",
        "cancelled": "Đã hủy",
        "compensating": "Đang hoàn trả lệ phí",
        "compensated": "Đã hoàn trả lệ phí",
        "compensation_failed": "Hoàn trả chưa thành công: cán bộ đang xử lý",
    }
)
FLOWS: Final = MappingProxyType(
    {
        "vehicle-registration": "Liên thông đăng ký xe: thuế → thanh toán → Cảnh sát giao thông",
        "licence-renewal-l4": "Liên thông đổi giấy phép lái xe: y tế → công an → thanh toán → cơ quan cấp",
    }
)
# Which step of each flow a saga state is at (steps before it are done). None: every step is done.
CURRENT_STEP: Final = MappingProxyType(
    {
        "vehicle-registration": {"awaiting_payment": "pay_fee", "awaiting_police": "issue_plate"},
        "licence-renewal-l4": {
            "checking": "check_health_record",
            "awaiting_payment": "pay_fee",
            "awaiting_agency": "issue_licence",
        },
    }
)

HISTORY_KINDS: Final = MappingProxyType(
    {
        "status": "Trạng thái",
        "saga": "Bước liên thông",
        "compensation": "Hoàn trả",
        "data_access": "Tra cứu dữ liệu dùng chung",
    }
)

PROVIDERS: Final = MappingProxyType(
    {"vnpay": "VNPAY", "momo": "Ví MoMo", "paygov": "PayGov (Nền tảng thanh toán quốc gia)"}
)


StepState = Literal["done", "current", "todo", "stopped"]


@dataclass(frozen=True)
class Step:
    name: str
    title: str
    state: StepState
    compensation: str | None = None
    note: str | None = field(default=None)
