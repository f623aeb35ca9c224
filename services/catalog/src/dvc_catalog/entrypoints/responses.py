"""What the catalog's routes answer (dvckit.schemas: every member declared)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from dvc_catalog.domain.model import Status
from dvckit.schemas import Out


class ProcedureOut(Out):
    """One version of a procedure."""

    code: str
    version: int = Field(description="1 for the first draft; each new draft after a publication adds one")
    name: str
    sector: str
    agency_code: str
    agency_name: str
    level: Literal["central", "province", "district", "commune"]
    service_level: int = Field(description="3 or 4 (online in part / in full)")
    fee: dict[str, Any] = Field(
        description="as created: kind (fixed | rule | free), amount_vnd, rule (dvc_contracts.fees), description"
    )
    processing_days: int
    required_documents: list[dict[str, Any]] = Field(description="each: code, name, mandatory")
    required_fields: list[str]
    allowed_agency_codes: list[str]
    chained_flow: str | None
    social_saving_vnd: int | None
    provinces: list[str] = Field(
        description="codes of today's provinces where it is offered; [] = nationwide"
    )
    description: str | None
    assurance_level: int = Field(
        description="2: only accounts whose identity was checked in person may submit"
    )
    status: Status
    published_at: datetime | None
    retired_at: datetime | None
