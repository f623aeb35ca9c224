"""Catalog: a procedure version published or retired. Keyed by procedure code."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field

from dvc_contracts import topics
from dvc_contracts.events.base import Code, EventPayload, Level, ProcedureFeeV1, Vnd, _Payload


class RequiredDocumentV1(_Payload):
    code: Code
    name: str
    mandatory: bool = True


class ProcedurePublishedV1(EventPayload):
    """The full, immutable snapshot of a published procedure version. Key: procedure code."""

    ce_type: ClassVar[str] = topics.PROCEDURE_PUBLISHED

    code: Code
    version: int
    name: str
    sector: str
    agency_code: Code
    agency_name: str
    level: Level
    service_level: Literal[3, 4]
    fee: ProcedureFeeV1
    processing_days: int = Field(ge=0, description="statutory processing time in working days")
    required_documents: list[RequiredDocumentV1] = []
    required_fields: list[str] = []
    allowed_agency_codes: list[str] = Field(
        default=[], description="agencies allowed to report status besides agency_code"
    )
    chained_flow: str | None = None
    social_saving_vnd: Vnd | None = Field(
        default=None, description="estimated social-cost saving per online dossier"
    )
    provinces: list[str] = Field(default=[], description="province codes where offered; empty = nationwide")
    assurance_level: Literal[1, 2] = Field(
        default=1,
        description="the applicant's electronic identity account must be at least this level of assurance "
        "(Nghị định 69/2024/NĐ-CP: mức độ 1, mức độ 2); a token's `loa` claim",
    )
    published_at: AwareDatetime


class ProcedureRetiredV1(EventPayload):
    """A published procedure version is retired: no new dossiers. Key: procedure code."""

    ce_type: ClassVar[str] = topics.PROCEDURE_RETIRED

    code: Code
    version: int
    retired_at: AwareDatetime
    reason: str | None = None
