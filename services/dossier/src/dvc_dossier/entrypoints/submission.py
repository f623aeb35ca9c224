"""The body of a dossier's submission (POST /v1/dossiers): its fields and documents, and their limits."""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from dvc_contracts import units
from dvc_contracts.phone import MobilePhone

MAX_FIELDS, MAX_FIELD_NAME, MAX_FIELD_VALUE = 50, 64, 2000  # a dossier's form: entries, name, value (JSON)


def _small(value: Any) -> Any:
    size = len(json.dumps(value, ensure_ascii=False))
    if size > MAX_FIELD_VALUE:
        raise ValueError(f"tối đa {MAX_FIELD_VALUE} ký tự (JSON) mỗi giá trị, nhận {size}")
    return value


FieldName = Annotated[str, StringConstraints(min_length=1, max_length=MAX_FIELD_NAME)]
FieldValue = Annotated[Any, AfterValidator(_small)]


def _current_province(code: str) -> str:
    """New dossiers carry today's units: a province merged on 1 July 2025 is refused, naming the current one."""
    if code in units.RETIRED_CODES:
        raise ValueError(units.retired_message(code))
    return code


MAX_DOCUMENTS = 30


class AttachDocument(BaseModel):
    document_id: str = Field(min_length=1, max_length=36, description="the id POST /v1/documents answered")
    name: str = Field(
        min_length=1, max_length=200, description="what it is, e.g. the required document's name"
    )
    code: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="which of the procedure's required_documents this is (its code); without it the name is "
        "compared with the catalog's names. A level-4 procedure refuses a submission missing a mandatory one "
        "(422 missing_documents, errors[].field documents.<code>)",
    )


class SubmitDossier(BaseModel):
    procedure_code: str = Field(min_length=1, max_length=64)
    province_code: Annotated[str, AfterValidator(_current_province)] = Field(
        pattern=r"^\d{2}$", description="mã tỉnh/thành phố (34 đơn vị từ 01/07/2025), 2 chữ số"
    )
    applicant_name: str | None = Field(default=None, min_length=2, max_length=200)
    phone: MobilePhone = Field(
        default=None,
        max_length=32,
        description="Vietnamese mobile number for the dossier's SMS (stored as E.164, +84…); default: the token's",
    )
    fields: dict[FieldName, FieldValue] = Field(
        default_factory=dict,
        max_length=MAX_FIELDS,
        description=f"at most {MAX_FIELDS} entries; names 1–{MAX_FIELD_NAME} characters; "
        f"each value at most {MAX_FIELD_VALUE} characters as JSON",
    )
    documents: list[AttachDocument] = Field(
        default_factory=list, max_length=MAX_DOCUMENTS, description="uploads (POST /v1/documents) to attach"
    )
