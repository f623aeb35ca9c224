"""The shape of a procedure and the vocabulary procedures are written in.

``PROCEDURE_KEYS`` are the keys of a procedure dict (the seeds', the generator's, what ``POST /procedures`` takes);
the form fields and the document types procedures may name are data, in ``data/vocabulary.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from dvc_catalog.domain.datafile import load_data_file

__all__ = [
    "CHAINED_FLOWS",
    "DOCUMENT_TYPES",
    "FIELD_LABELS",
    "FIELD_NAME_PATTERN",
    "LEVELS",
    "PROCEDURE_KEYS",
    "ChainedFlow",
    "Level",
    "doc",
]

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
Level = Literal["central", "province", "district", "commune"]
LEVELS: Final[tuple[Level, ...]] = ("central", "province", "district", "commune")
ChainedFlow = Literal["vehicle-registration", "licence-renewal-l4"]
CHAINED_FLOWS: Final[tuple[ChainedFlow, ...]] = ("vehicle-registration", "licence-renewal-l4")
FIELD_NAME_PATTERN: Final = re.compile(r"^[a-z][a-z0-9_]*$")

_Text = Annotated[str, Field(min_length=1, pattern=r"^\S(.*\S)?$")]


class Vocabulary(BaseModel):
    """``data/vocabulary.yaml``: form field name → Vietnamese label, document type code → Vietnamese name."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    fields: dict[Annotated[str, Field(pattern=FIELD_NAME_PATTERN.pattern)], _Text]
    documents: dict[Annotated[str, Field(pattern=r"^[A-Z0-9]+(?:-[A-Z0-9]+)*$")], _Text]


_VOCABULARY: Final = load_data_file("vocabulary.yaml", Vocabulary, {})

FIELD_LABELS: Final[Mapping[str, str]] = MappingProxyType(dict(_VOCABULARY.fields))
DOCUMENT_TYPES: Final[Mapping[str, str]] = MappingProxyType(dict(_VOCABULARY.documents))


def doc(code: str, mandatory: bool = True) -> dict[str, Any]:
    """A required-document entry ``{code, name, mandatory}`` from ``DOCUMENT_TYPES``."""
    return {"code": code, "name": DOCUMENT_TYPES[code], "mandatory": mandatory}
