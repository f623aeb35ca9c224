"""What a view of the dashboard or the API shows: its province (of either edition), sector, agency and
date range."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from dvc_contracts.units import Edition


@dataclass(frozen=True)
class Filters:
    """What a view shows. ``province`` is always one of today's 34 units; the "2024" view (``units``) ranks the
    63 of before 1 July 2025, and its ``former`` filter is one of them (``province`` is then its unit of today:
    the API sets both, so every index on province_code still serves)."""

    province: str | None = None
    sector: str | None = None
    agency: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    former: str | None = None
    units: Edition = "2025"

    @property
    def place_column(self) -> str:
        """The column a per-province figure groups by in this view."""
        return "former_province" if self.units == "2024" else "province_code"

    def side(self) -> Filters:
        """The filters that payments, fines, feedback and SMS have (no sector, no agency)."""
        return replace(self, sector=None, agency=None)

    @property
    def dated(self) -> bool:
        return self.date_from is not None or self.date_to is not None

    @property
    def by_dossier_dims(self) -> bool:
        """Sector or agency filters: only dossier figures have those dimensions."""
        return self.sector is not None or self.agency is not None
