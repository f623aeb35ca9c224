"""The portal's form fields: how each field the catalog names is asked (label, input kind, hint, limits).

The catalog gives a procedure's ``required_fields`` as names only; how each is asked (its label, a date, a
number, a choice) lives here. A name not listed is still asked, as free text with a label made from the name
(``unknown_field_label``), so a new procedure never breaks its form. tests/unit/test_domain.py checks that
every field of the catalog's vocabulary has an entry here (phase 2: the catalog publishes field types and
labels with each procedure, and this table goes)."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal

FieldKind = Literal["text", "textarea", "date", "integer", "tel", "email", "citizen_id", "select", "province"]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    kind: FieldKind = "text"
    hint: str | None = None
    options: tuple[str, ...] = ()
    autocomplete: str | None = None  # WCAG 1.3.5: the purpose of inputs about the user
    past_only: bool = False  # dates: not after today (births, violations)
    minimum: int = 0  # integers
    max_length: int = 500


DATE_HINT: Final = "Ngày/tháng/năm, ví dụ 12/05/1990"
MONEY_HINT: Final = "Số tiền bằng đồng, chỉ gồm chữ số, ví dụ 400000000"


def _f(name: str, label: str, kind: FieldKind = "text", **kw: object) -> FieldSpec:
    return FieldSpec(name, label, kind, **kw)  # type: ignore[arg-type]


def _date(name: str, label: str, *, past: bool = False) -> FieldSpec:
    return FieldSpec(name, label, "date", hint=DATE_HINT, past_only=past)


def _money(name: str, label: str) -> FieldSpec:
    return FieldSpec(name, label, "integer", hint=MONEY_HINT, minimum=1)


def _count(name: str, label: str, hint: str | None = None) -> FieldSpec:
    return FieldSpec(name, label, "integer", hint=hint, minimum=1)


FIELDS: Final[tuple[FieldSpec, ...]] = (
    _f("applicant_name", "Họ và tên người nộp hồ sơ", autocomplete="name", max_length=200),
    _f(
        "citizen_id",
        "Số định danh cá nhân / căn cước công dân",
        "citizen_id",
        hint="12 chữ số, in trên thẻ căn cước",
        autocomplete="off",
    ),
    _date("date_of_birth", "Ngày, tháng, năm sinh", past=True),
    _f(
        "phone",
        "Số điện thoại",
        "tel",
        hint="Nhận tin nhắn SMS về hồ sơ, ví dụ 0912345678",
        autocomplete="tel",
    ),
    _f("email", "Thư điện tử", "email", autocomplete="email"),
    _f(
        "address",
        "Nơi cư trú",
        hint="Số nhà, đường, xã/phường, tỉnh/thành phố",
        autocomplete="street-address",
    ),
    _f(
        "delivery_address",
        "Địa chỉ nhận kết quả qua bưu chính",
        hint="Số nhà, đường, xã/phường, tỉnh/thành phố",
        autocomplete="street-address",
    ),
    _f("province_code", "Tỉnh, thành phố nơi thực hiện", "province"),
    _f("purpose", "Mục đích sử dụng", hint="Ví dụ: để kết hôn, để bổ sung hồ sơ xin việc"),
    _f("licence_number", "Số giấy phép lái xe", hint="12 chữ số in trên giấy phép"),
    _f("licence_class", "Hạng giấy phép lái xe", hint="Ví dụ: A1, B2, C", max_length=8),
    _f(
        "health_check_code",
        "Mã giấy khám sức khỏe",
        hint="In trên giấy khám sức khỏe điện tử, ví dụ KSK-2026-0001",
    ),
    _f("health_facility", "Cơ sở khám sức khỏe"),
    _f("training_centre", "Cơ sở đào tạo lái xe"),
    _f("vehicle_type", "Loại xe", hint="Ví dụ: ô tô con, xe mô tô"),
    _f("vehicle_brand", "Nhãn hiệu xe"),
    _f("vehicle_model", "Số loại (kiểu xe)"),
    _f("chassis_number", "Số khung"),
    _f("engine_number", "Số máy"),
    _money("vehicle_value_vnd", "Giá trị xe tính lệ phí trước bạ (đồng)"),
    _f("plate_number", "Biển số xe", hint="Ví dụ: 30A-123.45"),
    _f("record_no", "Số biên bản vi phạm hành chính"),
    _date("violation_date", "Ngày vi phạm", past=True),
    _f("document_title", "Tên giấy tờ cần chứng thực"),
    _count("page_count", "Số trang của bản chính"),
    _count("copy_count", "Số bản sao cần chứng thực"),
    _date("appointment_date", "Ngày hẹn đến chứng thực"),
    _f("social_insurance_no", "Mã số bảo hiểm xã hội", hint="10 chữ số"),
    _money("monthly_income_vnd", "Mức thu nhập tháng làm căn cứ đóng (đồng)"),
    _count("payment_months", "Số tháng đóng"),
    _count("household_member_count", "Số thành viên hộ gia đình tham gia"),
    _f("card_number", "Số thẻ bảo hiểm y tế"),
    _f("reissue_reason", "Lý do cấp lại", "textarea"),
    _f("child_name", "Họ và tên người được khai sinh", max_length=200),
    _date("child_date_of_birth", "Ngày sinh của trẻ", past=True),
    _f("child_sex", "Giới tính của trẻ", "select", options=("Nam", "Nữ")),
    _f("birth_place", "Nơi sinh"),
    _f("father_name", "Họ và tên cha", max_length=200),
    _f("mother_name", "Họ và tên mẹ", max_length=200),
    _f(
        "relationship",
        "Quan hệ với người được đăng ký",
        "select",
        options=("Cha", "Mẹ", "Ông", "Bà", "Người thân thích khác"),
    ),
    _f(
        "marital_status",
        "Tình trạng hôn nhân",
        "select",
        options=("Chưa đăng ký kết hôn", "Đã ly hôn", "Vợ hoặc chồng đã chết", "Đang có vợ hoặc chồng"),
    ),
    _f(
        "request_type",
        "Loại phiếu yêu cầu cấp",
        "select",
        options=("Phiếu lý lịch tư pháp số 1", "Phiếu lý lịch tư pháp số 2"),
    ),
    _f("enterprise_name", "Tên doanh nghiệp, tổ chức", autocomplete="organization"),
    _f("tax_code", "Mã số thuế", hint="10 hoặc 13 chữ số"),
    _f("business_name", "Tên hộ kinh doanh"),
    _f("business_address", "Địa điểm kinh doanh"),
    _f("business_line", "Ngành, nghề kinh doanh"),
    _money("capital_vnd", "Vốn kinh doanh (đồng)"),
    _count("employee_count", "Số lao động"),
    _f("tax_period", "Kỳ tính thuế", hint="Ví dụ: tháng 11/2026, quý 4/2026"),
    _f("tax_type", "Loại thuế, khoản thu"),
    _money("tax_amount_vnd", "Số tiền thuế phải nộp (đồng)"),
    _count("extension_months", "Số tháng đề nghị gia hạn"),
    _f("promotion_name", "Tên chương trình khuyến mại"),
    _date("promotion_start_date", "Ngày bắt đầu khuyến mại"),
    _date("promotion_end_date", "Ngày kết thúc khuyến mại"),
    _f("promotion_area", "Địa bàn thực hiện khuyến mại"),
    _f("goods_description", "Hàng hóa, dịch vụ được khuyến mại", "textarea"),
    _f("connection_address", "Địa chỉ sử dụng điện"),
    _count("power_demand_kw", "Công suất đăng ký sử dụng (kW)"),
    _count("transformer_capacity_kva", "Dung lượng trạm biến áp (kVA)"),
    _f(
        "electricity_customer_code",
        "Mã khách hàng sử dụng điện",
        hint="In trên hóa đơn tiền điện, ví dụ PD01000123456",
    ),
    _f("bill_period", "Kỳ hóa đơn", hint="Ví dụ: tháng 11/2026"),
    _f("social_insurance_unit_code", "Mã đơn vị tham gia bảo hiểm xã hội"),
    _money("monthly_payroll_vnd", "Tổng quỹ tiền lương tháng đóng bảo hiểm (đồng)"),
    _f("contribution_period", "Kỳ đóng", hint="Ví dụ: tháng 11/2026"),
    _date("suspension_start_date", "Ngày bắt đầu tạm hoãn, nghỉ việc"),
    _date("suspension_end_date", "Ngày kết thúc tạm hoãn, nghỉ việc"),
    _count("suspension_months", "Số tháng tạm dừng đóng"),
    _money("loan_amount_vnd", "Số tiền đề nghị vay (đồng)"),
    _f("school_name", "Trường trung học phổ thông"),
    _f("exam_subjects", "Các bài thi đăng ký", hint="Ví dụ: Toán, Ngữ văn, Ngoại ngữ, Khoa học xã hội"),
    _f("case_no", "Số thụ lý vụ án"),
    _f("court_notice_no", "Số thông báo nộp án phí"),
    _f("organisation_name", "Tên tổ chức", autocomplete="organization"),
    _money("asset_value_vnd", "Giá trị tài sản (đồng)"),
    _f("land_parcel_no", "Số thửa đất, tờ bản đồ"),
    _count("area_m2", "Diện tích (m²)"),
    _f("project_name", "Tên dự án"),
    _f("permit_number", "Số giấy phép đã được cấp"),
    _f("facility_name", "Tên cơ sở"),
    _f("facility_address", "Địa chỉ cơ sở"),
    _f("product_name", "Tên sản phẩm"),
    _f("passport_number", "Số hộ chiếu"),
    _f("nationality", "Quốc tịch"),
    _f("student_name", "Họ và tên học sinh, sinh viên", max_length=200),
    _f("beneficiary_name", "Họ và tên người hưởng", max_length=200),
    _f("bank_account", "Số tài khoản nhận tiền"),
    _date("start_date", "Ngày bắt đầu"),
    _date("end_date", "Ngày kết thúc"),
)
FIELD_BY_NAME: Final = MappingProxyType({f.name: f for f in FIELDS})

# Fields the dossier API takes beside ``fields`` (its top level), in the order the form asks them.
TOP_LEVEL_FIELDS: Final = ("applicant_name", "phone", "province_code")


def unknown_field_label(name: str) -> str:
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def spec(name: str) -> FieldSpec:
    return FIELD_BY_NAME.get(name) or FieldSpec(name, unknown_field_label(name))
