"""The query parameters of a view (province, sector, agency, date range, edition) as one ``Filters``
dependency, scoped to a province operator's province; and the reporting context."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, HTTPException, Query

from dvc_contracts import units
from dvc_reporting.adapters.queries.filters import Filters
from dvc_reporting.entrypoints.auth import Operator
from dvc_reporting.entrypoints.context import ReportingContext, ctx
from dvc_reporting.entrypoints.places import UNITS_Q, place_filter

Ctx = Annotated[ReportingContext, Depends(ctx)]

PROVINCE_Q = Query(
    None,
    pattern=r"^\d{2}$",
    description="mã tỉnh/thành phố (2 chữ số) của đơn vị hành chính hiện nay, ví dụ 01 Hà Nội, 79 TP. HCM; "
    "với units=2024: mã của một trong 63 tỉnh, thành phố trước ngày 01/07/2025",
)
SECTOR_Q = Query(None, max_length=64, description="mã lĩnh vực, ví dụ DUONG-BO")
AGENCY_Q = Query(None, max_length=64, description="mã cơ quan đang chịu trách nhiệm, ví dụ BCA-CSGT")
FROM_Q = Query(None, description="từ ngày nộp (YYYY-MM-DD, giờ Việt Nam)")
TO_Q = Query(None, description="đến ngày nộp (YYYY-MM-DD, giờ Việt Nam)")


def filters(
    principal: Operator,
    province: str | None = PROVINCE_Q,
    sector: str | None = SECTOR_Q,
    agency: str | None = AGENCY_Q,
    date_from: date | None = FROM_Q,
    date_to: date | None = TO_Q,
    units: units.Edition = UNITS_Q,
) -> Filters:
    if date_from and date_to and date_from > date_to:
        raise HTTPException(422, detail={"error": "bad_range", "message": "date_from phải trước date_to."})
    current, former = place_filter(principal, province, units)
    return Filters(current, sector or None, agency or None, date_from, date_to, former, units)


Filtered = Annotated[Filters, Depends(filters)]
