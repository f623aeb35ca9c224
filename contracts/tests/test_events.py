"""Payload models: registry, round trips (plain JSON and through both Kafka content modes), and the rules every
model follows (aware datetimes, integer VND, extra fields ignored, immutable)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from dvc_contracts import topics
from dvc_contracts.clock import VN_TZ
from dvc_contracts.envelope import CloudEvent, from_kafka, new_event, to_binary, to_structured
from dvc_contracts.events import (
    EVENT_MODELS,
    EVENT_VERSION,
    AccountSignedInV1,
    AgencyStatusRejectedV1,
    AgencyStatusReportedV1,
    DossierSubmittedV1,
    EventPayload,
    FineIssuedV1,
    PayloadError,
    ProcedureFeeV1,
    ProcedurePublishedV1,
    ProcedureRetiredV1,
    SmsRequestedV1,
    SmsSentV1,
    parse_data,
)

ICT = VN_TZ  # Indochina Time, UTC+7
T0 = datetime(2024, 5, 6, 8, 30, 15, 123000, tzinfo=ICT)
T1 = datetime(2024, 5, 6, 2, 0, tzinfo=UTC)
D0 = date(2024, 5, 20)

# One realistic payload per event type (JSON-shaped, as it travels on the bus).
SAMPLES: dict[str, dict[str, Any]] = {
    topics.PROCEDURE_PUBLISHED: {
        "code": "1.001234",
        "version": 2,
        "name": "Đổi giấy phép lái xe do ngành Công an cấp",
        "sector": "Đường bộ",
        "agency_code": "BCA-CSGT",
        "agency_name": "Cục Cảnh sát giao thông",
        "level": "province",
        "service_level": 4,
        "fee": {"kind": "fixed", "amount_vnd": 135000, "description": "Lệ phí cấp đổi GPLX"},
        "processing_days": 5,
        "required_documents": [
            {"code": "GKSK", "name": "Giấy khám sức khỏe của người lái xe"},
            {"code": "GPLX", "name": "Bản sao giấy phép lái xe", "mandatory": False},
        ],
        "required_fields": ["license_no", "full_name"],
        "allowed_agency_codes": ["HNI-CSGT", "HCM-CSGT"],
        "chained_flow": "driver-licence-renewal",
        "social_saving_vnd": 226000,
        "provinces": [],
        "published_at": T0.isoformat(),
    },
    topics.PROCEDURE_RETIRED: {
        "code": "1.001234",
        "version": 1,
        "retired_at": T1.isoformat(),
        "reason": "Thay thế bởi phiên bản 2",
    },
    topics.DOSSIER_SUBMITTED: {
        "dossier_code": "G01.123-240506-0001",
        "procedure_code": "1.001234",
        "procedure_name": "Đổi giấy phép lái xe",
        "procedure_version": 2,
        "agency_code": "HNI-CSGT",
        "province_code": "01",
        "sector": "Đường bộ",
        "channel": "online",
        "applicant_name": "Nguyễn Thị Hằng",
        "citizen_phone": "0912345678",
        "fee_vnd": 135000,
        "submitted_at": T0.isoformat(),
        "due_date": D0.isoformat(),
    },
    topics.DOSSIER_STATUS_CHANGED: {
        "dossier_code": "G01.123-240506-0001",
        "procedure_code": "1.001234",
        "procedure_name": "Đổi giấy phép lái xe",
        "agency_code": "HNI-CSGT",
        "province_code": "01",
        "sector": "Đường bộ",
        "channel": "counter",
        "sequence": 3,
        "old_status": "processing",
        "new_status": "completed",
        "occurred_at": T0.isoformat(),
        "due_date": D0.isoformat(),
        "result": "29A-123.45",
        "note": "Trả kết quả qua bưu điện",
        "citizen_phone": "+84912345678",
    },
    topics.DOSSIER_FORWARDED: {
        "dossier_code": "G01.123-240506-0002",
        "procedure_code": "2.000123",
        "procedure_name": "Đăng ký xe",
        "province_code": "79",
        "from_agency_code": "HCM-THUE",
        "to_agency_code": "HCM-CSGT",
        "to_agency_name": "Phòng CSGT Công an TP. Hồ Chí Minh",
        "forwarded_at": T0.isoformat(),
    },
    topics.AGENCY_STATUS_REPORTED: {
        "dossier_code": "000.00.01.H26-240506-0007",
        "procedure_code": "1.001234",
        "agency_code": "HNI-CSGT",
        "province_code": "01",
        "sequence": 0,
        "status": "received",
        "occurred_at": T0.isoformat(),
        "due_date": D0.isoformat(),
        "note": "Đã tiếp nhận hồ sơ tại Bộ phận một cửa",
        "citizen_phone": "0912345678",
    },
    topics.AGENCY_STATUS_REJECTED: {
        "reason": "agency_not_allowed",
        "message": "agency HNI-TP is not allowed to report procedure 1.001234",
        "original_topic": "agency-status-reported",
        "original_partition": 7,
        "original_offset": 123456,
        "original_key": "000.00.01.H26-240506-0007",
        "original_headers": {"ce_type": "agency-status-reported", "ce_source": "urn:agency:HNI-TP"},
        "original_value_b64": "eyJkb3NzaWVyX2NvZGUiOiAieCJ9",
        "dossier_code": "000.00.01.H26-240506-0007",
        "agency_code": "HNI-TP",
        "rejected_at": T1.isoformat(),
    },
    topics.PAYMENT_REQUESTED: {
        "payment_id": "pay_01HXYZ",
        "purpose": "dossier_fee",
        "dossier_code": "G01.123-240506-0002",
        "procedure_code": "2.000123",
        "province_code": "79",
        "amount_vnd": 12_000_000,
        "description": "Lệ phí trước bạ xe ô tô",
        "payer_name": "Trần Văn Đức",
        "citizen_phone": "0987654321",
        "provider": "vnpay",
        "requested_at": T0.isoformat(),
        "expires_at": (T0 + timedelta(minutes=90)).isoformat(),
    },
    topics.FEE_PAID: {
        "payment_id": "pay_01HXYZ",
        "dossier_code": "G01.123-240506-0002",
        "province_code": "79",
        "amount_vnd": 12_000_000,
        "provider": "vnpay",
        "provider_txn_id": "14012345",
        "paid_at": T0.isoformat(),
    },
    topics.PAYMENT_FAILED: {
        "payment_id": "pay_01HXYZ",
        "dossier_code": "G01.123-240506-0002",
        "amount_vnd": 12_000_000,
        "provider": "momo",
        "reason": "declined",
        "message": "Giao dịch bị từ chối",
        "failed_at": T0.isoformat(),
    },
    topics.PAYMENT_EXPIRED: {
        "payment_id": "pay_01HXYZ",
        "dossier_code": "G01.123-240506-0002",
        "amount_vnd": 12_000_000,
        "expired_at": T0.isoformat(),
    },
    topics.REFUND_REQUESTED: {
        "refund_id": "rf_01",
        "payment_id": "pay_01HXYZ",
        "dossier_code": "G01.123-240506-0002",
        "amount_vnd": 12_000_000,
        "reason": "police_rejected",
        "requested_at": T0.isoformat(),
    },
    topics.FEE_REFUNDED: {
        "refund_id": "rf_01",
        "payment_id": "pay_01HXYZ",
        "dossier_code": "G01.123-240506-0002",
        "amount_vnd": 12_000_000,
        "provider": "vnpay",
        "provider_refund_id": "RF-778",
        "refunded_at": T0.isoformat(),
    },
    topics.REFUND_FAILED: {
        "refund_id": "rf_02",
        "payment_id": "pay_01HXYZ",
        "dossier_code": "G01.123-240506-0002",
        "amount_vnd": 12_000_000,
        "provider": "momo",
        "reason": "provider_rejected",
        "message": "momo_1080",
        "failed_at": T0.isoformat(),
    },
    topics.FINE_ISSUED: {
        "decision_no": "QĐ-1234/2024",
        "record_no": "BB-000987",
        "violation_date": "2024-04-30",
        "offender_name": "Lê Thị Ánh",
        "plate": "30E-456.78",
        "amount": 4_000_000,
        "issuing_unit": "Đội CSGT số 7, Phòng CSGT Hà Nội",
        "province_code": "01",
        "decided_at": T0.isoformat(),
    },
    topics.FINE_SETTLED: {
        "decision_no": "QĐ-1234/2024",
        "record_no": "BB-000987",
        "payment_id": "pay_fine_01",
        "amount_due": 4_000_000,
        "discount_vnd": 400_000,
        "amount_paid": 3_600_000,
        "provider": "payment-platform",
        "provider_txn_id": "NPP-1",
        "issuing_unit": "Đội CSGT số 7, Phòng CSGT Hà Nội",
        "province_code": "01",
        "settled_at": T0.isoformat(),
    },
    topics.FEEDBACK_RECEIVED: {
        "feedback_id": "fb_1",
        "kind": "petition",
        "category": "thu_tuc",
        "province_code": "48",
        "agency_code": "DNG-TP",
        "dossier_code": "G01.123-240506-0001",
        "received_at": T0.isoformat(),
        "due_date": D0.isoformat(),
    },
    topics.FEEDBACK_ANSWERED: {
        "feedback_id": "fb_1",
        "agency_code": "DNG-TP",
        "province_code": "48",
        "answered_at": T0.isoformat(),
        "due_date": D0.isoformat(),
        "published": True,
    },
    topics.FEEDBACK_STATUS_CHANGED: {
        "feedback_id": "fb_1",
        "kind": "feedback",
        "category": "dossier_handling",
        "province_code": "48",
        "agency_code": "SO-GTVT",
        "previous_agency_code": "DNG-TP",
        "old_status": "not_responsible",
        "new_status": "routed",
        "action": "route",
        "actor_role": "operator",
        "occurred_at": T0.isoformat(),
        "due_date": D0.isoformat(),
    },
    topics.FEEDBACK_OVERDUE: {
        "feedback_id": "fb_1",
        "kind": "petition",
        "category": "procedure_rules",
        "province_code": "48",
        "agency_code": "DNG-TP",
        "status": "in_progress",
        "received_at": T1.isoformat(),
        "due_date": D0.isoformat(),
        "detected_at": T0.isoformat(),
    },
    topics.SMS_REQUESTED: {
        "request_id": "req-1",
        "phone": "0912345678",
        "template": "dossier-forwarded",
        "personalisation": {"dossier_code": "G01.123-240506-0002", "co_quan": "CSGT", "so_tien": 12_000_000},
        "dossier_code": "G01.123-240506-0002",
        "sending_service": "dossier",
        "strip_diacritics": True,
    },
    topics.SMS_SENT: {
        "message_id": "sms_1",
        "dossier_code": "G01.123-240506-0002",
        "phone_masked": "091****678",
        "template": "dossier-submitted",
        "encoding": "UCS-2",
        "segments": 2,
        "provider": "sandbox",
        "sent_at": T0.isoformat(),
        "trigger_event_id": "5f0c…",
    },
    topics.SMS_DELIVERED: {
        "message_id": "sms_1",
        "dossier_code": "G01.123-240506-0002",
        "phone_masked": "091****678",
        "provider": "sandbox",
        "segments": 2,
        "delivered_at": T0.isoformat(),
    },
    topics.SMS_FAILED: {
        "message_id": "sms_2",
        "phone_masked": "091****678",
        "template": "fee-paid",
        "provider": "viettel",
        "status": "permanent-failure",
        "reason": "invalid_number",
        "attempts": 3,
        "failed_at": T0.isoformat(),
    },
    topics.SMS_OUTBOUND: {
        "message_id": "sms_3",
        "phone": "+84912345678",
        "text": "Cổng DVC: Hồ sơ G01.123-240506-0002 đã có kết quả.",
        "encoding": "UCS-2",
        "segments": 1,
        "sender_id": "CONG DVC",
        "requested_at": T0.isoformat(),
        "expires_at": T1.isoformat(),
    },
    topics.SMS_RECEIPTS: {
        "message_id": "sms_3",
        "gateway": "telco-a",
        "status": "delivered",
        "gateway_message_id": "A-778812",
        "reported_at": T0.isoformat(),
    },
    topics.ACCOUNT_REGISTERED: {
        "account_id": "3f2a9c1b7e5d4a0f8c6b2e1d9a7f5c3b",
        "role": "citizen",
        "channel": "portal",
        "assurance_level": 2,
        "registered_at": T0.isoformat(),
    },
    topics.ACCOUNT_SIGNED_IN: {
        "account_id": "3f2a9c1b7e5d4a0f8c6b2e1d9a7f5c3b",
        "role": "operator",
        "channel": "dashboard",
        "assurance_level": 1,
        "method": "oidc",
        "signed_in_at": T0.isoformat(),
    },
}

ALL_TYPES = sorted(EVENT_MODELS)


def _event(event_type: str, data: Any) -> CloudEvent:
    return CloudEvent(id="evt-1", source="urn:test", type=event_type, data=data)


def _json_schema_props(model: type[BaseModel]) -> dict[str, Any]:
    props: dict[str, Any] = model.model_json_schema()["properties"]
    return props


def _is_datetime(prop: dict[str, Any]) -> bool:
    options = prop.get("anyOf", [prop])
    return any(o.get("format") == "date-time" for o in options)


def _is_date(prop: dict[str, Any]) -> bool:
    options = prop.get("anyOf", [prop])
    return any(o.get("format") == "date" for o in options)


def _is_money(name: str) -> bool:
    return name.endswith("_vnd") or name == "amount" or name.startswith("amount_")


# --- registry ---------------------------------------------------------------------------------------------------


def test_registry_covers_every_topic_and_nothing_else() -> None:
    assert set(EVENT_MODELS) == set(topics.EVENT_TOPICS)
    assert set(SAMPLES) == set(EVENT_MODELS), "add a sample for every new event type"
    assert EVENT_VERSION == "v1"


@pytest.mark.parametrize("event_type", ALL_TYPES)
def test_model_naming_and_config(event_type: str) -> None:
    model = EVENT_MODELS[event_type]
    assert issubclass(model, EventPayload)
    assert model.ce_type == event_type
    expected = "".join(part.capitalize() for part in event_type.split("-")) + "V1"
    assert model.__name__ == expected
    assert model.model_config.get("extra") == "ignore"
    assert model.model_config.get("frozen") is True


# --- round trips ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("event_type", ALL_TYPES)
def test_json_round_trip(event_type: str) -> None:
    model = EVENT_MODELS[event_type]
    obj = model.model_validate(SAMPLES[event_type])
    again = model.model_validate_json(obj.model_dump_json())
    assert again == obj
    assert model.model_validate(obj.model_dump(mode="json")) == obj


@pytest.mark.parametrize("event_type", ALL_TYPES)
@pytest.mark.parametrize("mode", ["binary", "structured"])
def test_round_trip_through_kafka_record(event_type: str, mode: str) -> None:
    model = EVENT_MODELS[event_type]
    obj = model.model_validate(SAMPLES[event_type])
    event = new_event(event_type, "urn:dvc:test", obj, subject="G01.123-240506-0001")
    headers, value = to_binary(event) if mode == "binary" else to_structured(event)
    parsed = parse_data(from_kafka(headers, value))
    assert type(parsed) is model
    assert parsed == obj


def test_datetimes_keep_the_instant_and_dates_stay_dates() -> None:
    fine = FineIssuedV1.model_validate(SAMPLES[topics.FINE_ISSUED])
    assert fine.violation_date == date(2024, 4, 30)
    assert type(fine.violation_date) is date
    assert fine.decided_at == T0
    assert fine.decided_at.utcoffset() == timedelta(hours=7)
    dumped = fine.model_dump(mode="json")
    assert dumped["violation_date"] == "2024-04-30"
    assert dumped["decided_at"] == "2024-05-06T08:30:15.123000+07:00"


def test_vietnamese_text_survives_binary_mode_unescaped() -> None:
    obj = DossierSubmittedV1.model_validate(SAMPLES[topics.DOSSIER_SUBMITTED])
    headers, value = to_binary(new_event(obj.ce_type, "urn:dvc:dossier", obj))
    assert "Nguyễn Thị Hằng".encode() in value
    parsed = parse_data(from_kafka(headers, value))
    assert isinstance(parsed, DossierSubmittedV1)
    assert parsed.applicant_name == "Nguyễn Thị Hằng"


# --- rules every model follows ------------------------------------------------------------------------------------


@pytest.mark.parametrize("event_type", ALL_TYPES)
def test_naive_datetimes_are_rejected(event_type: str) -> None:
    model = EVENT_MODELS[event_type]
    fields = [name for name, prop in _json_schema_props(model).items() if _is_datetime(prop)]
    # sms-requested is a request; its time is the CloudEvent's ``time``.
    assert fields or event_type == topics.SMS_REQUESTED, f"{model.__name__} has no timestamp"
    for name in fields:
        data = {**SAMPLES[event_type], name: "2024-05-06T08:30:00"}
        with pytest.raises(PayloadError) as info:
            parse_data(_event(event_type, data))
        assert info.value.reason == "invalid_payload"
        assert info.value.message.startswith(f"{name}:"), info.value.message
        assert "timezone" in info.value.message
        with pytest.raises(ValidationError):
            model.model_validate({**SAMPLES[event_type], name: datetime(2024, 5, 6, 8, 30)})


@pytest.mark.parametrize("event_type", ALL_TYPES)
def test_dates_are_calendar_dates(event_type: str) -> None:
    model = EVENT_MODELS[event_type]
    for name, prop in _json_schema_props(model).items():
        if not _is_date(prop):
            continue
        data = {**SAMPLES[event_type], name: "2024-02-30"}
        with pytest.raises(PayloadError) as info:
            parse_data(_event(event_type, data))
        assert info.value.message.startswith(f"{name}:")
        obj = model.model_validate({**SAMPLES[event_type], name: "2024-02-29"})
        assert getattr(obj, name) == date(2024, 2, 29)


MONEY_FIELDS = {
    t: [n for n, p in _json_schema_props(m).items() if _is_money(n)] for t, m in sorted(EVENT_MODELS.items())
}


def test_money_fields_are_where_expected() -> None:
    with_money = {t for t, names in MONEY_FIELDS.items() if names}
    assert {
        topics.DOSSIER_SUBMITTED,
        topics.PAYMENT_REQUESTED,
        topics.FEE_PAID,
        topics.PAYMENT_FAILED,
        topics.PAYMENT_EXPIRED,
        topics.REFUND_REQUESTED,
        topics.FEE_REFUNDED,
        topics.REFUND_FAILED,
        topics.FINE_ISSUED,
        topics.FINE_SETTLED,
        topics.PROCEDURE_PUBLISHED,
    } <= with_money
    for t, names in MONEY_FIELDS.items():
        for name in names:
            prop = _json_schema_props(EVENT_MODELS[t])[name]
            options = prop.get("anyOf", [prop])
            ints = [o for o in options if o.get("type") == "integer"]
            assert ints and ints[0].get("minimum") == 0, f"{t}.{name} must be integer VND >= 0"


@pytest.mark.parametrize(
    ("event_type", "field"), [(t, n) for t, names in MONEY_FIELDS.items() for n in names]
)
@pytest.mark.parametrize("bad", [-1, -150_000, 1500.5, 150000.0, "150000", True])
def test_money_must_be_a_non_negative_integer(event_type: str, field: str, bad: Any) -> None:
    data = {**SAMPLES[event_type], field: bad}
    with pytest.raises(PayloadError) as info:
        parse_data(_event(event_type, data))
    assert info.value.reason == "invalid_payload"
    assert info.value.message.startswith(f"{field}:"), info.value.message


def test_negative_fee_amount_in_procedure_snapshot_rejected() -> None:
    data = {**SAMPLES[topics.PROCEDURE_PUBLISHED], "fee": {"kind": "fixed", "amount_vnd": -5}}
    with pytest.raises(PayloadError) as info:
        parse_data(_event(topics.PROCEDURE_PUBLISHED, data))
    assert info.value.message.startswith("fee.amount_vnd:")


def test_procedure_fee_kinds() -> None:
    assert ProcedureFeeV1(kind="free").amount_vnd is None
    rule = {"type": "percent_of_value", "value_field": "vehicle_value_vnd", "percent": 10}
    assert ProcedureFeeV1.model_validate({"kind": "rule", "rule": rule}).rule
    with pytest.raises(ValidationError):  # the rule is typed (dvc_contracts.fees), no longer any dict
        ProcedureFeeV1.model_validate(
            {"kind": "rule", "rule": {"percent_of": "vehicle_value", "percent": 10}}
        )
    with pytest.raises(ValidationError):
        ProcedureFeeV1(kind="fixed")
    with pytest.raises(ValidationError):
        ProcedureFeeV1(kind="rule")


@pytest.mark.parametrize("event_type", ALL_TYPES)
def test_unknown_fields_are_ignored_and_models_are_frozen(event_type: str) -> None:
    model = EVENT_MODELS[event_type]
    obj = model.model_validate({**SAMPLES[event_type], "added_in_a_later_v1": "x"})
    assert "added_in_a_later_v1" not in obj.model_dump()
    first = next(iter(model.model_fields))
    with pytest.raises(ValidationError):
        setattr(obj, first, getattr(obj, first))


@pytest.mark.parametrize("event_type", ALL_TYPES)
def test_every_required_field_is_required(event_type: str) -> None:
    model = EVENT_MODELS[event_type]
    for name, info in model.model_fields.items():
        if not info.is_required():
            continue
        data = {k: v for k, v in SAMPLES[event_type].items() if k != name}
        with pytest.raises(PayloadError) as err:
            parse_data(_event(event_type, data))
        assert err.value.message.startswith(f"{name}:"), err.value.message


# --- parse_data errors ------------------------------------------------------------------------------------------


def test_unknown_type() -> None:
    with pytest.raises(PayloadError) as info:
        parse_data(_event("dossier-teleported", {}))
    assert info.value.reason == "unknown_type"
    assert "dossier-teleported" in info.value.message


@pytest.mark.parametrize("data", [None, [], "text", 42])
def test_data_must_be_an_object(data: Any) -> None:
    with pytest.raises(PayloadError) as info:
        parse_data(_event(topics.FEE_PAID, data))
    assert info.value.reason == "invalid_payload"
    assert info.value.message.startswith("data:")


def test_bad_status_names_the_field() -> None:
    data = {**SAMPLES[topics.AGENCY_STATUS_REPORTED], "status": "approved"}
    with pytest.raises(PayloadError) as info:
        parse_data(_event(topics.AGENCY_STATUS_REPORTED, data))
    assert info.value.reason == "invalid_payload"
    assert info.value.message.startswith("status:")
    assert str(info.value) == info.value.message


@pytest.mark.parametrize("bad", [-1, "x"])
def test_bad_sequence(bad: Any) -> None:
    data = {**SAMPLES[topics.AGENCY_STATUS_REPORTED], "sequence": bad}
    with pytest.raises(PayloadError) as info:
        parse_data(_event(topics.AGENCY_STATUS_REPORTED, data))
    assert info.value.message.startswith("sequence:")


def test_empty_codes_rejected() -> None:
    data = {**SAMPLES[topics.AGENCY_STATUS_REPORTED], "dossier_code": ""}
    with pytest.raises(PayloadError) as info:
        parse_data(_event(topics.AGENCY_STATUS_REPORTED, data))
    assert info.value.message.startswith("dossier_code:")


def test_nested_error_path_is_dotted() -> None:
    data = {**SAMPLES[topics.PROCEDURE_PUBLISHED]}
    data["required_documents"] = [{"code": "A", "name": "x"}, {"name": "no code"}]
    with pytest.raises(PayloadError) as info:
        parse_data(_event(topics.PROCEDURE_PUBLISHED, data))
    assert info.value.message.startswith("required_documents.1.code:")


# --- pinned contracts: names other systems build against must not drift ---------------------------------------------

PINNED: dict[type[BaseModel], set[str]] = {
    ProcedurePublishedV1: {
        "code", "version", "name", "sector", "agency_code", "agency_name", "level", "service_level", "fee",
        "processing_days", "required_documents", "required_fields", "allowed_agency_codes", "chained_flow",
        "social_saving_vnd", "provinces", "published_at",
    },
    ProcedureRetiredV1: {"code", "version", "retired_at", "reason"},
    DossierSubmittedV1: {
        "dossier_code", "procedure_code", "procedure_name", "procedure_version", "agency_code", "province_code",
        "sector", "channel", "applicant_name", "citizen_phone", "fee_vnd", "submitted_at", "due_date",
    },
    AgencyStatusReportedV1: {
        "dossier_code", "procedure_code", "agency_code", "province_code", "sequence", "status", "occurred_at",
        "due_date", "result", "note", "citizen_phone",
    },
    AgencyStatusRejectedV1: {
        "reason", "message", "original_topic", "original_partition", "original_offset", "original_key",
        "original_headers", "original_value_b64", "dossier_code", "agency_code", "rejected_at",
    },
    FineIssuedV1: {
        "decision_no", "record_no", "violation_date", "offender_name", "plate", "amount", "issuing_unit",
        "province_code", "decided_at",
    },
    SmsRequestedV1: {
        "request_id", "phone", "template", "personalisation", "dossier_code", "sending_service", "strip_diacritics",
    },
    SmsSentV1: {
        "message_id", "dossier_code", "phone_masked", "template", "encoding", "segments", "provider", "sent_at",
        "trigger_event_id",
    },
}  # fmt: skip


@pytest.mark.parametrize("model", list(PINNED), ids=lambda m: m.__name__)
def test_pinned_fields(model: type[BaseModel]) -> None:
    assert set(model.model_fields) >= PINNED[model], "a pinned field was renamed or removed"


def test_agency_status_values_are_the_published_ones() -> None:
    prop = _json_schema_props(AgencyStatusReportedV1)["status"]
    assert prop["enum"] == [
        "received",
        "processing",
        "supplement_requested",
        "forwarded",
        "completed",
        "returned",
        "rejected",
        "withdrawn",
    ]
    procedure = _json_schema_props(ProcedurePublishedV1)
    assert procedure["service_level"]["enum"] == [3, 4]
    assert procedure["level"]["enum"] == ["central", "province", "district", "commune"]


def test_sms_personalisation_keeps_ints_and_strings() -> None:
    sms = SmsRequestedV1.model_validate(SAMPLES[topics.SMS_REQUESTED])
    assert sms.personalisation["so_tien"] == 12_000_000
    assert sms.personalisation["co_quan"] == "CSGT"


def test_rejection_keeps_original_bytes() -> None:
    import base64

    original = json.dumps({"dossier_code": "Hồ sơ"}, ensure_ascii=False).encode()
    rej = AgencyStatusRejectedV1.model_validate(
        {**SAMPLES[topics.AGENCY_STATUS_REJECTED], "original_value_b64": base64.b64encode(original).decode()}
    )
    assert base64.b64decode(rej.original_value_b64) == original
    with pytest.raises(ValidationError):  # partition/offset/key must be present, even if null
        AgencyStatusRejectedV1.model_validate(
            {k: v for k, v in SAMPLES[topics.AGENCY_STATUS_REJECTED].items() if k != "original_offset"}
        )


@pytest.mark.parametrize("not_pseudonymous", ["001099012345", "0912345678", "Nguyễn Văn An", "ABCDEF" * 6])
def test_account_events_carry_only_a_pseudonymous_id(not_pseudonymous: str) -> None:
    data = {**SAMPLES[topics.ACCOUNT_SIGNED_IN], "account_id": not_pseudonymous}
    with pytest.raises(ValidationError):
        AccountSignedInV1.model_validate(data)
    fields = set(AccountSignedInV1.model_fields)
    assert not fields & {"sub", "name", "phone", "citizen_id", "email", "province_code"}
