"""Reference data the dashboard shows by name: the 63 provinces, the sectors, the statuses (pure data).

The province codes are the official 2-digit administrative codes (the "63/63 địa phương" of 2008-2025), the
codes every agency status event carries. Embedded here on purpose: reporting never imports another service.
Agency names come from the events themselves (procedure-published carries agency_name).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

PROVINCES: Final[tuple[tuple[str, str], ...]] = (
    ("01", "Hà Nội"), ("02", "Hà Giang"), ("04", "Cao Bằng"), ("06", "Bắc Kạn"), ("08", "Tuyên Quang"),
    ("10", "Lào Cai"), ("11", "Điện Biên"), ("12", "Lai Châu"), ("14", "Sơn La"), ("15", "Yên Bái"),
    ("17", "Hòa Bình"), ("19", "Thái Nguyên"), ("20", "Lạng Sơn"), ("22", "Quảng Ninh"), ("24", "Bắc Giang"),
    ("25", "Phú Thọ"), ("26", "Vĩnh Phúc"), ("27", "Bắc Ninh"), ("30", "Hải Dương"), ("31", "Hải Phòng"),
    ("33", "Hưng Yên"), ("34", "Thái Bình"), ("35", "Hà Nam"), ("36", "Nam Định"), ("37", "Ninh Bình"),
    ("38", "Thanh Hóa"), ("40", "Nghệ An"), ("42", "Hà Tĩnh"), ("44", "Quảng Bình"), ("45", "Quảng Trị"),
    ("46", "Thừa Thiên Huế"), ("48", "Đà Nẵng"), ("49", "Quảng Nam"), ("51", "Quảng Ngãi"), ("52", "Bình Định"),
    ("54", "Phú Yên"), ("56", "Khánh Hòa"), ("58", "Ninh Thuận"), ("60", "Bình Thuận"), ("62", "Kon Tum"),
    ("64", "Gia Lai"), ("66", "Đắk Lắk"), ("67", "Đắk Nông"), ("68", "Lâm Đồng"), ("70", "Bình Phước"),
    ("72", "Tây Ninh"), ("74", "Bình Dương"), ("75", "Đồng Nai"), ("77", "Bà Rịa - Vũng Tàu"),
    ("79", "TP. Hồ Chí Minh"), ("80", "Long An"), ("82", "Tiền Giang"), ("83", "Bến Tre"), ("84", "Trà Vinh"),
    ("86", "Vĩnh Long"), ("87", "Đồng Tháp"), ("89", "An Giang"), ("91", "Kiên Giang"), ("92", "Cần Thơ"),
    ("93", "Hậu Giang"), ("94", "Sóc Trăng"), ("95", "Bạc Liêu"), ("96", "Cà Mau"),
)  # fmt: skip
PROVINCE_NAMES: Final = MappingProxyType(dict(PROVINCES))

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


def province_name(code: str | None) -> str:
    if not code:
        return "Chưa xác định"
    return PROVINCE_NAMES.get(code, code)


def sector_name(code: str | None) -> str:
    if not code:
        return "Chưa xác định"
    return SECTOR_NAMES.get(code, code)
