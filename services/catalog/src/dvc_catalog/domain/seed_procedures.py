"""The seed catalog: real procedures named in the product brief (articles on the national portal), as dicts.

Every procedure is a dict with exactly the keys in ``PROCEDURE_KEYS``; the catalog service turns it into its
model and into the ``procedure-published`` snapshot (``ProcedurePublishedV1``). ``procedure_problems`` checks a
dict against the reference data.

Fees (integer VND): ``kind`` is ``fixed`` (``amount_vnd``), ``free`` or ``rule`` (``rule``), the contract's
``dvc_contracts.fees.ProcedureFeeV1``; the rule types, and how each is computed (``assess_fee``), are that
module's: the catalog computes no fee of its own.

Amounts: "real" means the published fee or rate the comment cites; "assumption" means a plausible figure chosen
for this portal where the seeds and the cited rules give none (provinces set many local fees themselves).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from pydantic import ValidationError

from dvc_catalog.domain.reference import AGENCY_BY_CODE, CODE_PATTERN, PROVINCE_BY_CODE, SECTOR_BY_CODE
from dvc_contracts.fees import parse_fee

PROCEDURE_KEYS: Final[tuple[str, ...]] = (
    "code",
    "name",
    "sector",
    "agency_code",
    "level",
    "service_level",
    "fee",
    "processing_days",
    "required_documents",
    "required_fields",
    "allowed_agency_codes",
    "chained_flow",
    "social_saving_vnd",
    "provinces",
    "description",
    "assurance_level",
)
LEVELS: Final[tuple[str, ...]] = ("central", "province", "district", "commune")
CHAINED_FLOWS: Final[tuple[str, ...]] = ("vehicle-registration", "licence-renewal-l4")
FIELD_NAME_PATTERN: Final = re.compile(r"^[a-z][a-z0-9_]*$")

# Lương cơ sở (base salary) from 1 July 2024, Nghị định 73/2024/NĐ-CP: 2,340,000 VND/month (real).
BASE_SALARY_VND: Final = 2_340_000

# --------------------------------------------------------------------------------------------------------------
# Vocabulary: form fields and document types used by the seeds and the generator.
# --------------------------------------------------------------------------------------------------------------

FIELD_LABELS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "applicant_name": "Họ và tên người nộp hồ sơ",
        "citizen_id": "Số định danh cá nhân / căn cước công dân",
        "date_of_birth": "Ngày, tháng, năm sinh",
        "phone": "Số điện thoại",
        "email": "Thư điện tử",
        "address": "Nơi cư trú",
        "delivery_address": "Địa chỉ nhận kết quả qua bưu chính",
        "province_code": "Tỉnh, thành phố nơi thực hiện",
        "purpose": "Mục đích sử dụng",
        "licence_number": "Số giấy phép lái xe",
        "licence_class": "Hạng giấy phép lái xe",
        "health_check_code": "Mã giấy khám sức khỏe",
        "health_facility": "Cơ sở khám sức khỏe",
        "training_centre": "Cơ sở đào tạo lái xe",
        "vehicle_type": "Loại xe",
        "vehicle_brand": "Nhãn hiệu xe",
        "vehicle_model": "Số loại (kiểu xe)",
        "chassis_number": "Số khung",
        "engine_number": "Số máy",
        "vehicle_value_vnd": "Giá trị xe tính lệ phí trước bạ (đồng)",
        "plate_number": "Biển số xe",
        "record_no": "Số biên bản vi phạm hành chính",
        "violation_date": "Ngày vi phạm",
        "document_title": "Tên giấy tờ cần chứng thực",
        "page_count": "Số trang của bản chính",
        "copy_count": "Số bản sao cần chứng thực",
        "appointment_date": "Ngày hẹn đến chứng thực",
        "social_insurance_no": "Mã số bảo hiểm xã hội",
        "monthly_income_vnd": "Mức thu nhập tháng làm căn cứ đóng (đồng)",
        "payment_months": "Số tháng đóng",
        "household_member_count": "Số thành viên hộ gia đình tham gia",
        "card_number": "Số thẻ bảo hiểm y tế",
        "reissue_reason": "Lý do cấp lại",
        "child_name": "Họ và tên người được khai sinh",
        "child_date_of_birth": "Ngày sinh của trẻ",
        "child_sex": "Giới tính của trẻ",
        "birth_place": "Nơi sinh",
        "father_name": "Họ và tên cha",
        "mother_name": "Họ và tên mẹ",
        "relationship": "Quan hệ với người được đăng ký",
        "marital_status": "Tình trạng hôn nhân",
        "request_type": "Loại phiếu yêu cầu cấp",
        "enterprise_name": "Tên doanh nghiệp, tổ chức",
        "tax_code": "Mã số thuế",
        "business_name": "Tên hộ kinh doanh",
        "business_address": "Địa điểm kinh doanh",
        "business_line": "Ngành, nghề kinh doanh",
        "capital_vnd": "Vốn kinh doanh (đồng)",
        "employee_count": "Số lao động",
        "tax_period": "Kỳ tính thuế",
        "tax_type": "Loại thuế, khoản thu",
        "tax_amount_vnd": "Số tiền thuế phải nộp (đồng)",
        "extension_months": "Số tháng đề nghị gia hạn",
        "promotion_name": "Tên chương trình khuyến mại",
        "promotion_start_date": "Ngày bắt đầu khuyến mại",
        "promotion_end_date": "Ngày kết thúc khuyến mại",
        "promotion_area": "Địa bàn thực hiện khuyến mại",
        "goods_description": "Hàng hóa, dịch vụ được khuyến mại",
        "connection_address": "Địa chỉ sử dụng điện",
        "power_demand_kw": "Công suất đăng ký sử dụng (kW)",
        "transformer_capacity_kva": "Dung lượng trạm biến áp (kVA)",
        "electricity_customer_code": "Mã khách hàng sử dụng điện",
        "bill_period": "Kỳ hóa đơn",
        "social_insurance_unit_code": "Mã đơn vị tham gia bảo hiểm xã hội",
        "monthly_payroll_vnd": "Tổng quỹ tiền lương tháng đóng bảo hiểm (đồng)",
        "contribution_period": "Kỳ đóng",
        "suspension_start_date": "Ngày bắt đầu tạm hoãn, nghỉ việc",
        "suspension_end_date": "Ngày kết thúc tạm hoãn, nghỉ việc",
        "suspension_months": "Số tháng tạm dừng đóng",
        "loan_amount_vnd": "Số tiền đề nghị vay (đồng)",
        "school_name": "Trường trung học phổ thông",
        "exam_subjects": "Các bài thi đăng ký",
        "case_no": "Số thụ lý vụ án",
        "court_notice_no": "Số thông báo nộp án phí",
        # Used by generated procedures.
        "organisation_name": "Tên tổ chức",
        "asset_value_vnd": "Giá trị tài sản (đồng)",
        "land_parcel_no": "Số thửa đất, tờ bản đồ",
        "area_m2": "Diện tích (m²)",
        "project_name": "Tên dự án",
        "permit_number": "Số giấy phép đã được cấp",
        "facility_name": "Tên cơ sở",
        "facility_address": "Địa chỉ cơ sở",
        "product_name": "Tên sản phẩm",
        "passport_number": "Số hộ chiếu",
        "nationality": "Quốc tịch",
        "student_name": "Họ và tên học sinh, sinh viên",
        "beneficiary_name": "Họ và tên người hưởng",
        "bank_account": "Số tài khoản nhận tiền",
        "start_date": "Ngày bắt đầu",
        "end_date": "Ngày kết thúc",
    }
)

DOCUMENT_TYPES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "CCCD": "Căn cước công dân hoặc giấy tờ tùy thân có ảnh",
        "ANH-CHAN-DUNG": "Ảnh chân dung",
        "TO-KHAI": "Tờ khai theo mẫu",
        "DON-DE-NGHI": "Đơn đề nghị theo mẫu",
        "GIAY-UY-QUYEN": "Văn bản ủy quyền (nếu nộp thay)",
        "DON-DOI-GPLX": "Đơn đề nghị đổi giấy phép lái xe",
        "DON-CAP-GPLX": "Đơn đề nghị học, sát hạch để cấp giấy phép lái xe",
        "GPLX-CU": "Bản chụp giấy phép lái xe đang sử dụng",
        "GKSK-LAI-XE": "Giấy khám sức khỏe của người lái xe (liên thông dữ liệu từ cơ sở y tế)",
        "SO-KHAM-SK": "Sổ khám sức khỏe hoặc kết quả khám trước đó (nếu có)",
        "GIAY-KHAI-DKX": "Giấy khai đăng ký xe",
        "CT-NGUON-GOC-XE": "Chứng từ nguồn gốc xe (phiếu kiểm tra chất lượng xuất xưởng hoặc tờ khai hải quan)",
        "HOA-DON-MUA-XE": "Hóa đơn, chứng từ chuyển quyền sở hữu xe",
        "TK-LPTB": "Tờ khai lệ phí trước bạ",
        "CT-NOP-LPTB": "Chứng từ nộp lệ phí trước bạ (liên thông điện tử từ cơ quan thuế)",
        "QD-XU-PHAT": "Quyết định xử phạt vi phạm hành chính",
        "BAN-CHINH": "Bản chính giấy tờ cần chứng thực",
        "TK-BHXH-TN": "Tờ khai tham gia, điều chỉnh thông tin bảo hiểm xã hội, bảo hiểm y tế",
        "DS-THANH-VIEN-HGD": "Danh sách thành viên hộ gia đình tham gia bảo hiểm y tế",
        "DON-CAP-LAI-THE-BHYT": "Đơn đề nghị cấp lại thẻ bảo hiểm y tế",
        "THE-BHYT-HONG": "Thẻ bảo hiểm y tế bị hỏng (nếu có)",
        "DS-LAO-DONG-BHXH": "Danh sách lao động tham gia bảo hiểm xã hội, bảo hiểm y tế, bảo hiểm thất nghiệp",
        "TK-KHAI-SINH": "Tờ khai đăng ký khai sinh",
        "GIAY-CHUNG-SINH": "Giấy chứng sinh",
        "GCN-KET-HON": "Giấy chứng nhận kết hôn của cha, mẹ (nếu có)",
        "TK-XN-HON-NHAN": "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân",
        "GIAY-TO-LY-HON": "Bản án, quyết định ly hôn hoặc giấy chứng tử của vợ/chồng (nếu có)",
        "TK-LLTP": "Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp",
        "GIAY-TO-CU-TRU": "Giấy tờ chứng minh nơi cư trú",
        "GIAY-DE-NGHI-DKHKD": "Giấy đề nghị đăng ký hộ kinh doanh",
        "BB-HOP-THANH-VIEN-HGD": "Biên bản họp thành viên hộ gia đình về việc thành lập hộ kinh doanh (nếu có)",
        "TK-DANG-KY-THUE": "Tờ khai đăng ký thuế",
        "TK-THUE": "Tờ khai thuế của kỳ tính thuế",
        "GIAY-NOP-TIEN": "Giấy nộp tiền vào ngân sách nhà nước",
        "TB-KHUYEN-MAI": "Thông báo thực hiện khuyến mại theo mẫu",
        "GIAY-DE-NGHI-CAP-DIEN": "Giấy đề nghị mua điện",
        "GIAY-TO-DIA-DIEM": "Giấy tờ xác định quyền sử dụng địa điểm dùng điện",
        "HO-SO-KY-THUAT-TRAM": "Hồ sơ kỹ thuật công trình điện (trạm biến áp, đường dây)",
        "HOA-DON-TIEN-DIEN": "Thông báo tiền điện của kỳ hóa đơn",
        "GIAY-DE-NGHI-GIA-HAN-THUE": "Giấy đề nghị gia hạn nộp thuế và tiền thuê đất",
        "DS-LAO-DONG-HO-TRO": "Danh sách người lao động tạm hoãn hợp đồng, nghỉ việc không hưởng lương",
        "VB-THOA-THUAN-TAM-HOAN": "Văn bản thỏa thuận tạm hoãn hợp đồng lao động hoặc nghỉ việc không hưởng lương",
        "BAO-CAO-TAI-CHINH": "Báo cáo tài chính năm gần nhất",
        "GIAY-DE-NGHI-VAY": "Giấy đề nghị vay vốn",
        "DS-LAO-DONG-NGUNG-VIEC": "Danh sách người lao động bị ngừng việc",
        "VB-DE-NGHI-TAM-DUNG": "Văn bản đề nghị tạm dừng đóng vào quỹ hưu trí và tử tuất",
        "PHIEU-DANG-KY-DU-THI": "Phiếu đăng ký dự thi",
        "HOC-BA": "Học bạ trung học phổ thông",
        "GIAY-UU-TIEN": "Giấy chứng nhận hưởng ưu tiên, khuyến khích (nếu có)",
        "THONG-BAO-AN-PHI": "Thông báo nộp tiền tạm ứng án phí, án phí",
        # Used by generated procedures.
        "GIAY-PHEP-CU": "Bản chính giấy phép đã được cấp",
        "GIAY-DKKD": "Giấy chứng nhận đăng ký doanh nghiệp",
        "HO-SO-NANG-LUC": "Hồ sơ chứng minh năng lực, điều kiện hoạt động",
        "BAN-VE": "Bản vẽ thiết kế, sơ đồ vị trí",
        "GIAY-CN-QSDD": "Giấy chứng nhận quyền sử dụng đất",
        "HOP-DONG": "Hợp đồng, văn bản giao dịch liên quan",
        "BAN-CAM-KET": "Bản cam kết",
        "GIAY-XAC-NHAN": "Giấy xác nhận của cơ quan có thẩm quyền",
        "BAO-CAO-DTM": "Báo cáo đánh giá tác động môi trường",
        "HO-CHIEU": "Hộ chiếu",
        "BANG-CAP": "Văn bằng, chứng chỉ chuyên môn",
        "GIAY-KHAM-SK": "Giấy chứng nhận sức khỏe",
    }
)


def doc(code: str, mandatory: bool = True) -> dict[str, Any]:
    """A required-document entry ``{code, name, mandatory}`` from ``DOCUMENT_TYPES``."""
    return {"code": code, "name": DOCUMENT_TYPES[code], "mandatory": mandatory}


def _fixed(amount_vnd: int, description: str) -> dict[str, Any]:
    return {"kind": "fixed", "amount_vnd": amount_vnd, "rule": None, "description": description}


def _free(description: str = "Không thu phí, lệ phí") -> dict[str, Any]:
    return {"kind": "free", "amount_vnd": None, "rule": None, "description": description}


def _rule(rule: dict[str, Any], description: str) -> dict[str, Any]:
    return {"kind": "rule", "amount_vnd": None, "rule": rule, "description": description}


def _proc(
    *,
    code: str,
    name: str,
    sector: str,
    agency_code: str,
    level: str,
    service_level: int,
    fee: dict[str, Any],
    processing_days: int,
    required_documents: list[dict[str, Any]],
    required_fields: list[str],
    allowed_agency_codes: list[str] | None = None,
    chained_flow: str | None = None,
    social_saving_vnd: int | None = None,
    provinces: list[str] | None = None,
    description: str,
    assurance_level: int = 1,
) -> dict[str, Any]:
    return {
        "code": code,
        "name": name,
        "sector": sector,
        "agency_code": agency_code,
        "level": level,
        "service_level": service_level,
        "fee": fee,
        "processing_days": processing_days,
        "required_documents": required_documents,
        "required_fields": required_fields,
        "allowed_agency_codes": allowed_agency_codes or [],
        "chained_flow": chained_flow,
        "social_saving_vnd": social_saving_vnd,
        "provinces": provinces or [],
        "description": description,
        "assurance_level": assurance_level,
    }


# --------------------------------------------------------------------------------------------------------------
# Social-cost savings per online dossier, derived from the seeds' yearly figures.
# --------------------------------------------------------------------------------------------------------------
# The seeds' "6 new services save 1,686 tỷ/năm" (seed 000) is the sum of the four per-service figures the same
# article gives: 428.4 (e-certified copies) + 209.5 (voluntary social insurance) + 724.6 (household health
# insurance) + 323.9 (licence renewal level 4) = 1,686.4 tỷ ≈ 1,686 tỷ. Nothing of the total is left for the
# other two of the six (new driver licence, traffic-fine payment), so they carry no figure (None).
SAVING_LICENCE_RENEWAL_L4: Final = round(323_900_000_000 / 945_000)  # 342,751
SAVING_E_CERTIFIED_COPY: Final = round(428_400_000_000 / (102_000_000 * 30 // 100))  # 14,000
SAVING_VOLUNTARY_SOCIAL_INSURANCE: Final = round(209_500_000_000 / 614_650)  # 340,844
SAVING_HOUSEHOLD_HEALTH_INSURANCE: Final = round(724_600_000_000 / (17_000_000 * 50 // 100))  # 85,247
SAVING_COMPULSORY_SOCIAL_INSURANCE: Final = round(1_329_000_000_000 / (780_000 * 12))  # 141,987

# --------------------------------------------------------------------------------------------------------------
# Fee rules shared by several procedures.
# --------------------------------------------------------------------------------------------------------------

# Lệ phí trước bạ, ô tô chở người từ 9 chỗ trở xuống, first registration (Nghị định 10/2022/NĐ-CP): 10% of the
# taxable value; provinces may raise it by up to 50%. Real published provincial rates: 12% in Hà Nội, Hải Phòng,
# Quảng Ninh, Lạng Sơn, Cao Bằng, Sơn La, Cần Thơ; 11% in Hà Tĩnh; 10% elsewhere. No cap for these cars. The
# taxable value is the Ministry of Finance price list; here the applicant declares it (assumption). Keys are
# today's codes (dvc_contracts.units); Hải Phòng (31) and Cần Thơ (92) absorbed other provinces on 1 July 2025:
# their former city's rate is assumed for the whole new unit until its council sets one (assumption).
LPTB_CAR_RULE: Final[Mapping[str, Any]] = MappingProxyType(
    {
        "type": "percent_of_value",
        "value_field": "vehicle_value_vnd",
        "percent": 10,
        "percent_by_province": {
            "01": 12,
            "31": 12,
            "22": 12,
            "20": 12,
            "04": 12,
            "14": 12,
            "92": 12,
            "42": 11,
        },
        "min_vnd": None,
        "max_vnd": None,
    }
)
# Xe máy: 2% (real, Nghị định 10/2022/NĐ-CP; 5% on the first registration in centrally-run cities, provincial
# cities and towns, not modelled here), capped at 500,000,000 VND per asset per registration (real).
LPTB_MOTORBIKE_RULE: Final[Mapping[str, Any]] = MappingProxyType(
    {
        "type": "percent_of_value",
        "value_field": "vehicle_value_vnd",
        "percent": 2,
        "percent_by_province": {},
        "min_vnd": None,
        "max_vnd": 500_000_000,
    }
)


def _lptb_car_fee(description: str) -> dict[str, Any]:
    rule = dict(LPTB_CAR_RULE)
    rule["percent_by_province"] = dict(LPTB_CAR_RULE["percent_by_province"])
    return _rule(rule, description)


def _lptb_motorbike_fee(description: str) -> dict[str, Any]:
    rule = dict(LPTB_MOTORBIKE_RULE)
    rule["percent_by_province"] = {}
    return _rule(rule, description)


_IDENTITY: Final = ["applicant_name", "citizen_id", "phone"]
_ENTERPRISE: Final = ["applicant_name", "enterprise_name", "tax_code", "phone"]

# --------------------------------------------------------------------------------------------------------------
# The seed procedures.
# --------------------------------------------------------------------------------------------------------------

SEED_PROCEDURES: Final[tuple[dict[str, Any], ...]] = (
    # ---- Road transport: driver licences (seed 000: "Đổi giấy phép lái xe cấp độ 4", "Cấp mới giấy phép lái xe")
    _proc(
        code="GPLX-DOI-L4",
        name="Đổi giấy phép lái xe do ngành Giao thông vận tải cấp (dịch vụ công mức độ 4)",
        sector="DUONG-BO",
        agency_code="BGTVT-TCDBVN",
        level="province",
        service_level=4,
        # Real: lệ phí cấp/đổi GPLX 135,000 VND (Thông tư 188/2016/TT-BTC, kept by Thông tư 37/2023/TT-BTC).
        fee=_fixed(135_000, "Lệ phí đổi giấy phép lái xe 135.000 đồng/lần"),
        # Real: "không quá 05 ngày làm việc" (Thông tư 12/2017/TT-BGTVT).
        processing_days=5,
        required_documents=[
            doc("DON-DOI-GPLX"),
            doc("GKSK-LAI-XE"),
            doc("GPLX-CU"),
            doc("ANH-CHAN-DUNG"),
        ],
        required_fields=[
            *_IDENTITY,
            "date_of_birth",
            "licence_number",
            "licence_class",
            "health_check_code",
            "delivery_address",
            "province_code",
        ],
        # Executed by each province's Sở Giao thông vận tải, which reports status too.
        allowed_agency_codes=["SO-GTVT"],
        chained_flow="licence-renewal-l4",
        assurance_level=2,  # paid online end to end: a level-2 account (Nghị định 69/2024/NĐ-CP)
        social_saving_vnd=SAVING_LICENCE_RENEWAL_L4,
        description=(
            "Đổi giấy phép lái xe hoàn toàn trực tuyến nhờ liên thông dữ liệu khám sức khỏe của Bộ Y tế và dữ liệu "
            "xử lý vi phạm giao thông của Bộ Công an, kết quả trả qua bưu chính."
        ),
    ),
    _proc(
        code="GPLX-CAP-MOI",
        name="Cấp mới giấy phép lái xe",
        sector="DUONG-BO",
        agency_code="SO-GTVT",
        level="province",
        service_level=3,
        # Real: lệ phí cấp GPLX 135,000 VND; the exam (sát hạch) fees are collected separately by class.
        fee=_fixed(135_000, "Lệ phí cấp giấy phép lái xe 135.000 đồng; phí sát hạch thu riêng theo hạng"),
        # Real: issued within 10 working days after the exam ends (Thông tư 12/2017/TT-BGTVT).
        processing_days=10,
        required_documents=[
            doc("DON-CAP-GPLX"),
            doc("GKSK-LAI-XE"),
            doc("ANH-CHAN-DUNG"),
            doc("CCCD"),
        ],
        required_fields=[*_IDENTITY, "date_of_birth", "address", "licence_class", "training_centre"],
        allowed_agency_codes=["BGTVT-TCDBVN"],
        description=(
            "Đăng ký học, sát hạch và cấp mới giấy phép lái xe, nộp hồ sơ và lệ phí trực tuyến, "
            "người học có mặt khi sát hạch."
        ),
    ),
    _proc(
        code="YT-KSK-LAI-XE",
        name="Khám sức khỏe cho người lái xe và cấp giấy khám sức khỏe điện tử",
        sector="KHAM-CHUA-BENH",
        agency_code="BYT",
        level="province",
        service_level=3,
        # Assumption: each licensed clinic sets its own price; 350,000 VND is a typical figure, not a rule.
        fee=_fixed(350_000, "Giá khám sức khỏe lái xe do cơ sở khám bệnh niêm yết (giả định 350.000 đồng)"),
        processing_days=1,  # assumption: the certificate is issued on the day of the examination
        required_documents=[doc("CCCD"), doc("ANH-CHAN-DUNG"), doc("SO-KHAM-SK", mandatory=False)],
        required_fields=[*_IDENTITY, "date_of_birth", "licence_class", "health_facility"],
        allowed_agency_codes=["SO-YT"],
        description=(
            "Khám sức khỏe theo tiêu chuẩn người lái xe, kết quả được chia sẻ điện tử cho cơ quan cấp, đổi "
            "giấy phép lái xe."
        ),
    ),
    # ---- Vehicle registration with the electronic registration fee (seed 001: anh Phong's Hyundai i10).
    _proc(
        code="DKX-OTO",
        name="Đăng ký xe ô tô lần đầu liên thông kê khai, nộp lệ phí trước bạ điện tử",
        sector="DANG-KY-XE",
        agency_code="BCA-CSGT",
        level="province",
        service_level=4,
        # The online charge of the chained flow is the registration fee assessed by the tax authority (rule above);
        # the plate fee (20,000,000 VND in Hà Nội and TP. Hồ Chí Minh for cars up to 9 seats, Thông tư
        # 60/2023/TT-BTC) is paid at the police registration desk and is not part of this rule.
        fee=_lptb_car_fee(
            "Lệ phí trước bạ 10% giá trị xe (12% tại Hà Nội, Hải Phòng, Quảng Ninh, Lạng Sơn, Cao Bằng, Sơn La, "
            "Cần Thơ; 11% tại Hà Tĩnh); lệ phí đăng ký, cấp biển nộp tại phòng CSGT"
        ),
        # Real: 1 working day for the tax notice (assumption) + 2 working days for the registration certificate
        # (Thông tư 24/2023/TT-BCA: "không quá 02 ngày làm việc").
        processing_days=3,
        required_documents=[
            doc("GIAY-KHAI-DKX"),
            doc("TK-LPTB"),
            doc("CT-NGUON-GOC-XE"),
            doc("HOA-DON-MUA-XE"),
            doc("CCCD"),
        ],
        required_fields=[
            *_IDENTITY,
            "address",
            "province_code",
            "vehicle_type",
            "vehicle_brand",
            "vehicle_model",
            "chassis_number",
            "engine_number",
            "vehicle_value_vnd",
        ],
        # Tax (registration fee) first, then the traffic police (plate): both report on the same dossier.
        allowed_agency_codes=["BTC-TCT", "CA-TINH"],
        chained_flow="vehicle-registration",
        assurance_level=2,  # paid online end to end: a level-2 account (Nghị định 69/2024/NĐ-CP)
        provinces=[],
        description=(
            "Kê khai, nộp lệ phí trước bạ ô tô trực tuyến với cơ quan thuế, hồ sơ được chuyển sang CSGT để "
            "đăng ký, cấp biển số."
        ),
    ),
    _proc(
        code="DKX-XEMAY",
        name="Đăng ký xe mô tô, xe gắn máy lần đầu liên thông kê khai, nộp lệ phí trước bạ điện tử",
        sector="DANG-KY-XE",
        agency_code="BCA-CSGT",
        level="district",
        service_level=4,
        fee=_lptb_motorbike_fee(
            "Lệ phí trước bạ xe máy 2% giá trị xe; lệ phí đăng ký, cấp biển nộp tại cơ quan công an"
        ),
        processing_days=3,  # as DKX-OTO: 1 (tax notice, assumption) + 2 (Thông tư 24/2023/TT-BCA)
        required_documents=[
            doc("GIAY-KHAI-DKX"),
            doc("TK-LPTB"),
            doc("CT-NGUON-GOC-XE"),
            doc("HOA-DON-MUA-XE"),
            doc("CCCD"),
        ],
        required_fields=[
            *_IDENTITY,
            "address",
            "province_code",
            "vehicle_type",
            "vehicle_brand",
            "vehicle_model",
            "chassis_number",
            "engine_number",
            "vehicle_value_vnd",
        ],
        allowed_agency_codes=["BTC-TCT", "CA-TINH"],
        chained_flow="vehicle-registration",
        assurance_level=2,  # paid online end to end: a level-2 account (Nghị định 69/2024/NĐ-CP)
        description=(
            "Kê khai, nộp lệ phí trước bạ xe máy trực tuyến, hồ sơ được chuyển sang cơ quan công an để đăng ký, "
            "cấp biển số."
        ),
    ),
    _proc(
        code="LPTB-OTO",
        name="Kê khai, nộp lệ phí trước bạ ô tô",
        sector="THUE",
        agency_code="BTC-TCT",
        level="province",
        service_level=4,
        fee=_lptb_car_fee(
            "Lệ phí trước bạ 10% giá trị xe (12% tại Hà Nội, Hải Phòng, Quảng Ninh, Lạng Sơn, Cao Bằng, Sơn La, "
            "Cần Thơ; 11% tại Hà Tĩnh)"
        ),
        processing_days=1,  # assumption: the tax notice is issued within one working day
        required_documents=[doc("TK-LPTB"), doc("HOA-DON-MUA-XE"), doc("CT-NGUON-GOC-XE")],
        required_fields=[
            *_IDENTITY,
            "province_code",
            "vehicle_brand",
            "vehicle_model",
            "chassis_number",
            "engine_number",
            "vehicle_value_vnd",
        ],
        allowed_agency_codes=["BTC-KBNN"],
        description="Kê khai lệ phí trước bạ ô tô, nhận thông báo nộp và nộp lệ phí trực tuyến vào ngân sách nhà nước.",
    ),
    _proc(
        code="LPTB-XEMAY",
        name="Kê khai, nộp lệ phí trước bạ xe mô tô, xe gắn máy",
        sector="THUE",
        agency_code="BTC-TCT",
        level="district",
        service_level=4,
        fee=_lptb_motorbike_fee("Lệ phí trước bạ xe máy 2% giá trị xe"),
        processing_days=1,  # assumption, as LPTB-OTO
        required_documents=[doc("TK-LPTB"), doc("HOA-DON-MUA-XE"), doc("CT-NGUON-GOC-XE")],
        required_fields=[
            *_IDENTITY,
            "province_code",
            "vehicle_brand",
            "vehicle_model",
            "chassis_number",
            "engine_number",
            "vehicle_value_vnd",
        ],
        allowed_agency_codes=["BTC-KBNN"],
        description=(
            "Kê khai lệ phí trước bạ xe mô tô, xe gắn máy, nhận thông báo nộp và nộp lệ phí trực tuyến vào ngân "
            "sách nhà nước."
        ),
    ),
    # ---- Traffic fines (seeds 000, 001, 003): pay online, papers returned by post.
    _proc(
        code="XLVP-GTDB",
        name="Nộp phạt vi phạm hành chính trong lĩnh vực giao thông đường bộ",
        sector="XLVPHC",
        agency_code="BCA-CSGT",
        level="province",
        service_level=4,
        # The amount is the fine decision's (real); no surcharge by the portal.
        fee=_rule({"type": "fine_amount"}, "Số tiền phạt ghi trong quyết định xử phạt"),
        processing_days=3,  # assumption: papers returned by post within 3 working days of payment
        required_documents=[doc("QD-XU-PHAT", mandatory=False)],
        required_fields=["applicant_name", "phone", "record_no", "violation_date", "delivery_address"],
        # Provincial traffic police units (Phòng CSGT) and the State Treasury, which receives the money.
        allowed_agency_codes=["CA-TINH", "BTC-KBNN"],
        description=(
            "Tra cứu quyết định xử phạt theo số biên bản, ngày vi phạm và họ tên, nộp phạt trực tuyến và nhận lại "
            "giấy tờ qua bưu điện."
        ),
    ),
    # ---- Justice: certification, civil status, criminal records.
    _proc(
        code="CT-BAN-SAO-DT",
        name="Chứng thực bản sao điện tử từ bản chính",
        sector="CHUNG-THUC",
        agency_code="UBND-XA",
        level="commune",
        service_level=4,
        # Real: 2,000 VND/page for the first two pages, 1,000 VND/page from the third, at most 200,000 VND per
        # copy (Thông tư 226/2016/TT-BTC).
        fee=_rule(
            {
                "type": "per_page",
                "count_field": "page_count",
                "copies_field": "copy_count",
                "first_pages": 2,
                "first_page_vnd": 2_000,
                "extra_page_vnd": 1_000,
                "max_per_copy_vnd": 200_000,
            },
            "2.000 đồng/trang cho 2 trang đầu, từ trang thứ 3 là 1.000 đồng/trang, tối đa 200.000 đồng/bản",
        ),
        # Real: the same day, or the next working day if received after 15:00 (Nghị định 23/2015/NĐ-CP).
        processing_days=1,
        required_documents=[doc("BAN-CHINH"), doc("CCCD")],
        required_fields=[*_IDENTITY, "document_title", "page_count", "copy_count", "appointment_date"],
        allowed_agency_codes=["UBND-HUYEN"],
        social_saving_vnd=SAVING_E_CERTIFIED_COPY,
        description=(
            "Đặt lịch hẹn chứng thực, nhận bản sao điện tử được ký số, dùng lại nhiều lần cho các thủ tục trực "
            "tuyến khác."
        ),
    ),
    _proc(
        code="HT-KHAI-SINH",
        name="Đăng ký khai sinh",
        sector="HO-TICH",
        agency_code="UBND-XA",
        level="commune",
        service_level=4,
        # Real: no fee for an on-time birth registration (Luật Hộ tịch 2014, Điều 11).
        fee=_free("Miễn lệ phí đăng ký khai sinh đúng hạn"),
        processing_days=1,  # real: "ngay trong ngày" (Luật Hộ tịch 2014, Điều 16)
        required_documents=[
            doc("TK-KHAI-SINH"),
            doc("GIAY-CHUNG-SINH"),
            doc("GCN-KET-HON", mandatory=False),
            doc("GIAY-UY-QUYEN", mandatory=False),
        ],
        required_fields=[
            *_IDENTITY,
            "relationship",
            "child_name",
            "child_date_of_birth",
            "child_sex",
            "birth_place",
            "father_name",
            "mother_name",
        ],
        provinces=["01"],  # seed 001: only Hà Nội offered it on the portal at launch
        description="Đăng ký khai sinh cho trẻ em trực tuyến tại Ủy ban nhân dân cấp xã nơi cư trú của cha, mẹ.",
    ),
    _proc(
        code="HT-XN-HON-NHAN",
        name="Cấp Giấy xác nhận tình trạng hôn nhân",
        sector="HO-TICH",
        agency_code="UBND-XA",
        level="commune",
        service_level=3,
        # Assumption: the fee is set by each province's People's Council; 15,000 VND is illustrative.
        fee=_fixed(15_000, "Lệ phí do Hội đồng nhân dân cấp tỉnh quy định (giả định 15.000 đồng)"),
        processing_days=3,  # real: 03 working days (Nghị định 123/2015/NĐ-CP, Điều 22)
        required_documents=[doc("TK-XN-HON-NHAN"), doc("GIAY-TO-LY-HON", mandatory=False), doc("CCCD")],
        required_fields=[*_IDENTITY, "date_of_birth", "address", "marital_status", "purpose"],
        provinces=["01"],  # seed 001: Hà Nội only at launch
        description=(
            "Cấp Giấy xác nhận tình trạng hôn nhân để kết hôn hoặc sử dụng vào mục đích khác tại Ủy ban nhân "
            "dân cấp xã nơi cư trú."
        ),
    ),
    _proc(
        code="LLTP-CAP-PHIEU",
        name="Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam",
        sector="LY-LICH-TU-PHAP",
        agency_code="SO-TP",
        level="province",
        service_level=4,
        # Real: 200,000 VND per request (100,000 for students and people with merit), Thông tư 244/2016/TT-BTC.
        fee=_fixed(200_000, "Phí cung cấp thông tin lý lịch tư pháp 200.000 đồng/lần"),
        # Real: "không quá 10 ngày" (Luật Lý lịch tư pháp 2009, Điều 48), counted here in working days.
        processing_days=10,
        required_documents=[doc("TK-LLTP"), doc("CCCD"), doc("GIAY-TO-CU-TRU", mandatory=False)],
        required_fields=[
            *_IDENTITY,
            "date_of_birth",
            "address",
            "request_type",
            "purpose",
            "delivery_address",
        ],
        # The police verify criminal records; the national centre keeps the database.
        allowed_agency_codes=["CA-TINH", "BTP-TTLLTPQG"],
        description="Cấp Phiếu lý lịch tư pháp số 1 hoặc số 2 theo yêu cầu, kết quả trả qua bưu chính hoặc tại Sở Tư pháp.",
    ),
    # ---- Social and health insurance (seeds 000, 001).
    _proc(
        code="BHXH-TU-NGUYEN",
        name="Đóng bảo hiểm xã hội tự nguyện",
        sector="BHXH",
        agency_code="BHXH",
        level="district",
        service_level=4,
        # Real: 22% of the chosen monthly income, between the rural poverty line (1,500,000 VND, Nghị định
        # 07/2021/NĐ-CP) and 20 x lương cơ sở (46,800,000 VND). State subsidies (10–30% of the minimum) not modelled.
        fee=_rule(
            {
                "type": "contribution",
                "value_field": "monthly_income_vnd",
                "percent": 22,
                "min_base_vnd": 1_500_000,
                "max_base_vnd": 20 * BASE_SALARY_VND,
                "months_field": "payment_months",
            },
            "22% mức thu nhập tháng lựa chọn, nhân với số tháng đóng",
        ),
        processing_days=1,  # assumption: a payment is confirmed the next working day
        required_documents=[doc("TK-BHXH-TN", mandatory=False)],
        required_fields=[*_IDENTITY, "social_insurance_no", "monthly_income_vnd", "payment_months"],
        social_saving_vnd=SAVING_VOLUNTARY_SOCIAL_INSURANCE,
        description="Người tham gia bảo hiểm xã hội tự nguyện đăng ký và đóng tiếp tiền bảo hiểm trực tuyến tại nhà.",
    ),
    _proc(
        code="BHYT-HGD-GIA-HAN",
        name="Gia hạn thẻ bảo hiểm y tế theo hộ gia đình",
        sector="BHYT",
        agency_code="BHXH",
        level="district",
        service_level=4,
        # Real: 4.5% of lương cơ sở for the first member; 70%, 60%, 50% of that for the 2nd–4th, 40% from the 5th
        # (Luật BHYT, Nghị định 146/2018/NĐ-CP).
        fee=_rule(
            {
                "type": "household_health_insurance",
                "base_salary_vnd": BASE_SALARY_VND,
                "percent": 4.5,
                "member_factors_percent": [100, 70, 60, 50, 40],
                "members_field": "household_member_count",
                "months_field": "payment_months",
            },
            "4,5% mức lương cơ sở cho người thứ nhất, giảm dần từ người thứ hai, nhân với số tháng",
        ),
        processing_days=5,  # assumption: renewed card data within 5 working days
        required_documents=[doc("DS-THANH-VIEN-HGD")],
        required_fields=[*_IDENTITY, "social_insurance_no", "household_member_count", "payment_months"],
        social_saving_vnd=SAVING_HOUSEHOLD_HEALTH_INSURANCE,
        description="Gia hạn thẻ bảo hiểm y tế cho các thành viên hộ gia đình và thanh toán trực tuyến.",
    ),
    _proc(
        code="BHYT-CAP-LAI",
        name="Cấp lại thẻ bảo hiểm y tế do mất, hỏng",
        sector="BHYT",
        agency_code="BHXH",
        level="district",
        service_level=4,
        # Real as far as known: no fee (the reissue fee of Luật BHYT 2008 was dropped in 2014), and the card is
        # reissued within 7 working days (Luật Bảo hiểm y tế, Điều 18); both from memory of the law, to verify.
        fee=_free("Không thu phí cấp lại thẻ"),
        processing_days=7,
        required_documents=[doc("DON-CAP-LAI-THE-BHYT"), doc("THE-BHYT-HONG", mandatory=False)],
        required_fields=[*_IDENTITY, "social_insurance_no", "reissue_reason", "delivery_address"],
        description="Đề nghị cấp lại thẻ bảo hiểm y tế bị mất hoặc hỏng, thẻ mới được gửi qua bưu chính.",
    ),
    _proc(
        code="BHXH-BAT-BUOC",
        name=(
            "Đóng bảo hiểm xã hội bắt buộc, bảo hiểm y tế, bảo hiểm thất nghiệp, bảo hiểm tai nạn lao động, "
            "bệnh nghề nghiệp"
        ),
        sector="BHXH",
        agency_code="BHXH",
        level="province",
        service_level=4,
        # Real rates: employer 21.5% (BHXH 17.5% incl. 0.5% TNLĐ-BNN, BHYT 3%, BHTN 1%) + employee 10.5%
        # (BHXH 8%, BHYT 1.5%, BHTN 1%) = 32% of the insured payroll.
        fee=_rule(
            {
                "type": "percent_of_value",
                "value_field": "monthly_payroll_vnd",
                "percent": 32,
                "percent_by_province": {},
                "min_vnd": None,
                "max_vnd": None,
            },
            "32% quỹ tiền lương tháng đóng bảo hiểm (21,5% đơn vị, 10,5% người lao động)",
        ),
        processing_days=1,  # assumption: payment reconciled the next working day
        required_documents=[doc("DS-LAO-DONG-BHXH", mandatory=False), doc("GIAY-NOP-TIEN", mandatory=False)],
        required_fields=[
            *_ENTERPRISE,
            "social_insurance_unit_code",
            "employee_count",
            "monthly_payroll_vnd",
            "contribution_period",
        ],
        allowed_agency_codes=["BTC-KBNN"],
        social_saving_vnd=SAVING_COMPULSORY_SOCIAL_INSURANCE,
        description=(
            "Đơn vị sử dụng lao động đóng hằng tháng các khoản bảo hiểm bắt buộc cho người lao động trực tuyến, "
            "không phải đến ngân hàng hay cơ quan bảo hiểm xã hội."
        ),
    ),
    # ---- Business and tax (seeds 001, 003): TP. Hồ Chí Minh pilots, e-tax.
    _proc(
        code="DKKD-HO-KINH-DOANH",
        name="Đăng ký thành lập hộ kinh doanh",
        sector="DKKD",
        agency_code="UBND-HUYEN",
        level="district",
        service_level=4,
        # Assumption: the fee is set by the province (TP. Hồ Chí Minh); 100,000 VND is illustrative.
        fee=_fixed(100_000, "Lệ phí đăng ký hộ kinh doanh do Hội đồng nhân dân cấp tỉnh quy định (giả định)"),
        processing_days=3,  # real: 03 working days (Nghị định 01/2021/NĐ-CP, Điều 87)
        required_documents=[
            doc("GIAY-DE-NGHI-DKHKD"),
            doc("CCCD"),
            doc("BB-HOP-THANH-VIEN-HGD", mandatory=False),
        ],
        required_fields=[
            *_IDENTITY,
            "address",
            "business_name",
            "business_address",
            "business_line",
            "capital_vnd",
            "employee_count",
        ],
        allowed_agency_codes=["BTC-TCT"],
        provinces=["79"],  # seed 001: TP. Hồ Chí Minh only at launch
        description=(
            "Đăng ký thành lập hộ kinh doanh trực tuyến tại cơ quan đăng ký kinh doanh cấp huyện, thông tin được "
            "chia sẻ cho cơ quan thuế."
        ),
    ),
    _proc(
        code="THUE-DANG-KY",
        name="Đăng ký thuế lần đầu đối với hộ kinh doanh, cá nhân kinh doanh",
        sector="THUE",
        agency_code="BTC-TCT",
        level="district",
        service_level=4,
        fee=_free("Không thu lệ phí"),  # real: no fee for tax registration
        processing_days=3,  # real: 03 working days (Luật Quản lý thuế 2019, Điều 34)
        required_documents=[doc("TK-DANG-KY-THUE"), doc("CCCD")],
        required_fields=[*_IDENTITY, "address", "business_name", "business_address", "business_line"],
        provinces=["79"],  # seed 001: TP. Hồ Chí Minh only at launch
        description="Đăng ký thuế và nhận mã số thuế cho hộ kinh doanh, cá nhân kinh doanh tại Chi cục Thuế.",
    ),
    _proc(
        code="THUE-DN-NOP",
        name="Kê khai và nộp thuế điện tử đối với doanh nghiệp",
        sector="THUE",
        agency_code="BTC-TCT",
        level="central",
        service_level=4,
        fee=_rule(
            {"type": "declared_amount", "value_field": "tax_amount_vnd"},
            "Số thuế phải nộp theo tờ khai của doanh nghiệp",
        ),
        processing_days=1,  # assumption: the payment is reconciled with the treasury the next working day
        required_documents=[doc("TK-THUE"), doc("GIAY-NOP-TIEN", mandatory=False)],
        required_fields=[*_ENTERPRISE, "tax_period", "tax_type", "tax_amount_vnd"],
        allowed_agency_codes=["BTC-KBNN"],
        description="Doanh nghiệp nộp tờ khai thuế và nộp tiền thuế trực tuyến qua ngân hàng, trung gian thanh toán.",
    ),
    _proc(
        code="THUE-CN-NOP",
        name="Nộp thuế điện tử đối với cá nhân",
        sector="THUE",
        agency_code="BTC-TCT",
        level="central",
        service_level=4,
        fee=_rule(
            {"type": "declared_amount", "value_field": "tax_amount_vnd"},
            "Số thuế phải nộp theo tờ khai hoặc thông báo của cơ quan thuế",
        ),
        processing_days=1,  # assumption, as THUE-DN-NOP
        required_documents=[doc("GIAY-NOP-TIEN", mandatory=False)],
        required_fields=[*_IDENTITY, "tax_code", "tax_period", "tax_type", "tax_amount_vnd"],
        allowed_agency_codes=["BTC-KBNN"],
        description="Cá nhân nộp thuế thu nhập cá nhân, thuế sử dụng đất và các khoản thu khác trực tuyến.",
    ),
    # ---- Industry and trade, electricity (seed 001: launch services at 63 provinces).
    _proc(
        code="CT-KHUYEN-MAI",
        name="Thông báo hoạt động khuyến mại",
        sector="CONG-THUONG",
        agency_code="SO-CT",
        level="province",
        service_level=4,
        fee=_free("Không thu phí, lệ phí"),  # real: a notification carries no fee
        # Real rule: notify at least 03 working days before the promotion starts (Nghị định 81/2018/NĐ-CP).
        processing_days=3,
        required_documents=[doc("TB-KHUYEN-MAI")],
        required_fields=[
            *_ENTERPRISE,
            "promotion_name",
            "promotion_start_date",
            "promotion_end_date",
            "promotion_area",
            "goods_description",
        ],
        allowed_agency_codes=["BCT-XTTM"],
        description="Thương nhân thông báo chương trình khuyến mại tới Sở Công Thương nơi thực hiện khuyến mại.",
    ),
    _proc(
        code="DIEN-HA-AP",
        name="Cấp điện hạ áp cho hộ gia đình, cá nhân",
        sector="DIEN-LUC",
        agency_code="EVN",
        level="province",
        service_level=4,
        fee=_free(
            "Không thu phí đấu nối; ngành điện đầu tư đến công tơ"
        ),  # real: EVN bears low-voltage connection
        processing_days=3,  # assumption: EVN's service commitment for low-voltage connections
        required_documents=[doc("GIAY-DE-NGHI-CAP-DIEN"), doc("GIAY-TO-DIA-DIEM"), doc("CCCD")],
        required_fields=[*_IDENTITY, "connection_address", "power_demand_kw", "purpose"],
        allowed_agency_codes=["EVN-HANOI", "EVN-HCMC", "EVN-NPC", "EVN-CPC", "EVN-SPC"],
        description="Người dân đề nghị cấp điện mới từ lưới hạ áp và theo dõi tiến độ lắp đặt công tơ trực tuyến.",
    ),
    _proc(
        code="DIEN-TRUNG-AP",
        name="Cấp điện trung áp cho doanh nghiệp",
        sector="DIEN-LUC",
        agency_code="EVN",
        level="province",
        service_level=4,
        fee=_free("Không thu phí, lệ phí; chi phí công trình điện của khách hàng theo thỏa thuận"),
        processing_days=4,  # assumption: EVN's commitment for its own steps of a medium-voltage connection
        required_documents=[
            doc("GIAY-DE-NGHI-CAP-DIEN"),
            doc("GIAY-TO-DIA-DIEM"),
            doc("HO-SO-KY-THUAT-TRAM"),
        ],
        required_fields=[*_ENTERPRISE, "connection_address", "power_demand_kw", "transformer_capacity_kva"],
        allowed_agency_codes=["EVN-HANOI", "EVN-HCMC", "EVN-NPC", "EVN-CPC", "EVN-SPC"],
        description=(
            "Doanh nghiệp đề nghị đấu nối, nghiệm thu và đóng điện công trình trung áp với ngành điện trực tuyến."
        ),
    ),
    _proc(
        code="DIEN-THANH-TOAN",
        name="Thanh toán tiền điện",
        sector="DIEN-LUC",
        agency_code="EVN",
        level="province",
        service_level=4,
        fee=_rule({"type": "external_amount", "source": "EVN"}, "Số tiền trên hóa đơn tiền điện của kỳ"),
        processing_days=1,
        required_documents=[doc("HOA-DON-TIEN-DIEN", mandatory=False)],
        required_fields=["applicant_name", "phone", "electricity_customer_code", "bill_period"],
        allowed_agency_codes=["EVN-HANOI", "EVN-HCMC", "EVN-NPC", "EVN-CPC", "EVN-SPC"],
        description="Tra cứu và thanh toán hóa đơn tiền điện trực tuyến qua ngân hàng, trung gian thanh toán.",
    ),
    # ---- COVID-19 support (seed 002; Nghị quyết 42/NQ-CP, Quyết định 15/2020/QĐ-TTg, Nghị định 41/2020/NĐ-CP).
    _proc(
        code="COVID-GIA-HAN-THUE",
        name="Gia hạn thời hạn nộp thuế và tiền thuê đất",
        sector="THUE",
        agency_code="BTC-TCT",
        level="province",
        service_level=4,
        fee=_free(),
        # Real: Nghị định 41/2020 needs no approval notice; 1 working day to record the request (assumption).
        processing_days=1,
        required_documents=[doc("GIAY-DE-NGHI-GIA-HAN-THUE")],
        required_fields=[*_ENTERPRISE, "tax_type", "extension_months"],
        description=(
            "Doanh nghiệp, hộ kinh doanh, cá nhân gặp khó khăn do dịch COVID-19 đề nghị gia hạn nộp thuế giá trị "
            "gia tăng, thuế thu nhập và tiền thuê đất."
        ),
    ),
    _proc(
        code="COVID-HO-TRO-NLD",
        name="Hỗ trợ người lao động tạm hoãn thực hiện hợp đồng lao động hoặc nghỉ việc không hưởng lương",
        sector="LAO-DONG",
        agency_code="UBND-TINH",
        level="province",
        service_level=4,
        fee=_free(),
        # Quyết định 15/2020/QĐ-TTg as recalled (to verify): BHXH confirms in 2 working days, the district
        # People's Committee appraises in 3, the province decides in 2: 7 working days in total.
        processing_days=7,
        required_documents=[
            doc("DS-LAO-DONG-HO-TRO"),
            doc("VB-THOA-THUAN-TAM-HOAN"),
            doc("BAO-CAO-TAI-CHINH"),
        ],
        required_fields=[
            *_ENTERPRISE,
            "employee_count",
            "suspension_start_date",
            "suspension_end_date",
        ],
        allowed_agency_codes=["BHXH", "UBND-HUYEN", "SO-LDTBXH"],
        description=(
            "Người sử dụng lao động đề nghị hỗ trợ 1.800.000 đồng/tháng cho người lao động phải tạm hoãn hợp đồng "
            "hoặc nghỉ việc không lương do dịch COVID-19."
        ),
    ),
    _proc(
        code="COVID-VAY-TRA-LUONG",
        name="Hỗ trợ người sử dụng lao động vay vốn để trả lương ngừng việc đối với người lao động",
        sector="TIN-DUNG-CHINH-SACH",
        agency_code="NHCSXH",
        level="province",
        service_level=4,
        fee=_free("Không thu phí; vay với lãi suất 0%"),
        processing_days=4,  # assumption: the policy bank's appraisal and approval step
        required_documents=[doc("GIAY-DE-NGHI-VAY"), doc("DS-LAO-DONG-NGUNG-VIEC"), doc("BAO-CAO-TAI-CHINH")],
        required_fields=[*_ENTERPRISE, "employee_count", "loan_amount_vnd", "payment_months"],
        allowed_agency_codes=["BHXH"],
        description=(
            "Người sử dụng lao động vay vốn không lãi suất tại Ngân hàng Chính sách xã hội để trả lương ngừng "
            "việc cho người lao động do dịch COVID-19."
        ),
    ),
    _proc(
        code="COVID-TAM-DUNG-HUU-TRI",
        name="Tạm dừng đóng vào quỹ hưu trí và tử tuất",
        sector="BHXH",
        agency_code="BHXH",
        level="province",
        service_level=4,
        fee=_free(),
        processing_days=5,  # assumption
        required_documents=[doc("VB-DE-NGHI-TAM-DUNG"), doc("DS-LAO-DONG-BHXH"), doc("BAO-CAO-TAI-CHINH")],
        required_fields=[*_ENTERPRISE, "social_insurance_unit_code", "employee_count", "suspension_months"],
        description=(
            "Đơn vị bị ảnh hưởng bởi dịch COVID-19 đề nghị tạm dừng đóng vào quỹ hưu trí và tử tuất cho người "
            "lao động."
        ),
    ),
    # ---- Education, courts (seed 001: integrated from 2021).
    _proc(
        code="THPT-DANG-KY-THI",
        name="Đăng ký dự thi tốt nghiệp trung học phổ thông",
        sector="THI-TUYEN-SINH",
        agency_code="BGDDT",
        level="province",
        service_level=4,
        fee=_free("Không thu lệ phí dự thi"),  # real: no fee for the graduation exam itself
        processing_days=1,  # assumption: registration acknowledged the next working day
        required_documents=[
            doc("PHIEU-DANG-KY-DU-THI"),
            doc("HOC-BA", mandatory=False),
            doc("GIAY-UU-TIEN", mandatory=False),
        ],
        required_fields=[*_IDENTITY, "date_of_birth", "address", "school_name", "exam_subjects"],
        allowed_agency_codes=["SO-GDDT", "BGDDT-QLCL"],
        description="Thí sinh đăng ký dự thi tốt nghiệp trung học phổ thông và lựa chọn bài thi trực tuyến.",
    ),
    _proc(
        code="TA-NOP-AN-PHI",
        name="Nộp tiền tạm ứng án phí, án phí",
        sector="TOA-AN",
        agency_code="TANDTC",
        level="province",
        service_level=4,
        fee=_rule(
            {"type": "external_amount", "source": "TANDTC"}, "Số tiền theo thông báo nộp án phí của Tòa án"
        ),
        processing_days=1,
        required_documents=[doc("THONG-BAO-AN-PHI")],
        required_fields=[*_IDENTITY, "case_no", "court_notice_no"],
        allowed_agency_codes=["TAND-TINH", "TAND-HUYEN", "BTC-KBNN"],
        description="Đương sự nộp tiền tạm ứng án phí, án phí theo thông báo của Tòa án trực tuyến.",
    ),
)

SEED_PROCEDURE_BY_CODE: Final[Mapping[str, dict[str, Any]]] = MappingProxyType(
    {p["code"]: p for p in SEED_PROCEDURES}
)

SOCIAL_SAVING_NOTES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "GPLX-DOI-L4": (
            "Seed 000: 323,9 tỷ đồng/năm cho khoảng 945.000 lượt/năm → 323.900.000.000 / 945.000 "
            "≈ 342.751 đồng/hồ sơ."
        ),
        "CT-BAN-SAO-DT": (
            "Seed 000: 102 triệu bản sao chứng thực năm 2019, dùng lại 30% tiết kiệm 428,4 tỷ đồng/năm → "
            "428.400.000.000 / (30% × 102.000.000 = 30.600.000) = 14.000 đồng/bản."
        ),
        "BHXH-TU-NGUYEN": (
            "Seed 000: 614.650 người cùng đóng trực tuyến tiết kiệm 209,5 tỷ đồng/năm → 209.500.000.000 / "
            "614.650 ≈ 340.844 đồng/người/năm (giả định một hồ sơ trực tuyến mỗi người mỗi năm)."
        ),
        "BHYT-HGD-GIA-HAN": (
            "Seed 000: 50% của 17 triệu người tham gia BHYT hộ gia đình gia hạn trực tuyến tiết kiệm 724,6 tỷ "
            "đồng/năm → 724.600.000.000 / 8.500.000 ≈ 85.247 đồng/hồ sơ."
        ),
        "BHXH-BAT-BUOC": (
            "Seed 001: 1.329 tỷ đồng/năm cho hơn 780.000 đơn vị đóng hằng tháng → 1.329.000.000.000 / "
            "(780.000 × 12 = 9.360.000 lượt) ≈ 141.987 đồng/lượt đóng."
        ),
    }
)


# --------------------------------------------------------------------------------------------------------------
# Checks and fee assessment.
# --------------------------------------------------------------------------------------------------------------


def procedure_problems(procedure: Mapping[str, Any]) -> list[str]:
    """Everything wrong with a procedure dict (empty list = valid): keys, codes, references to the reference
    data, fee shape, field names, document entries."""
    problems: list[str] = []
    keys = tuple(procedure)
    if set(keys) != set(PROCEDURE_KEYS):
        missing = sorted(set(PROCEDURE_KEYS) - set(keys))
        extra = sorted(set(keys) - set(PROCEDURE_KEYS))
        return [f"keys: missing {missing}, unexpected {extra}"]
    code = procedure["code"]
    if not isinstance(code, str) or not (CODE_PATTERN.match(code) or re.match(r"^[1-3]\.[0-9]{6}$", code)):
        problems.append(f"code {code!r} is not an upper-case ASCII code or a national 'N.NNNNNN' code")
    if not isinstance(procedure["name"], str) or not procedure["name"].strip():
        problems.append("name is empty")
    if procedure["sector"] not in SECTOR_BY_CODE:
        problems.append(f"unknown sector {procedure['sector']!r}")
    if procedure["agency_code"] not in AGENCY_BY_CODE:
        problems.append(f"unknown agency {procedure['agency_code']!r}")
    if procedure["level"] not in LEVELS:
        problems.append(f"unknown level {procedure['level']!r}")
    if procedure["service_level"] not in (3, 4) or isinstance(procedure["service_level"], bool):
        problems.append(f"service_level {procedure['service_level']!r} is not 3 or 4")
    problems.extend(fee_problems(procedure["fee"]))
    days = procedure["processing_days"]
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        problems.append(f"processing_days {days!r} is not a positive int")
    doc_codes = [d.get("code") for d in procedure["required_documents"]]
    if len(doc_codes) != len(set(doc_codes)):
        problems.append("duplicate required document codes")
    for d in procedure["required_documents"]:
        if set(d) != {"code", "name", "mandatory"} or not isinstance(d["mandatory"], bool):
            problems.append(f"malformed required document {d!r}")
    fields = procedure["required_fields"]
    if len(fields) != len(set(fields)):
        problems.append("duplicate required fields")
    for f in fields:
        if not isinstance(f, str) or not FIELD_NAME_PATTERN.match(f):
            problems.append(f"malformed field name {f!r}")
    for a in procedure["allowed_agency_codes"]:
        if a not in AGENCY_BY_CODE:
            problems.append(f"unknown allowed agency {a!r}")
        if a == procedure["agency_code"]:
            problems.append(f"allowed agency {a!r} repeats the responsible agency")
    if procedure["chained_flow"] is not None and procedure["chained_flow"] not in CHAINED_FLOWS:
        problems.append(f"unknown chained flow {procedure['chained_flow']!r}")
    saving = procedure["social_saving_vnd"]
    if saving is not None and (not isinstance(saving, int) or isinstance(saving, bool) or saving < 0):
        problems.append(f"social_saving_vnd {saving!r} is not a non-negative int")
    for p in procedure["provinces"]:
        if p not in PROVINCE_BY_CODE:
            problems.append(f"unknown province {p!r}")
    if len(procedure["provinces"]) != len(set(procedure["provinces"])):
        problems.append("duplicate provinces")
    if not isinstance(procedure["description"], str) or not procedure["description"].strip():
        problems.append("description is empty")
    return problems


def fee_problems(fee: Mapping[str, Any]) -> list[str]:
    """Everything wrong with a fee dict (empty list = valid): it must be a ``ProcedureFeeV1`` (a known rule with
    the fields it needs), and the catalog asks more of its own fees: a fixed amount above 0, nothing extra."""
    try:
        parse_fee(fee)
    except ValidationError as exc:
        return [
            f"invalid fee: {e['msg']} at {'.'.join(str(p) for p in e['loc']) or 'fee'}" for e in exc.errors()
        ]
    kind, amount, rule = fee.get("kind"), fee.get("amount_vnd"), fee.get("rule")
    if kind == "fixed":
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            return [f"fixed fee amount {amount!r} is not a positive int"]
        return [] if rule is None else ["fixed fee has a rule"]
    if kind == "free":
        return [] if amount is None and rule is None else ["free fee has an amount or a rule"]
    return [] if amount is None else ["rule-based fee has a fixed amount"]
