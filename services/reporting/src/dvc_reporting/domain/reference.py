"""Reference data the dashboard shows by name: the sectors, the statuses (pure data).

Provinces are the portal's one reference, ``dvc_contracts.units``: the 34 of today and the 63 of before
1 July 2025 ("edition" 2025 and 2024). Agency names come from the events themselves (procedure-published
carries agency_name).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from dvc_contracts import units

SECTORS: Final[tuple[tuple[str, str], ...]] = (
    ("GTVT", "Giao thông vận tải"), ("DUONG-BO", "Đường bộ"), ("DANG-KIEM", "Đăng kiểm"),
    ("DANG-KY-XE", "Đăng ký xe"), ("XLVPHC", "Xử lý vi phạm hành chính"), ("CU-TRU", "Cư trú"),
    ("XUAT-NHAP-CANH", "Xuất nhập cảnh"), ("TAI-CHINH", "Tài chính"), ("THUE", "Thuế"),
    ("PHI-LE-PHI", "Phí, lệ phí"), ("HAI-QUAN", "Hải quan"), ("KHO-BAC", "Kho bạc nhà nước"),
    ("TU-PHAP", "Tư pháp"), ("HO-TICH", "Hộ tịch"), ("CHUNG-THUC", "Chứng thực"),
    ("LY-LICH-TU-PHAP", "Lý lịch tư pháp"), ("CONG-CHUNG", "Công chứng"), ("BHXH", "Bảo hiểm xã hội"),
    ("BHYT", "Bảo hiểm y tế"), ("BHTN", "Bảo hiểm thất nghiệp"), ("LAO-DONG", "Lao động, tiền lương"),
    ("VIEC-LAM", "Việc làm"), ("NGUOI-CO-CONG", "Người có công"), ("BAO-TRO-XA-HOI", "Bảo trợ xã hội"),
    ("DKKD", "Đăng ký kinh doanh"), ("DAU-TU", "Đầu tư"), ("DIEN-LUC", "Điện lực"),
    ("CONG-THUONG", "Công thương"), ("XUC-TIEN-THUONG-MAI", "Xúc tiến thương mại"), ("Y-TE", "Y tế"),
    ("KHAM-CHUA-BENH", "Khám bệnh, chữa bệnh"), ("DUOC-PHAM", "Dược phẩm"),
    ("AN-TOAN-THUC-PHAM", "An toàn thực phẩm"), ("GIAO-DUC", "Giáo dục và Đào tạo"),
    ("THI-TUYEN-SINH", "Thi, tuyển sinh"), ("TOA-AN", "Tòa án"), ("TIN-DUNG-CHINH-SACH", "Tín dụng chính sách"),
    ("DAT-DAI", "Đất đai"), ("MOI-TRUONG", "Môi trường"), ("XAY-DUNG", "Xây dựng"),
    ("NONG-NGHIEP", "Nông nghiệp"), ("BUU-CHINH-VIEN-THONG", "Bưu chính, viễn thông"),
    ("BAO-CHI-XUAT-BAN", "Báo chí, xuất bản"), ("VAN-HOA-DU-LICH", "Văn hóa, du lịch"),
    ("KHOA-HOC-CONG-NGHE", "Khoa học và công nghệ"), ("NOI-VU", "Nội vụ"),
)  # fmt: skip
SECTOR_NAMES: Final = MappingProxyType(dict(SECTORS))

# Every status a dossier can have on the portal, in lifecycle order, with its Vietnamese label.
STATUSES: Final[tuple[tuple[str, str], ...]] = (
    ("submitted", "Đã nộp"),
    ("received", "Đã tiếp nhận"),
    ("processing", "Đang xử lý"),
    ("supplement_requested", "Yêu cầu bổ sung"),
    ("forwarded", "Chuyển xử lý"),
    ("completed", "Hoàn thành"),
    ("returned", "Trả lại"),
    ("rejected", "Từ chối"),
    ("withdrawn", "Rút hồ sơ"),
    ("cancelled", "Đã hủy"),
)
STATUS_NAMES: Final = MappingProxyType(dict(STATUSES))
STATUS_CODES: Final[tuple[str, ...]] = tuple(code for code, _ in STATUSES)

# A finished dossier is never overdue. ``cancelled`` (the portal stopped it, e.g. an expired payment) is
# finished too: nobody is processing it any more.
FINISHED: Final[frozenset[str]] = frozenset({"completed", "returned", "rejected", "withdrawn", "cancelled"})

CHANNEL_NAMES: Final = MappingProxyType({"online": "Trực tuyến", "counter": "Trực tiếp"})


def province_name(code: str | None, edition: units.Edition = "2025") -> str:
    return units.name(code, edition)


def sector_name(code: str | None) -> str:
    if not code:
        return "Chưa xác định"
    return SECTOR_NAMES.get(code, code)
