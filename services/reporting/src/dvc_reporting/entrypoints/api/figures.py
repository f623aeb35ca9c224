"""The dashboard's figures: the headline, the per-province table, the cube of dossiers, the trends, the
payments and the tile map."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal

from fastapi import APIRouter, Query

from dvc_contracts import units
from dvc_contracts.clock import vn_today
from dvc_reporting.domain import tilemap
from dvc_reporting.entrypoints.api.export import CSV, Format, csv_response
from dvc_reporting.entrypoints.api.params import Ctx, Filtered
from dvc_reporting.entrypoints.auth import Operator
from dvc_reporting.entrypoints.places import scope_of
from dvc_reporting.entrypoints.responses import (
    BreakdownRow,
    Figures,
    Items,
    PaymentsRow,
    ProvinceMap,
    ProvinceRow,
    Summary,
    TrendRow,
)

router = APIRouter(prefix="/api", tags=["figures"])


@router.get(
    "/summary",
    summary="Headline figures (optional province=, sector=, agency=, date range)",
    description="Dossier figures honour every filter; payments, fines, feedback and SMS honour province and "
    "the date range (they have no sector or agency).",
)
async def summary(f: Filtered, c: Ctx) -> Summary:
    async with c.queries() as q:
        return Summary(**await q.summary(f, vn_today()))


@router.get("/figures", summary="Every headline figure of the dashboard (superset of /summary)")
async def figures(f: Filtered, c: Ctx) -> Figures:
    async with c.queries() as q:
        return Figures.model_validate(await q.figures(f, vn_today()))


@router.get(
    "/provinces",
    summary="Per-province table: the 34 of today (default), or the 63 of before 1 July 2025 (units=2024)",
    description="units=2024 groups the same figures by the 63 former provinces, plus one row (province_code "
    '"") for what a current province did since 1 July 2025 that no former one can be given: both tables add '
    "up to the same totals.",
    response_model=Items[ProvinceRow],
    responses=CSV,
)
async def provinces(f: Filtered, c: Ctx, format: Format = "json") -> Any:
    async with c.queries() as q:
        rows = await q.provinces(f, vn_today())
    return csv_response(rows, "tinh-thanh") if format == "csv" else {"items": rows}


@router.get(
    "/dossiers/breakdown",
    summary="Dossiers by province × sector × status × channel",
    response_model=Items[BreakdownRow],
    responses=CSV,
)
async def breakdown(f: Filtered, c: Ctx, format: Format = "json") -> Any:
    async with c.queries() as q:
        rows = await q.breakdown(f)
    return csv_response(rows, "ho-so-theo-tinh-linh-vuc") if format == "csv" else {"items": rows}


@router.get(
    "/trends",
    summary="Per day: dossiers received/finished, payments, SMS, fines, feedback",
    response_model=Items[TrendRow],
    responses=CSV,
)
async def trends(
    f: Filtered, c: Ctx, days: int = Query(30, ge=1, le=366, description="without a date range: the last N days"),
    format: Format = "json",
) -> Any:  # fmt: skip
    async with c.queries() as q:
        rows = await q.trends(f, vn_today(), days)
    return csv_response(rows, "xu-huong") if format == "csv" else {"items": rows}


@router.get(
    "/payments",
    summary="Payments: count and amount per provider, or per day",
    response_model=Items[PaymentsRow],
    responses=CSV,
)
async def payments(
    f: Filtered, c: Ctx, by: Literal["provider", "day"] = "provider", format: Format = "json"
) -> Any:
    async with c.queries() as q:
        rows = await q.payments_by(f, by)
    return csv_response(rows, f"thanh-toan-theo-{by}") if format == "csv" else {"items": rows}


@router.get(
    "/map",
    summary="The 34 provinces on a tile map, coloured by one figure (with the legend's classes)",
    description="A hand-made tile grid laid out geographically (no licensed boundary geometry is shipped). "
    "Honours sector, agency and the date range; a national operator sees every province (the filtered one is "
    "``selected``), a province operator only theirs. dossiers_per_1000 only where the population is known.",
)
async def province_map(
    f: Filtered, c: Ctx, principal: Operator, metric: tilemap.Metric = "overdue_share"
) -> ProvinceMap:
    today = replace(f, province=scope_of(principal), former=None, units="2025")
    async with c.queries() as q:
        rows = await q.provinces(today, vn_today())
    tiles = tilemap.tiles(rows, metric)
    steps = tilemap.legend([t["value"] for t in tiles])
    for t in tiles:
        t["class"] = tilemap.shade(t["value"], steps)
    title, basis, kind = tilemap.METRICS[metric]
    return ProvinceMap.model_validate(
        {
            "metric": metric,
            "title": title,
            "basis": basis,
            "format": kind,
            "legend": steps,
            "tiles": tiles,
            "islands": [{"name": n, "of": o, "col": col, "row": row} for n, o, col, row in tilemap.ISLANDS],
            "selected": f.province,
            "population_source": units.SOURCE["population"],
        }
    )
