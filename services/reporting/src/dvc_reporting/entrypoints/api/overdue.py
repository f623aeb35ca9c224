"""Overdue dossiers (the paged list, the counts per province, agency or procedure) and one dossier's
drill-down."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request

from dvc_contracts.clock import vn_today
from dvc_reporting.entrypoints.api.export import CSV, Format, csv_response
from dvc_reporting.entrypoints.api.params import Ctx, Filtered
from dvc_reporting.entrypoints.auth import Operator
from dvc_reporting.entrypoints.places import scope_of
from dvc_reporting.entrypoints.responses import Items, OverdueByRow, OverdueRow, ReportDossier
from dvckit.paging import Page, Paging, paged

router = APIRouter(prefix="/api", tags=["overdue"])


@router.get(
    "/overdue",
    summary="Overdue dossiers, most overdue first",
    description="Paged (`limit` 1–200, `offset`, `next`, `total`). As CSV (`format=csv`) up to 5,000 rows a "
    'request, the next ones named by a `Link: <…>; rel="next"` header, the count in `X-Total-Count`.',
    response_model=Page[OverdueRow],
    responses=CSV,
)
async def overdue(
    request: Request,
    f: Filtered,
    c: Ctx,
    paging: Annotated[Paging, Depends(paged())],
    format: Format = "json",
) -> Any:
    page = paging.export() if format == "csv" else paging
    async with c.queries() as q:
        total, rows = await q.overdue_list(f, vn_today(), page.limit, page.offset)
    if format == "csv":
        response = csv_response(rows, "ho-so-qua-han")
        response.headers.update(page.headers(request, len(rows), total))
        return response
    return paging.page(request, rows, total)


@router.get(
    "/overdue/by/{dim}",
    summary="Overdue dossiers per province, agency or procedure",
    response_model=Items[OverdueByRow],
    responses=CSV,
)
async def overdue_by(
    dim: Literal["province", "agency", "procedure"], f: Filtered, c: Ctx, format: Format = "json"
) -> Any:
    async with c.queries() as q:
        rows = await q.overdue_by(f, vn_today(), dim)
    return csv_response(rows, f"qua-han-theo-{dim}") if format == "csv" else {"items": rows}


@router.get("/dossiers/{code}", summary="One dossier with its history (from the events stored)")
async def dossier(code: str, principal: Operator, c: Ctx) -> ReportDossier:
    async with c.queries() as q:
        found = await q.dossier(code)
    if found is None or (principal.province and scope_of(principal) != found["province_code"]):
        raise HTTPException(404, detail={"error": "not_found", "message": f"Không tìm thấy hồ sơ {code}."})
    return ReportDossier.model_validate(found)
