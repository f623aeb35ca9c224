"""The models ``data/procedures.yaml`` is validated with (strictly: ``datafile``), and the reference types that
the generator's profiles share: a sector, an agency, a province, a form field or a document type must exist."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Final, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from dvc_catalog.domain.datafile import parse_data
from dvc_catalog.domain.procedure_checks import fee_problems
from dvc_catalog.domain.reference import AGENCY_BY_CODE, CODE_PATTERN, PROVINCE_BY_CODE, SECTOR_BY_CODE
from dvc_catalog.domain.vocabulary import (
    DOCUMENT_TYPES,
    FIELD_LABELS,
    PROCEDURE_KEYS,
    ChainedFlow,
    Level,
    doc,
)
from dvc_contracts.fees import FeeRule, ProcedureFeeV1, Vnd

__all__ = [
    "SEED_ENTRIES",
    "AgencyCode",
    "DocumentCode",
    "FieldName",
    "ProvinceCode",
    "SectorCode",
    "SeedFile",
    "SeedProcedure",
    "Text",
    "parse_seed_file",
]


def _known(table: Mapping[str, object], what: str, where: str) -> AfterValidator:
    def check(value: str) -> str:
        if value not in table:
            raise ValueError(f"unknown {what} {value!r} (not in {where})")
        return value

    return AfterValidator(check)


SectorCode = Annotated[str, _known(SECTOR_BY_CODE, "sector", "domain/reference.py")]
AgencyCode = Annotated[str, _known(AGENCY_BY_CODE, "agency", "domain/reference.py")]
ProvinceCode = Annotated[str, _known(PROVINCE_BY_CODE, "province", "today's 34, dvc_contracts.units")]
FieldName = Annotated[str, _known(FIELD_LABELS, "form field", "data/vocabulary.yaml")]
DocumentCode = Annotated[str, _known(DOCUMENT_TYPES, "document type", "data/vocabulary.yaml")]
Text = Annotated[str, Field(min_length=1, pattern=r"^\S(.*\S)?$")]
# How errors in procedures.yaml name an entry: "procedure GPLX-DOI-L4".
SEED_ENTRIES: Final = {"procedures": ("procedure", "code")}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class DocumentRef(_Strict):
    code: DocumentCode
    mandatory: bool = True


class SeedProcedure(_Strict):
    """One entry of ``procedures.yaml``: a procedure dict's keys (``PROCEDURE_KEYS``), with defaults for the
    optional ones, documents as codes, and ``social_saving_note`` (how ``social_saving_vnd`` was derived)."""

    code: Annotated[str, Field(pattern=CODE_PATTERN.pattern)]
    name: Text
    sector: SectorCode
    agency_code: AgencyCode
    level: Level
    service_level: Literal[3, 4]
    assurance_level: Literal[1, 2] = 1
    fee: ProcedureFeeV1
    processing_days: int = Field(ge=1)
    required_documents: list[DocumentRef] = Field(min_length=1)
    required_fields: list[FieldName] = Field(min_length=1)
    allowed_agency_codes: list[AgencyCode] = Field(default_factory=list)
    chained_flow: ChainedFlow | None = None
    social_saving_vnd: Vnd | None = None
    social_saving_note: Text | None = Field(default=None, validate_default=True)
    provinces: list[ProvinceCode] = Field(default_factory=list)
    description: Text

    @field_validator("fee")
    @classmethod
    def _catalog_fee(cls, fee: ProcedureFeeV1) -> ProcedureFeeV1:
        problems = fee_problems(fee.model_dump())
        if problems:
            raise ValueError("; ".join(problems))
        return fee

    @field_validator("required_documents", mode="before")
    @classmethod
    def _codes_are_mandatory_documents(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"code": item, "mandatory": True} if isinstance(item, str) else item for item in value]
        return value

    @field_validator("required_documents")
    @classmethod
    def _documents_once(cls, documents: list[DocumentRef]) -> list[DocumentRef]:
        _once([d.code for d in documents], "document")
        return documents

    @field_validator("required_fields")
    @classmethod
    def _fields_once_with_the_rules(cls, fields: list[str], info: ValidationInfo) -> list[str]:
        _once(fields, "field")
        fee = info.data.get("fee")
        rule = fee.rule if isinstance(fee, ProcedureFeeV1) else None
        if rule is not None:
            read = [v for k, v in rule.model_dump().items() if k.endswith("_field") and v is not None]
            missing = [f for f in read if f not in fields]
            if missing:
                raise ValueError(f"the fee rule reads {missing}, which are not among the required fields")
        return fields

    @field_validator("allowed_agency_codes")
    @classmethod
    def _others_than_the_responsible(cls, codes: list[str], info: ValidationInfo) -> list[str]:
        _once(codes, "agency")
        if info.data.get("agency_code") in codes:
            raise ValueError(f"repeats the responsible agency {info.data['agency_code']!r}")
        return codes

    @field_validator("social_saving_note")
    @classmethod
    def _note_with_the_saving(cls, note: str | None, info: ValidationInfo) -> str | None:
        if (note is None) != (info.data.get("social_saving_vnd") is None):
            raise ValueError(
                "social_saving_vnd and social_saving_note go together (the note derives the figure)"
            )
        return note

    @field_validator("provinces")
    @classmethod
    def _provinces_once(cls, provinces: list[str]) -> list[str]:
        _once(provinces, "province")
        return provinces

    @field_validator("description")
    @classmethod
    def _one_sentence(cls, text: str) -> str:
        if not text.endswith(".") or ". " in text:
            raise ValueError("must be one sentence ending with a full stop")
        return text

    def to_dict(self) -> dict[str, Any]:
        """The procedure dict (keys in ``PROCEDURE_KEYS`` order) the catalog publishes."""
        dumped = self.model_dump()
        dumped["required_documents"] = [doc(d.code, d.mandatory) for d in self.required_documents]
        return {key: dumped[key] for key in PROCEDURE_KEYS}


class SeedFile(_Strict):
    """``procedures.yaml``: the base salary and the fee rules several procedures share (YAML anchors), then the
    procedures."""

    base_salary_vnd: Vnd
    shared_rules: dict[str, FeeRule]
    procedures: list[SeedProcedure] = Field(min_length=1)

    @field_validator("procedures")
    @classmethod
    def _codes_once(cls, procedures: list[SeedProcedure]) -> list[SeedProcedure]:
        _once([p.code for p in procedures], "procedure code")
        return procedures


def _once(values: list[str], what: str) -> None:
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise ValueError(f"{what} listed more than once: {', '.join(repeated)}")


def parse_seed_file(text: str, name: str = "procedures.yaml") -> SeedFile:
    """A seed file from its text (raises ``DataFileError`` naming the file, the line, the procedure and the
    field of every problem)."""
    return parse_data(name, text, SeedFile, SEED_ENTRIES)
