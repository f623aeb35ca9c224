"""Pure rules of the portal: the generated form and its checks, the dossier service's 422s on their fields,
fees in words, saga steps, and the field vocabulary kept in step with the catalog's."""

from __future__ import annotations

from datetime import date

import pytest

from dvc_portal.domain import fees, forms
from dvc_portal.domain.dossiers import history, saga_view
from dvc_portal.domain.vocabulary import FIELD_BY_NAME, SECTORS, spec

from ..portal_fakes import CAR, LICENCE, SINGLE

TODAY = date(2026, 12, 5)


def test_the_form_asks_the_required_fields_in_order_with_phone_and_province() -> None:
    names = forms.field_names({"required_fields": ["citizen_id", "address"]})
    assert names == ["applicant_name", "citizen_id", "address", "phone", "province_code"]
    built = forms.build(LICENCE)
    assert [f.name for f in built][:3] == ["applicant_name", "citizen_id", "phone"]
    province = next(f for f in built if f.name == "province_code")
    assert province.required and len(province.options) == 34  # nationwide: the 34 of today
    assert next(f for f in forms.build(SINGLE) if f.name == "province_code").options == (
        ("48", "Đà Nẵng"),
        ("01", "Hà Nội"),
    )
    phone = next(f for f in forms.build({"code": "X", "required_fields": ["address"]}) if f.name == "phone")
    assert not phone.required  # asked (for the SMS), not required when the procedure does not list it


@pytest.mark.parametrize(
    ("name", "typed", "value", "message"),
    [
        ("citizen_id", "0010 9901 2345", "001099012345", None),
        ("citizen_id", "00109901234", None, "gồm đúng 12 chữ số"),
        ("phone", "+84 912 345 678", "+84912345678", None),
        ("phone", "0912 345 678", "+84912345678", None),
        ("phone", "024 3825 3535", None, "không phải số di động Việt Nam"),
        ("phone", "12345", None, "Số điện thoại không hợp lệ"),
        ("date_of_birth", "12/5/1990", "1990-05-12", None),
        ("date_of_birth", "1990-05-12", "1990-05-12", None),
        ("date_of_birth", "29/02/2026", None, "một ngày có thật"),
        ("date_of_birth", "06/12/2026", None, "không được sau ngày hôm nay (05/12/2026)"),
        ("appointment_date", "06/12/2026", "2026-12-06", None),  # an appointment may be ahead
        ("vehicle_value_vnd", "400.000.000", 400_000_000, None),
        ("vehicle_value_vnd", "bốn trăm triệu", None, "phải là số nguyên"),
        ("page_count", "0", None, "lớn hơn hoặc bằng 1"),
        ("marital_status", "Độc thân", None, "Vui lòng chọn tình trạng hôn nhân trong danh sách."),
        ("email", "an@", None, "Thư điện tử chưa đúng dạng"),
    ],
)
def test_field_checks(name: str, typed: str, value: object, message: str | None) -> None:
    procedure = {"code": "X", "required_fields": [name]}
    body, errors, _ = forms.validate(
        procedure, {name: typed, "applicant_name": "Nguyễn Văn An", "province_code": "01"}, TODAY
    )
    if message is None:
        assert errors == {}
        got = body.get(name) if name in ("phone",) else body["fields"][name]
        assert got == value
    else:
        assert message in errors[name]


def test_missing_fields_say_what_to_do() -> None:
    _, errors, _ = forms.validate(SINGLE, {}, TODAY)
    assert errors["applicant_name"] == "Vui lòng nhập họ và tên người nộp hồ sơ."
    assert errors["marital_status"] == "Vui lòng chọn tình trạng hôn nhân."
    assert errors["province_code"] == "Vui lòng chọn tỉnh, thành phố nơi thực hiện."


def test_the_dossier_services_refusals_land_on_their_fields() -> None:
    errors, page = forms.errors_from_dossier(
        LICENCE,
        {
            "error": "missing_fields",
            "message": "Thiếu thông tin bắt buộc: address.",
            "fields": ["fields.licence_class", "phone"],
        },
    )
    assert errors == {
        "licence_class": "Vui lòng nhập hạng giấy phép lái xe.",
        "phone": "Vui lòng nhập số điện thoại.",
    }
    assert page is None
    errors, page = forms.errors_from_dossier(
        SINGLE, {"error": "not_offered_in_province", "message": "Chưa cung cấp.", "fields": []}
    )
    assert errors == {"province_code": "Chưa cung cấp."} and page is None
    errors, page = forms.errors_from_dossier(
        SINGLE,
        {
            "error": "invalid_fields",
            "message": "Dữ liệu không hợp lệ — fields: quá nhiều.",
            "fields": ["fields"],
        },
    )
    assert errors == {} and page == "Dữ liệu không hợp lệ — fields: quá nhiều."


def test_fees_in_words() -> None:
    assert fees.explain(LICENCE["fee"]).headline == "135.000 đồng"
    assert fees.explain({"kind": "free", "description": "Miễn lệ phí"}).headline == "Miễn phí"
    car = fees.explain(CAR["fee"])
    assert car.headline == "10% giá trị xe tính lệ phí trước bạ"
    assert ("Hà Nội", "12%") in car.table and ("Hà Tĩnh", "11%") in car.table
    copy = fees.explain({"kind": "rule", "rule": {"type": "per_page", "first_pages": 2, "first_page_vnd": 2000,
                         "extra_page_vnd": 1000, "max_per_copy_vnd": 200_000}})  # fmt: skip
    assert copy.explanation[0] == "2.000 đồng/trang cho 2 trang đầu; từ trang thứ 3: 1.000 đồng/trang."
    assert copy.example == "Ví dụ: bản chính 5 trang, 2 bản sao: 14.000 đồng."
    household = fees.explain({"kind": "rule", "rule": {"type": "household_health_insurance", "base_salary_vnd": 2_340_000,
                              "percent": 4.5, "member_factors_percent": [100, 70, 60, 50, 40]}})  # fmt: skip
    assert (
        household.explanation[0]
        == "Người thứ nhất đóng 4,5% mức lương cơ sở (2.340.000 đồng): 105.300 đồng/tháng."
    )
    assert (
        fees.explain({"kind": "rule", "rule": {"type": "fine_amount"}}).headline == "Theo quyết định xử phạt"
    )


def _saga(flow: str, state: str, reason: str | None = None) -> dict[str, object]:
    names = {
        "vehicle-registration": ["declare_fee", "pay_fee", "forward_to_police", "issue_plate"],
        "licence-renewal-l4": ["check_health_record", "check_unpaid_fines", "pay_fee", "issue_licence"],
    }[flow]
    return {"flow": flow, "state": state, "payment_id": "p-1", "amount_vnd": 135_000, "blocked_reason": reason,
            "steps": [{"name": n, "title": n, "compensation": None} for n in names]}  # fmt: skip


@pytest.mark.parametrize(
    ("flow", "state", "reason", "states", "can_pay"),
    [
        ("vehicle-registration", "awaiting_payment", None, ["done", "current", "todo", "todo"], True),
        ("vehicle-registration", "awaiting_police", None, ["done", "done", "done", "current"], False),
        ("vehicle-registration", "completed", None, ["done"] * 4, False),
        ("vehicle-registration", "cancelled", None, ["done", "stopped", "stopped", "stopped"], False),
        (
            "licence-renewal-l4",
            "blocked",
            "Chưa có giấy khám sức khỏe",
            ["current", "todo", "todo", "todo"],
            False,
        ),
        (
            "licence-renewal-l4",
            "blocked",
            "Còn quyết định xử phạt chưa nộp",
            ["done", "current", "todo", "todo"],
            False,
        ),
        ("licence-renewal-l4", "awaiting_agency", None, ["done", "done", "done", "current"], False),
    ],
)
def test_saga_steps(flow: str, state: str, reason: str | None, states: list[str], can_pay: bool) -> None:
    view = saga_view(_saga(flow, state, reason))
    assert view is not None
    assert [s.state for s in view.steps] == states
    assert view.can_pay is can_pay


def test_history_newest_first_and_notes() -> None:
    items = history([
        {"kind": "status", "status": "submitted", "occurred_at": "2026-12-05T02:00:00+00:00", "applied": True},
        {"kind": "saga", "status": "fee_assessed", "occurred_at": "2026-12-05T02:00:00+00:00", "note": "Cơ quan thuế đã tính"},
        {"kind": "status", "status": "received", "occurred_at": "2026-12-04T02:00:00+00:00", "applied": False},
    ])  # fmt: skip
    assert [i.title for i in items] == ["Cơ quan thuế đã tính", "Đã nộp", "Đã tiếp nhận"]
    assert items[2].late


def test_every_catalog_field_and_sector_has_its_words_here() -> None:
    """The portal keeps its own field vocabulary (it imports no other service's code); this test (only) reads
    the catalog's, so a field added there without a label here fails here."""
    from dvc_catalog.domain.reference import SECTORS as CATALOG_SECTORS
    from dvc_catalog.domain.seed_procedures import FIELD_LABELS, SEED_PROCEDURES

    assert set(FIELD_LABELS) <= set(FIELD_BY_NAME)
    assert {name: spec(name).label for name in FIELD_LABELS} == dict(FIELD_LABELS)
    assert {s.code: s.name for s in CATALOG_SECTORS} == dict(SECTORS)
    for p in SEED_PROCEDURES:
        assert all(name in FIELD_BY_NAME for name in p["required_fields"]), p["code"]
    assert spec("brand_new_field").label == "Brand new field"
