"""Procedures (catalog snapshots): the newest version wins; carries social_saving_vnd for the savings
figure."""

from __future__ import annotations

from dataclasses import dataclass

from dvc_contracts.events import ProcedurePublishedV1, ProcedureRetiredV1
from dvc_reporting.domain.projection.state import evolve


@dataclass(frozen=True)
class ProcedureState:
    code: str
    version: int | None = None
    name: str | None = None
    sector: str | None = None
    agency_code: str | None = None
    agency_name: str | None = None
    social_saving_vnd: int | None = None
    processing_days: int | None = None
    retired_version: int | None = None


def fold_procedure(s: ProcedureState, data: ProcedurePublishedV1 | ProcedureRetiredV1) -> ProcedureState:
    if isinstance(data, ProcedureRetiredV1):
        return evolve(s, retired_version=max(s.retired_version or 0, data.version))
    if s.version is not None and data.version < s.version:
        return s  # an older snapshot arriving late
    return evolve(
        s,
        version=data.version,
        name=data.name,
        sector=data.sector,
        agency_code=data.agency_code,
        agency_name=data.agency_name,
        social_saving_vnd=data.social_saving_vnd,
        processing_days=data.processing_days,
    )
