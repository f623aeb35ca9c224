"""Request and response models of the integrators' API (templates, send, keys)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, PlainValidator, WithJsonSchema

from dvc_notify.domain.api_keys import SERVICE_PATTERN, KeyType
from dvc_notify.domain.catalogue import SmsCost
from dvc_notify.domain.templates import MAX_AMOUNT, FieldKind

Encoding = Literal["GSM-7", "UCS-2"]
MAX_VALUE_LENGTH = 500


def _value(value: object) -> str | int:
    """A personalisation value: text (at most 500 characters) or an integer (money: đồng)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("phải là chuỗi ký tự hoặc số nguyên")
    if isinstance(value, int):
        if abs(value) > MAX_AMOUNT:
            raise ValueError("số vượt giới hạn")
        return value
    if len(value) > MAX_VALUE_LENGTH:
        raise ValueError(f"quá dài (tối đa {MAX_VALUE_LENGTH} ký tự)")
    try:
        value.encode()
    except UnicodeEncodeError:
        raise ValueError("không phải văn bản hợp lệ") from None
    return value


Value = Annotated[
    str | int,
    PlainValidator(_value),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "maxLength": MAX_VALUE_LENGTH},
                {"type": "integer", "minimum": -MAX_AMOUNT, "maximum": MAX_AMOUNT},
            ]
        }
    ),
]
Personalisation = Annotated[
    dict[Annotated[str, Field(min_length=1, max_length=64)], Value],
    Field(
        max_length=50,
        description="Values of the template's fields: text, an integer number of đồng for `money`, an ISO 8601"
        " date (`date`) or timestamp with an offset (`datetime`)",
        examples=[{"dossier_code": "01-260302-ABC123", "amount": 135000}],
    ),
]
REFERENCE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$"


# --- templates --------------------------------------------------------------------------------------------


class FieldOut(BaseModel):
    name: str
    kind: FieldKind = Field(
        description="text; money (integer đồng); date; datetime (ISO 8601 with an offset)"
    )
    required: bool
    choices: dict[str, str] | None = Field(
        default=None, description="The values accepted, each with the Vietnamese wording it puts in the SMS"
    )
    required_when: dict[str, list[str]] | None = Field(
        default=None, description="Needed only when a choice field has one of these values"
    )


class TemplateOut(BaseModel):
    id: str
    type: Literal["sms"] = "sms"
    description: str
    body: str = Field(description="The Vietnamese text with `{field}` placeholders")
    strip_diacritics: bool = Field(description="Sent không dấu (GSM-7, cheaper) unless a request forces it")
    fields: list[FieldOut]
    uri: str


class TemplateList(BaseModel):
    items: list[TemplateOut]
    total: int


class PreviewIn(BaseModel):
    personalisation: Personalisation = {}
    strip_diacritics: bool = Field(
        default=False, description="true: send không dấu; false: the template's own policy"
    )


class CostOut(BaseModel):
    segments: int
    price_per_segment_vnd: int
    total_vnd: int


def cost_out(segments: int, price_per_segment_vnd: int) -> CostOut:
    cost = SmsCost(segments, price_per_segment_vnd)
    return CostOut(
        segments=cost.segments, price_per_segment_vnd=cost.price_per_segment_vnd, total_vnd=cost.total_vnd
    )


class PreviewOut(BaseModel):
    id: str
    type: Literal["sms"] = "sms"
    body: str = Field(description="Exactly the text that would be sent")
    encoding: Encoding
    segments: int
    characters: int = Field(description="GSM-7 septets or UCS-2 code units")
    cost: CostOut


# --- sending ------------------------------------------------------------------------------------------------


class SendSmsIn(BaseModel):
    phone_number: str = Field(max_length=40, examples=["0912345678"])
    template_id: str = Field(max_length=64, examples=["fee-refunded"])
    personalisation: Personalisation = {}
    reference: str = Field(
        pattern=REFERENCE_PATTERN,
        description="Your id for this SMS: the same request sent again is answered with the first notification",
    )
    strip_diacritics: bool = False
    dossier_code: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
    province_code: str | None = Field(
        default=None, pattern=r"^[0-9]{2}$", description="Whose operators may read it (none: national)"
    )


class ContentOut(BaseModel):
    body: str
    encoding: Encoding
    segments: int
    sender: str = Field(description="The brandname the SMS is sent from")


class TemplateRef(BaseModel):
    id: str
    uri: str


class NotificationOut(BaseModel):
    id: str
    reference: str
    type: Literal["sms"] = "sms"
    key_type: KeyType
    status: str = Field(
        description="created, sending, sent, delivered, temporary-failure, permanent-failure, technical-failure"
        " (a test key's: delivered)"
    )
    failure_reason: str | None
    phone_number: str = Field(description="E.164; only ever shown to the sending service itself")
    content: ContentOut
    cost: CostOut
    template: TemplateRef
    uri: str
    created_at: datetime
    sent_at: datetime | None
    completed_at: datetime | None


# --- keys ---------------------------------------------------------------------------------------------------


class KeyIn(BaseModel):
    name: str = Field(pattern=r"^[^\x00-\x1f\x7f]{1,100}$", examples=["payment refunds"])
    service: str = Field(pattern=SERVICE_PATTERN, description="The sending service", examples=["payment"])
    key_type: KeyType = Field(description="live: sends; test: checked and stored, never sent")


class KeyOut(BaseModel):
    id: str
    name: str
    service: str
    key_type: KeyType
    created_at: datetime
    created_by: str | None
    revoked_at: datetime | None
    revoked_by: str | None


class NewKeyOut(KeyOut):
    key: str = Field(description="The key, shown this once: notify keeps only a hash of its secret")
