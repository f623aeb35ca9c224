"""CloudEvents 1.0 envelope over Kafka.

Inside the portal events travel in binary content mode: ``ce_*`` headers, the JSON payload as the value.
Agency ingress also accepts structured mode (``content-type: application/cloudevents+json``, whole
envelope as the value), as the CloudEvents Kafka binding asks of receivers.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import pydantic_core
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from dvc_contracts import clock

SPECVERSION = "1.0"
STRUCTURED_CONTENT_TYPE = "application/cloudevents+json"
JSON_CONTENT_TYPE = "application/json"

Headers = Mapping[str, bytes | str] | Iterable[tuple[str, bytes | str]]


class EnvelopeError(ValueError):
    """A record that is not a valid CloudEvent. ``reason`` is machine-readable."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class CloudEvent(BaseModel):
    model_config = ConfigDict(extra="allow")

    specversion: str = SPECVERSION
    id: str = Field(min_length=1)
    source: str = Field(min_length=1)
    type: str = Field(min_length=1)
    time: datetime | None = None
    subject: str | None = None
    datacontenttype: str | None = JSON_CONTENT_TYPE
    correlationid: str | None = None
    causationid: str | None = None
    data: Any = None

    @field_validator("specversion")
    @classmethod
    def _v1(cls, v: str) -> str:
        if v != SPECVERSION:
            raise ValueError(f"unsupported specversion {v!r}, expected {SPECVERSION!r}")
        return v

    @field_validator("time")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        if v is not None and v.tzinfo is None:
            raise ValueError("time must carry a timezone offset (RFC 3339)")
        return v


def new_event(
    type_: str,
    source: str,
    data: BaseModel | Mapping[str, Any],
    *,
    subject: str | None = None,
    correlationid: str | None = None,
    causationid: str | None = None,
    time: datetime | None = None,
    id_: str | None = None,
) -> CloudEvent:
    payload = data.model_dump(mode="json") if isinstance(data, BaseModel) else dict(data)
    return CloudEvent(
        id=id_ or new_id(),
        source=source,
        type=type_,
        time=time or clock.now(),
        subject=subject,
        correlationid=correlationid,
        causationid=causationid,
        data=payload,
    )


_random_pool = bytearray()


def new_id() -> str:
    """A random (version 4) UUID as text; the randomness is drawn from the OS in blocks."""
    global _random_pool
    if len(_random_pool) < 16:
        _random_pool = bytearray(os.urandom(4096))
    b = _random_pool[-16:]
    del _random_pool[-16:]
    b[6] = (b[6] & 0x0F) | 0x40
    b[8] = (b[8] & 0x3F) | 0x80
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _forget_pool() -> None:
    _random_pool.clear()  # a forked child must not hand out its parent's ids


os.register_at_fork(after_in_child=_forget_pool)


def binary_headers(event: CloudEvent) -> list[tuple[str, str]]:
    """The binary-mode headers of an event, as text (the outbox stores them so)."""
    e = event
    headers = [
        ("content-type", JSON_CONTENT_TYPE),
        ("ce_specversion", e.specversion),
        ("ce_id", e.id),
        ("ce_source", e.source),
        ("ce_type", e.type),
    ]
    if e.time is not None:
        headers.append(("ce_time", e.time.isoformat()))
    if e.subject is not None:
        headers.append(("ce_subject", e.subject))
    if e.correlationid is not None:
        headers.append(("ce_correlationid", e.correlationid))
    if e.causationid is not None:
        headers.append(("ce_causationid", e.causationid))
    return headers


def binary_value(event: CloudEvent) -> bytes:
    """The value of a binary-mode record: the data as compact UTF-8 JSON (pydantic-core's Rust encoder)."""
    return pydantic_core.to_json(event.data)


def to_binary(event: CloudEvent) -> tuple[list[tuple[str, bytes]], bytes]:
    """Headers and value of a binary-mode Kafka record."""
    return [(k, v.encode()) for k, v in binary_headers(event)], binary_value(event)


def to_structured(event: CloudEvent) -> tuple[list[tuple[str, bytes]], bytes]:
    """Headers and value of a structured-mode Kafka record (the whole envelope as JSON)."""
    body = event.model_dump(mode="json", exclude_none=True)
    return [("content-type", STRUCTURED_CONTENT_TYPE.encode())], json.dumps(body, ensure_ascii=False).encode()


def _header_dict(headers: Headers | None) -> dict[str, str]:
    items = headers.items() if isinstance(headers, Mapping) else (headers or ())
    try:
        return {
            key.lower(): raw.decode() if type(raw) is bytes else str(raw)
            for key, raw in items
            if raw is not None
        }
    except UnicodeDecodeError:
        bad = next(k for k, v in items if isinstance(v, bytes | bytearray) and not _utf8(v))
        raise EnvelopeError("malformed_header", f"header {bad!r} is not UTF-8") from None


def _utf8(raw: bytes | bytearray) -> bool:
    try:
        raw.decode()
    except UnicodeDecodeError:
        return False
    return True


def _json(value: bytes | None, what: str) -> Any:
    if value is None:
        raise EnvelopeError("empty_value", f"{what}: the record has no value")
    try:
        return pydantic_core.from_json(value)
    except ValueError as exc:
        raise EnvelopeError("malformed_json", f"{what}: value is not JSON ({exc})") from exc


def _validate(fields: dict[str, Any]) -> CloudEvent:
    try:
        return CloudEvent.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "envelope"
        raise EnvelopeError("invalid_envelope", f"{where}: {first['msg']}") from exc


def from_structured(body: Any) -> CloudEvent:
    """A structured-mode envelope already decoded from JSON (Kafka value or an HTTP batch item)."""
    if not isinstance(body, dict):
        raise EnvelopeError("invalid_envelope", "structured mode: the envelope must be a JSON object")
    if "specversion" not in body:
        raise EnvelopeError("not_cloudevent", "structured mode: the envelope has no specversion")
    if "data_base64" in body:
        raise EnvelopeError("unsupported_data", "data_base64 is not accepted; send JSON data")
    return _validate(body)


def from_kafka(headers: Headers | None, value: bytes | None) -> CloudEvent:
    """Parse a Kafka record in binary or structured content mode. Raises EnvelopeError."""
    hdrs = _header_dict(headers)
    content_type = hdrs.get("content-type", "").split(";")[0].strip().lower()
    if content_type == STRUCTURED_CONTENT_TYPE or ("ce_specversion" not in hdrs and content_type == ""):
        return from_structured(_json(value, "structured mode"))
    if "ce_specversion" not in hdrs:
        raise EnvelopeError("not_cloudevent", "no ce_specversion header and not application/cloudevents+json")
    fields: dict[str, Any] = {k[3:]: v for k, v in hdrs.items() if k.startswith("ce_")}
    fields["datacontenttype"] = content_type or JSON_CONTENT_TYPE
    fields["data"] = _json(value, "binary mode")
    return _validate(fields)
