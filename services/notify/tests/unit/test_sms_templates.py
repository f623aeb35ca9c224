"""Vietnamese SMS templates: rendering, personalisation formatting and errors."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from dvc_notify.domain.templates import (
    DOSSIER_STATUS_WORDING,
    TEMPLATES,
    InvalidPersonalisation,
    MissingPersonalisation,
    RenderedSms,
    Template,
    TemplateError,
    UnknownTemplate,
    format_date,
    format_local_datetime,
    format_vnd,
    render,
)

CODE = "H29.99-250305-0001"
PAID_AT = datetime(2025, 3, 5, 2, 15, tzinfo=UTC)  # 09:15 in Hà Nội


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (0, "0 đ"),
        (5, "5 đ"),
        (999, "999 đ"),
        (1000, "1.000 đ"),
        (20000, "20.000 đ"),
        (1250000, "1.250.000 đ"),
        (1_000_000_000, "1.000.000.000 đ"),
        (-50000, "-50.000 đ"),
    ],
)
def test_format_vnd(amount: int, expected: str) -> None:
    assert format_vnd(amount) == expected


@pytest.mark.parametrize("amount", [True, 1.5, "1000", Decimal(1000)])
def test_format_vnd_needs_an_int(amount: object) -> None:
    with pytest.raises(TypeError):
        format_vnd(amount)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("dt", "expected"),
    [
        (datetime(2025, 3, 5, 2, 15, tzinfo=UTC), "05/03/2025 09:15"),
        (datetime(2025, 3, 5, 17, 0, tzinfo=UTC), "06/03/2025 00:00"),  # crosses midnight (+7)
        (datetime(2024, 12, 31, 23, 59, tzinfo=UTC), "01/01/2025 06:59"),
        (datetime(2025, 3, 5, 9, 15, tzinfo=timezone(timedelta(hours=7))), "05/03/2025 09:15"),
        (datetime(2025, 3, 5, 10, 0, tzinfo=timezone(timedelta(hours=9))), "05/03/2025 08:00"),
    ],
)
def test_format_local_datetime(dt: datetime, expected: str) -> None:
    assert format_local_datetime(dt) == expected


def test_format_local_datetime_refuses_naive() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        format_local_datetime(datetime(2025, 3, 5, 9, 15))


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2025, 3, 5), "05/03/2025"),
        (date(2025, 12, 31), "31/12/2025"),
        (datetime(2025, 3, 5, 18, 0, tzinfo=UTC), "06/03/2025"),  # Vietnam-local date
    ],
)
def test_format_date(d: date, expected: str) -> None:
    assert format_date(d) == expected


def test_format_date_refuses_naive_datetime() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        format_date(datetime(2025, 3, 5, 18, 0))


RENDER_CASES: list[tuple[str, Mapping[str, object], str]] = [
    (
        "dossier-submitted",
        {
            "dossier_code": CODE,
            "procedure_name": "Đăng ký xe mô tô, xe gắn máy",
            "submitted_at": datetime(2025, 3, 4, 18, 30, tzinfo=UTC),  # 05/03 01:30 in Vietnam
            "due_date": date(2025, 3, 14),
        },
        "Cổng DVC: Hồ sơ H29.99-250305-0001 (Đăng ký xe mô tô, xe gắn máy) đã được tiếp nhận ngày"
        " 05/03/2025. Hạn trả kết quả: 14/03/2025. Tra cứu: dichvucong.gov.vn",
    ),
    (
        "dossier-submitted",
        {
            "dossier_code": CODE,
            "procedure_name": "Cấp đổi giấy phép lái xe",
            "submitted_at": "2025-03-04T18:30:00Z",  # ISO strings from events
            "due_date": "2025-03-14",
        },
        "Cổng DVC: Hồ sơ H29.99-250305-0001 (Cấp đổi giấy phép lái xe) đã được tiếp nhận ngày"
        " 05/03/2025. Hạn trả kết quả: 14/03/2025. Tra cứu: dichvucong.gov.vn",
    ),
    (
        "dossier-forwarded",
        {"dossier_code": CODE, "to_agency": "CSGT", "office": "phòng đăng ký xe"},
        "Cổng DVC: Hồ sơ H29.99-250305-0001 đã được chuyển sang CSGT, mời bạn đến phòng đăng ký xe"
        " để làm thủ tục. Tra cứu: dichvucong.gov.vn",
    ),
    (
        "fee-paid",
        {"dossier_code": CODE, "amount": 1250000, "paid_at": PAID_AT},
        "Cổng DVC: Bạn đã nộp thành công 1.250.000 đ cho hồ sơ H29.99-250305-0001 lúc 05/03/2025 09:15."
        " Tra cứu: dichvucong.gov.vn",
    ),
    (
        "tax-declaration-paid",
        {"dossier_code": CODE, "amount": 2_400_000},
        "Cổng DVC: Bạn đã nộp hồ sơ kê khai thuế thành công. Mã hồ sơ H29.99-250305-0001, số tiền"
        " 2.400.000 đ. Tra cứu: dichvucong.gov.vn",
    ),
    (
        "fee-refunded",
        {"dossier_code": CODE, "amount": Decimal("2400000")},
        "Cổng DVC: Khoản phí 2.400.000 đ của hồ sơ H29.99-250305-0001 đã được hoàn trả cho bạn."
        " Tra cứu: dichvucong.gov.vn",
    ),
    (
        "fine-settled",
        {"decision_no": "123/QĐ-XPHC", "amount": 800000, "plate": "30A-123.45"},
        "Cổng DVC: Bạn đã nộp phạt thành công 800.000 đ cho quyết định xử phạt 123/QĐ-XPHC"
        " (biển số 30A-123.45). Tra cứu: dichvucong.gov.vn",
    ),
    (
        "feedback-answered",
        {"feedback_code": "PAKN-2025-000123", "agency_name": "Sở Tư pháp tỉnh Đồng Tháp"},
        "Cổng DVC: Phản ánh, kiến nghị PAKN-2025-000123 của bạn đã được Sở Tư pháp tỉnh Đồng Tháp trả lời."
        " Xem chi tiết: dichvucong.gov.vn",
    ),
    (
        "dossier-submitted-undated",
        {"dossier_code": CODE, "procedure_name": "Cấp phiếu lý lịch tư pháp", "submitted_at": PAID_AT},
        "Cổng DVC: Hồ sơ H29.99-250305-0001 (Cấp phiếu lý lịch tư pháp) đã được tiếp nhận ngày 05/03/2025."
        " Tra cứu: dichvucong.gov.vn",
    ),
    (
        "dossier-forwarded-to-agency",
        {"dossier_code": CODE, "to_agency": "Phòng Cảnh sát giao thông Công an tỉnh Đồng Tháp"},
        "Cổng DVC: Hồ sơ H29.99-250305-0001 đã được chuyển sang Phòng Cảnh sát giao thông Công an tỉnh"
        " Đồng Tháp để tiếp tục xử lý. Tra cứu: dichvucong.gov.vn",
    ),
    (
        "fee-refunded-payment",
        {"payment_id": "pay_0042", "amount": 135000},
        "Cổng DVC: Khoản tiền 135.000 đ (mã thanh toán pay_0042) đã được hoàn trả cho bạn. Tra cứu: dichvucong.gov.vn",
    ),
    (
        "payment-due",
        {"dossier_code": CODE, "amount": 2_400_000, "due_at": "2025-03-06T10:00:00+00:00"},
        "Cổng DVC: Vui lòng nộp 2.400.000 đ cho hồ sơ H29.99-250305-0001 trước 06/03/2025 17:00."
        " Tra cứu: dichvucong.gov.vn",
    ),
    (
        "fine-settled-decision",
        {"decision_no": "456/QĐ-XPHC", "amount": 3_000_000},
        "Cổng DVC: Bạn đã nộp phạt thành công 3.000.000 đ cho quyết định xử phạt 456/QĐ-XPHC."
        " Tra cứu: dichvucong.gov.vn",
    ),
    (
        "plate-issued",
        {"dossier_code": CODE, "plate": "29H1-456.78"},
        "Cổng DVC: Hồ sơ H29.99-250305-0001 đã hoàn thành. Biển số xe của bạn: 29H1-456.78."
        " Tra cứu: dichvucong.gov.vn",
    ),
]


@pytest.mark.parametrize(("template_id", "personalisation", "expected"), RENDER_CASES)
def test_render_with_diacritics(
    template_id: str, personalisation: Mapping[str, object], expected: str
) -> None:
    rendered = render(template_id, personalisation)
    assert isinstance(rendered, RenderedSms)
    assert rendered.template_id == template_id
    assert rendered.text == expected
    assert rendered.estimate.text == expected
    assert rendered.estimate.encoding == "UCS-2"
    assert rendered.estimate.characters == len(expected)


@pytest.mark.parametrize(("template_id", "personalisation", "expected"), RENDER_CASES)
def test_render_khong_dau_is_gsm7_and_not_more_segments(
    template_id: str, personalisation: Mapping[str, object], expected: str
) -> None:
    with_marks = render(template_id, personalisation)
    stripped = render(template_id, personalisation, strip_diacritics=True)
    assert stripped.estimate.encoding == "GSM-7"
    assert stripped.text.isascii()
    assert stripped.estimate.segments <= with_marks.estimate.segments


def test_amount_without_diacritics_uses_d() -> None:
    rendered = render(
        "fee-paid", {"dossier_code": CODE, "amount": 1250000, "paid_at": PAID_AT}, strip_diacritics=True
    )
    assert rendered.text == (
        "Cong DVC: Ban da nop thanh cong 1.250.000 d cho ho so H29.99-250305-0001 luc 05/03/2025 09:15."
        " Tra cuu: dichvucong.gov.vn"
    )
    assert (rendered.estimate.encoding, rendered.estimate.segments) == ("GSM-7", 1)


@pytest.mark.parametrize(
    ("status", "wording"),
    [
        ("received", "đã được tiếp nhận"),
        ("processing", "đang được xử lý"),
        ("supplement_requested", "cần bổ sung giấy tờ"),
        ("forwarded", "đã được chuyển sang Công an tỉnh Đồng Tháp"),
        ("completed", "đã có kết quả"),
        ("returned", "đã được trả kết quả"),
        ("rejected", "bị từ chối"),
        ("withdrawn", "đã được rút"),
        ("cancelled", "đã bị hủy"),
    ],
)
def test_status_changed_wording(status: str, wording: str) -> None:
    personalisation = {"dossier_code": CODE, "status": status, "to_agency": "Công an tỉnh Đồng Tháp"}
    rendered = render("dossier-status-changed", personalisation, strip_diacritics=False)
    assert rendered.text == f"Cổng DVC: Hồ sơ {CODE} {wording}. Tra cứu: dichvucong.gov.vn"


def test_completed_with_result_is_khong_dau_and_keeps_the_result() -> None:
    rendered = render("dossier-completed", {"dossier_code": CODE, "result": "Giấy phép số 12/GP-SXD"})
    assert rendered.text == (
        "Cong DVC: Ho so H29.99-250305-0001 da co ket qua: Giay phep so 12/GP-SXD. Tra cuu: dichvucong.gov.vn"
    )
    assert rendered.estimate.encoding == "GSM-7"
    with_marks = render(
        "dossier-completed",
        {"dossier_code": CODE, "result": "Giấy phép số 12/GP-SXD"},
        strip_diacritics=False,
    )
    assert "đã có kết quả: Giấy phép số 12/GP-SXD" in with_marks.text


def test_status_changed_policy_is_khong_dau() -> None:
    assert TEMPLATES["dossier-status-changed"].strip_diacritics is True
    rendered = render(
        "dossier-status-changed",
        {"dossier_code": CODE, "status": "forwarded", "to_agency": "Công an tỉnh Đồng Tháp"},
    )
    assert rendered.text == (
        "Cong DVC: Ho so H29.99-250305-0001 da duoc chuyen sang Cong an tinh Dong Thap. Tra cuu: dichvucong.gov.vn"
    )
    assert (rendered.estimate.encoding, rendered.estimate.segments) == ("GSM-7", 1)


def test_every_status_has_a_wording() -> None:
    assert set(DOSSIER_STATUS_WORDING) == {
        "received",
        "processing",
        "supplement_requested",
        "forwarded",
        "completed",
        "returned",
        "rejected",
        "withdrawn",
        "cancelled",
    }


@pytest.mark.parametrize(
    ("template_id", "personalisation", "missing"),
    [
        ("dossier-submitted", {}, ["dossier_code", "due_date", "procedure_name", "submitted_at"]),
        (
            "dossier-submitted",
            {"dossier_code": CODE, "procedure_name": "X", "due_date": None},
            ["due_date", "submitted_at"],
        ),
        ("fee-paid", {"dossier_code": CODE}, ["amount", "paid_at"]),
        ("dossier-status-changed", {"dossier_code": CODE}, ["status"]),
        ("dossier-status-changed", {"dossier_code": CODE, "status": "forwarded"}, ["to_agency"]),
        ("dossier-status-changed", {"status": "forwarded"}, ["dossier_code", "to_agency"]),
    ],
)
def test_missing_personalisation(
    template_id: str, personalisation: Mapping[str, object], missing: list[str]
) -> None:
    with pytest.raises(MissingPersonalisation) as info:
        render(template_id, personalisation)
    assert info.value.names == missing
    assert isinstance(info.value, TemplateError)


def test_status_without_to_agency_is_fine_when_not_forwarded() -> None:
    assert render("dossier-status-changed", {"dossier_code": CODE, "status": "completed"}).text.startswith(
        "Cong DVC"
    )


@pytest.mark.parametrize(
    ("template_id", "personalisation", "name"),
    [
        ("dossier-status-changed", {"dossier_code": CODE, "status": "lost"}, "status"),
        ("fee-paid", {"dossier_code": CODE, "amount": 12.5, "paid_at": PAID_AT}, "amount"),
        ("fee-paid", {"dossier_code": CODE, "amount": True, "paid_at": PAID_AT}, "amount"),
        ("fee-paid", {"dossier_code": CODE, "amount": "nhiều", "paid_at": PAID_AT}, "amount"),
        ("fee-paid", {"dossier_code": CODE, "amount": 1000, "paid_at": datetime(2025, 3, 5, 9)}, "paid_at"),
        ("fee-paid", {"dossier_code": CODE, "amount": 1000, "paid_at": "2025-03-05T09:00:00"}, "paid_at"),
        ("fee-paid", {"dossier_code": CODE, "amount": 1000, "paid_at": "hôm qua"}, "paid_at"),
        ("fee-paid", {"dossier_code": CODE, "amount": 1000, "paid_at": 1741140000}, "paid_at"),
    ],
)
def test_invalid_personalisation(template_id: str, personalisation: Mapping[str, object], name: str) -> None:
    with pytest.raises(InvalidPersonalisation) as info:
        render(template_id, personalisation)
    assert info.value.name == name


def test_unknown_template() -> None:
    with pytest.raises(UnknownTemplate):
        render("no-such-template", {})


def test_values_are_not_reinterpreted_as_placeholders() -> None:
    rendered = render(
        "plate-issued", {"dossier_code": "{plate}", "plate": "{0} {dossier_code}"}, strip_diacritics=False
    )
    assert (
        rendered.text
        == "Cổng DVC: Hồ sơ {plate} đã hoàn thành. Biển số xe của bạn: {0} {dossier_code}. Tra cứu: dichvucong.gov.vn"
    )


def test_extra_keys_are_ignored_and_text_kind_formats_dates() -> None:
    template = Template(id="t", body="Hẹn {when} – {day} – {n}")
    rendered = render(
        "t",
        {"when": PAID_AT, "day": date(2025, 3, 5), "n": 7, "unused": 1},
        templates={"t": template},
    )
    assert rendered.text == "Hẹn 05/03/2025 09:15 – 05/03/2025 – 7"


def test_literal_braces_in_a_body_with_choices() -> None:
    template = Template(id="t", body="{{x}} {s}", choices={"s": {"a": "A {v}"}})
    assert render("t", {"s": "a", "v": "1"}, templates={"t": template}).text == "{x} A 1"


@pytest.mark.parametrize(
    "make",
    [
        lambda: Template(id="t", body="{amount:,}"),
        lambda: Template(id="t", body="{amount!r}"),
        lambda: Template(id="t", body="{0}"),
        lambda: Template(id="t", body="{a}", kinds={"b": "money"}),
    ],
)
def test_bad_template_definitions(make: object) -> None:
    with pytest.raises(TemplateError):
        make()  # type: ignore[operator]


def test_registry() -> None:
    required = {
        "dossier-submitted",
        "dossier-status-changed",
        "dossier-forwarded",
        "fee-paid",
        "fee-refunded",
        "fine-settled",
        "feedback-answered",
        "plate-issued",
    }
    assert required <= set(TEMPLATES)
    for template_id, template in TEMPLATES.items():
        assert template.id == template_id
        assert template.body.startswith("Cổng DVC: ")
    assert TEMPLATES["dossier-submitted"].placeholders == (
        "dossier_code",
        "procedure_name",
        "submitted_at",
        "due_date",
    )
