"""Procedure versions: draft → published → retired. A published version is immutable."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from dvckit.text import fold

Status = Literal["draft", "published", "retired"]
LEVELS = ("central", "province", "district", "commune")


class ProcedureError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Procedure:
    code: str
    version: int
    name: str
    sector: str
    agency_code: str
    agency_name: str
    level: str
    service_level: int
    fee: dict[str, Any]
    processing_days: int
    required_documents: list[dict[str, Any]] = field(default_factory=list)
    required_fields: list[str] = field(default_factory=list)
    allowed_agency_codes: list[str] = field(default_factory=list)
    chained_flow: str | None = None
    social_saving_vnd: int | None = None
    provinces: list[str] = field(default_factory=list)
    description: str | None = None
    assurance_level: int = 1  # the applicant's account must be at least this level (1 or 2)
    status: Status = "draft"
    published_at: datetime | None = None
    retired_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ProcedureError("invalid_level", f"level must be one of {', '.join(LEVELS)}")
        if self.service_level not in (3, 4):
            raise ProcedureError("invalid_service_level", "service_level must be 3 or 4")
        if self.processing_days < 0:
            raise ProcedureError("invalid_processing_days", "processing_days must be ≥ 0")
        kind = self.fee.get("kind")
        if kind not in ("fixed", "rule", "free"):
            raise ProcedureError("invalid_fee", "fee.kind must be fixed, rule or free")
        amount = self.fee.get("amount_vnd")
        if kind == "fixed" and (not isinstance(amount, int) or amount < 0):
            raise ProcedureError(
                "invalid_fee", "a fixed fee needs amount_vnd as a non-negative integer (VND)"
            )

    @property
    def search_text(self) -> str:
        return fold(f"{self.code} {self.name} {self.description or ''}")

    @property
    def search_title(self) -> str:
        """The folded code and name: search ranks a match here above one in the description."""
        return fold(f"{self.code} {self.name}")

    def publish(self, now: datetime) -> Procedure:
        if self.status != "draft":
            raise ProcedureError("not_draft", f"version {self.version} of {self.code} is {self.status}")
        return replace(self, status="published", published_at=now)

    def retire(self, now: datetime) -> Procedure:
        if self.status != "published":
            raise ProcedureError("not_published", f"version {self.version} of {self.code} is {self.status}")
        return replace(self, status="retired", retired_at=now)
