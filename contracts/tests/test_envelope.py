"""CloudEvents envelope over Kafka: binary and structured content mode, and every way a record can be broken."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from dvc_contracts import topics
from dvc_contracts.clock import VN_TZ
from dvc_contracts.envelope import (
    JSON_CONTENT_TYPE,
    STRUCTURED_CONTENT_TYPE,
    CloudEvent,
    EnvelopeError,
    from_kafka,
    new_event,
    to_binary,
    to_structured,
)
from dvc_contracts.events import AgencyStatusReportedV1, parse_data

ICT = VN_TZ  # Indochina Time, UTC+7
OCCURRED = datetime(2024, 5, 6, 9, 15, tzinfo=ICT)

STATUS = AgencyStatusReportedV1(
    dossier_code="000.00.01.H26-240506-0007",
    procedure_code="1.001234",
    agency_code="HNI-CSGT",
    province_code="01",
    sequence=4,
    status="completed",
    occurred_at=OCCURRED,
    result="Biển số 29A-123.45",
    note="Đã trả giấy tờ xe qua bưu điện — Đội CSGT số 7, phường Đống Đa",
)


def _event(**kw: Any) -> CloudEvent:
    return new_event(
        topics.AGENCY_STATUS_REPORTED,
        "urn:agency:HNI-CSGT",
        STATUS,
        subject=STATUS.dossier_code,
        correlationid="corr-1",
        causationid="cause-1",
        time=datetime(2024, 5, 6, 2, 15, tzinfo=UTC),
        id_="a4f1c1de-0001",
        **kw,
    )


def _binary_headers(**override: bytes | None) -> list[tuple[str, bytes]]:
    base: dict[str, bytes | None] = {
        "content-type": b"application/json",
        "ce_specversion": b"1.0",
        "ce_id": b"evt-7",
        "ce_source": b"urn:agency:HNI-CSGT",
        "ce_type": topics.AGENCY_STATUS_REPORTED.encode(),
        "ce_time": b"2024-05-06T09:15:00+07:00",
    }
    base.update(override)
    return [(k, v) for k, v in base.items() if v is not None]


def _reason(headers: Any, value: bytes | None) -> str:
    with pytest.raises(EnvelopeError) as info:
        from_kafka(headers, value)
    assert str(info.value) == info.value.message
    return info.value.reason


# --- binary mode ------------------------------------------------------------------------------------------------


def test_binary_mode_round_trip() -> None:
    event = _event()
    headers, value = to_binary(event)
    names = dict(headers)
    assert names["content-type"] == JSON_CONTENT_TYPE.encode()
    assert names["ce_specversion"] == b"1.0"
    assert names["ce_type"] == b"agency-status-reported"
    assert names["ce_subject"] == STATUS.dossier_code.encode()
    assert names["ce_correlationid"] == b"corr-1"
    assert names["ce_causationid"] == b"cause-1"
    assert json.loads(value) == STATUS.model_dump(mode="json")

    parsed = from_kafka(headers, value)
    assert parsed.id == event.id
    assert parsed.source == event.source
    assert parsed.type == event.type
    assert parsed.time == event.time
    assert parsed.subject == event.subject
    assert parsed.correlationid == "corr-1"
    assert parsed.causationid == "cause-1"
    assert parsed.datacontenttype == JSON_CONTENT_TYPE
    assert parse_data(parsed) == STATUS


def test_binary_mode_from_a_foreign_client() -> None:
    """What another client sends: header names in any case, str or bytes values, an extension attribute."""
    headers: dict[str, str | bytes] = {
        "Content-Type": "application/json; charset=utf-8",
        "ce_specversion": b"1.0",
        "ce_id": "evt-9",
        "ce_source": "urn:agency:HNI-CSGT",
        "ce_type": "agency-status-reported",
        "ce_time": "2024-05-06T02:15:00Z",
        "ce_traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    }
    parsed = from_kafka(headers, STATUS.model_dump_json().encode())
    assert parsed.id == "evt-9"
    assert parsed.time == datetime(2024, 5, 6, 2, 15, tzinfo=UTC)
    assert parsed.model_extra == {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
    assert parse_data(parsed) == STATUS


def test_binary_mode_missing_specversion_is_not_a_cloudevent() -> None:
    headers = _binary_headers(ce_specversion=None)
    assert _reason(headers, STATUS.model_dump_json().encode()) == "not_cloudevent"


def test_plain_json_without_ce_headers_is_not_a_cloudevent() -> None:
    assert _reason([("content-type", b"application/json")], b'{"dossier_code": "X"}') == "not_cloudevent"


def test_binary_mode_wrong_specversion() -> None:
    headers = _binary_headers(ce_specversion=b"0.3")
    assert _reason(headers, STATUS.model_dump_json().encode()) == "invalid_envelope"


def test_binary_mode_missing_required_attribute_names_it() -> None:
    with pytest.raises(EnvelopeError) as info:
        from_kafka(_binary_headers(ce_id=None), STATUS.model_dump_json().encode())
    assert info.value.reason == "invalid_envelope"
    assert info.value.message.startswith("id:")


def test_binary_mode_naive_time_rejected() -> None:
    headers = _binary_headers(ce_time=b"2024-05-06T09:15:00")
    assert _reason(headers, STATUS.model_dump_json().encode()) == "invalid_envelope"


@pytest.mark.parametrize("value", [b"{not json", b"", b'{"a": 1', "Hồ sơ".encode("utf-16")])
def test_binary_mode_malformed_json(value: bytes) -> None:
    assert _reason(_binary_headers(), value) == "malformed_json"


def test_binary_mode_empty_value() -> None:
    assert _reason(_binary_headers(), None) == "empty_value"


def test_non_utf8_header_rejected() -> None:
    headers = _binary_headers(ce_source="urn:agency:Hà-Giang".encode("latin-1"))  # a legacy client, not UTF-8
    with pytest.raises(EnvelopeError) as info:
        from_kafka(headers, STATUS.model_dump_json().encode())
    assert info.value.reason == "malformed_header"
    assert "ce_source" in info.value.message


# --- structured mode --------------------------------------------------------------------------------------------


def test_structured_mode_round_trip() -> None:
    event = _event()
    headers, value = to_structured(event)
    assert headers == [("content-type", STRUCTURED_CONTENT_TYPE.encode())]
    body = json.loads(value)
    assert body["specversion"] == "1.0"
    assert body["type"] == "agency-status-reported"
    assert body["data"] == STATUS.model_dump(mode="json")

    parsed = from_kafka(headers, value)
    assert parsed == event
    assert parse_data(parsed) == STATUS


def test_structured_mode_from_a_foreign_client() -> None:
    body = {
        "specversion": "1.0",
        "id": "evt-10",
        "source": "urn:agency:HCM-CSGT",
        "type": "agency-status-reported",
        "time": "2024-05-06T09:15:00+07:00",
        "datacontenttype": "application/json",
        "data": STATUS.model_dump(mode="json"),
    }
    value = json.dumps(body).encode()  # ASCII-escaped (\\u1ec7…), as many JSON libraries write it
    parsed = from_kafka([("content-type", b"application/cloudevents+json; charset=UTF-8")], value)
    assert parse_data(parsed) == STATUS


def test_structured_mode_without_any_headers() -> None:
    _, value = to_structured(_event())
    assert from_kafka(None, value).id == "a4f1c1de-0001"
    assert from_kafka([], value).id == "a4f1c1de-0001"


@pytest.mark.parametrize("value", [b"{not json", b"", b"\xff\xfe{}"])
def test_structured_mode_malformed_json(value: bytes) -> None:
    assert _reason([("content-type", STRUCTURED_CONTENT_TYPE.encode())], value) == "malformed_json"


def test_structured_mode_must_be_an_object() -> None:
    assert _reason([("content-type", STRUCTURED_CONTENT_TYPE.encode())], b"[1, 2]") == "invalid_envelope"


def test_structured_mode_missing_type_names_it() -> None:
    body = json.loads(to_structured(_event())[1])
    del body["type"]
    with pytest.raises(EnvelopeError) as info:
        from_kafka([("content-type", STRUCTURED_CONTENT_TYPE.encode())], json.dumps(body).encode())
    assert info.value.reason == "invalid_envelope"
    assert info.value.message.startswith("type:")


def test_structured_mode_data_base64_rejected() -> None:
    body = json.loads(to_structured(_event())[1])
    del body["data"]
    body["data_base64"] = "eyJhIjogMX0="
    with pytest.raises(EnvelopeError) as info:
        from_kafka([("content-type", STRUCTURED_CONTENT_TYPE.encode())], json.dumps(body).encode())
    assert info.value.reason == "unsupported_data"
    assert "data_base64" in info.value.message


# --- Vietnamese text --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["binary", "structured"])
def test_vietnamese_diacritics_preserved(mode: str) -> None:
    event = _event()
    event = event.model_copy(update={"subject": "Hồ sơ đăng ký xe — Đống Đa"})
    headers, value = to_binary(event) if mode == "binary" else to_structured(event)
    # Sent as UTF-8, not \\u escapes, so the bytes stay readable in any Kafka tool.
    assert "Đã trả giấy tờ xe qua bưu điện".encode() in value
    parsed = from_kafka(headers, value)
    assert parsed.subject == "Hồ sơ đăng ký xe — Đống Đa"
    data = parse_data(parsed)
    assert isinstance(data, AgencyStatusReportedV1)
    assert data.note == STATUS.note
    assert data.result == "Biển số 29A-123.45"


def test_vietnamese_nfc_and_nfd_are_kept_as_sent() -> None:
    """The envelope does not normalise text; what the agency sent is what is stored."""
    import unicodedata

    nfd = unicodedata.normalize("NFD", "Nguyễn")
    payload = {**STATUS.model_dump(mode="json"), "note": nfd}
    parsed = from_kafka(_binary_headers(), json.dumps(payload, ensure_ascii=False).encode())
    data = parse_data(parsed)
    assert isinstance(data, AgencyStatusReportedV1)
    assert data.note == nfd


# --- new_event --------------------------------------------------------------------------------------------------


def test_new_event_defaults() -> None:
    event = new_event(topics.FEE_PAID, "urn:dvc:payment", {"x": 1})
    assert event.specversion == "1.0"
    assert event.id
    assert event.time is not None and event.time.tzinfo is not None
    assert event.data == {"x": 1}
    other = new_event(topics.FEE_PAID, "urn:dvc:payment", {"x": 1})
    assert other.id != event.id
