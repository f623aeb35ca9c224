"""The JSON API (for the dashboard and for other government systems): thin routes over ReportQueries.

Every route needs an operator token (bearer, or the dashboard's cookie). A province operator (token claim
``province``) sees only their province: ``province=`` is forced to it, another province is a 403. Tables
accept ``format=csv`` (UTF-8 with a BOM, so spreadsheet programs show the diacritics)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from dvc_contracts import clock, units
from dvc_contracts.clock import vn_today
from dvc_reporting.adapters.queries import Filters
from dvc_reporting.adapters.sessions import SESSION_COOKIE, SESSION_HOURS, close_session, open_session
from dvc_reporting.domain import tilemap
from dvc_reporting.domain.reference import CHANNEL_NAMES, SECTOR_NAMES, STATUSES, province_name
from dvc_reporting.entrypoints.auth import Operator, national_only, verify_operator
from dvc_reporting.entrypoints.context import ReportingContext, ctx
from dvc_reporting.entrypoints.places import UNITS_Q, place_filter, scope_of
from dvc_reporting.entrypoints.responses import (
    BreakdownRow,
    Figures,
    Items,
    OverdueByRow,
    OverdueRow,
    PaymentsRow,
    Pipeline,
    ProvinceMap,
    ProvinceRow,
    Reference,
    ReportDossier,
    Summary,
    TrendRow,
)
from dvc_reporting.service.accounts import note_sign_in
from dvckit.auth.jwt import Principal
from dvckit.paging import Page, Paging, paged

router = APIRouter(prefix="/api")
Ctx = Annotated[ReportingContext, Depends(ctx)]
Format = Literal["json", "csv"]
CSV: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the table; with `format=csv` a UTF-8 CSV file (with a BOM) instead",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}

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


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula (=, +, -, @ …: agency-chosen dossier codes reach the
    exports) is written as text with a leading apostrophe; numbers and empty cells stay as they are."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_response(rows: Sequence[dict[str, Any]], name: str, columns: Sequence[str] | None = None) -> Response:
    cols = list(columns or (rows[0].keys() if rows else []))
    buf = io.StringIO()
    buf.write("\ufeff")
    writer = csv.DictWriter(buf, fieldnames=cols, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: csv_cell(row.get(k)) for k in cols})
    stamp = clock.vn_today().strftime("%Y%m%d")  # the day in Hà Nội, as people file it
    return Response(
        buf.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}-{stamp}.csv"'},
    )


# -- session (the dashboard's login) ---------------------------------------------------------------------------


class Login(BaseModel):
    token: str = Field(min_length=10, max_length=8192, description="bearer token (make token ROLE=operator)")


class Me(BaseModel):
    sub: str
    name: str | None
    role: str
    province: str | None = Field(description="set for a province operator, who sees only that province")
    province_name: str | None


def _me(p: Principal) -> Me:
    return Me(
        sub=p.sub,
        name=p.name,
        role=p.role,
        province=scope_of(p),
        province_name=province_name(scope_of(p)) if p.province else None,
    )


@router.post(
    "/session",
    tags=["session"],
    summary="Log in: exchange an operator token for a server-side session (HttpOnly cookie)",
)
async def login(request: Request, body: Login, c: Ctx, response: Response) -> Me:
    principal = await verify_operator(request, body.token.strip())
    now = clock.now()
    session_id = await open_session(c.runtime.engine, principal, now)
    await note_sign_in(c.runtime, c.settings, principal, issuer=c.settings.auth.issuer, method="dev", at=now)
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        httponly=True,
        samesite="strict",
        secure=c.settings.cookie_secure,
        max_age=SESSION_HOURS * 3600,
        path="/",
    )
    return _me(principal)


@router.get("/session", tags=["session"], summary="Who is logged in")
async def whoami(principal: Operator) -> Me:
    return _me(principal)


@router.delete("/session", tags=["session"], summary="Log out: the session ends now", status_code=204)
async def logout(request: Request, c: Ctx) -> Response:
    if session_id := request.cookies.get(SESSION_COOKIE):
        await close_session(c.runtime.engine, session_id)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# -- figures ------------------------------------------------------------------------------------------------------


@router.get(
    "/summary",
    tags=["figures"],
    summary="Headline figures (optional province=, sector=, agency=, date range)",
    description="Dossier figures honour every filter; payments, fines, feedback and SMS honour province and "
    "the date range (they have no sector or agency).",
)
async def summary(f: Filtered, c: Ctx) -> Summary:
    async with c.queries() as q:
        return Summary(**await q.summary(f, vn_today()))


@router.get(
    "/figures", tags=["figures"], summary="Every headline figure of the dashboard (superset of /summary)"
)
async def figures(f: Filtered, c: Ctx) -> Figures:
    async with c.queries() as q:
        return Figures.model_validate(await q.figures(f, vn_today()))


@router.get(
    "/provinces",
    tags=["figures"],
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
    tags=["figures"],
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
    tags=["figures"],
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
    "/overdue",
    tags=["overdue"],
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
    tags=["overdue"],
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


@router.get(
    "/dossiers/{code}", tags=["overdue"], summary="One dossier with its history (from the events stored)"
)
async def dossier(code: str, principal: Operator, c: Ctx) -> ReportDossier:
    async with c.queries() as q:
        found = await q.dossier(code)
    if found is None or (principal.province and scope_of(principal) != found["province_code"]):
        raise HTTPException(404, detail={"error": "not_found", "message": f"Không tìm thấy hồ sơ {code}."})
    return ReportDossier.model_validate(found)


@router.get(
    "/payments",
    tags=["figures"],
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
    "/reference", tags=["reference"], summary="Names for the filters: provinces, sectors, agencies, statuses"
)
async def reference(principal: Operator, c: Ctx) -> Reference:
    async with c.queries() as q:
        agencies = await q.agency_names()
        seen_agencies = await q.agencies_seen()
        seen_sectors = await q.sectors_seen()
    scope = scope_of(principal)
    return Reference.model_validate(
        {
            "provinces": [
                {
                    "code": u.code,
                    "name": u.name,
                    "full_name": u.full_name,
                    "formed_from": list(u.formed_from),
                    "population": u.population,
                }
                for u in units.CURRENT
                if scope in (None, u.code)
            ],
            "former_provinces": [
                {"code": u.code, "name": u.name, "full_name": u.full_name, "now": u.now}
                for u in units.FORMER
                if scope in (None, u.now)
            ],
            "units_source": dict(units.SOURCE),
            "sectors": [{"code": s, "name": SECTOR_NAMES.get(s, s)} for s in seen_sectors],
            "agencies": [{"code": a, "name": agencies.get(a, a)} for a in seen_agencies],
            "statuses": [{"code": k, "name": n} for k, n in STATUSES],
            "channels": [{"code": k, "name": n} for k, n in CHANNEL_NAMES.items()],
            "scope": scope,
        }
    )


@router.get(
    "/map",
    tags=["figures"],
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


@router.get(
    "/pipeline",
    tags=["pipeline"],
    summary="Pipeline health: consumer lag, outbox backlog, rejections, dead letters",
)
async def pipeline(principal: Operator, c: Ctx) -> Pipeline:
    national_only(principal)
    async with c.queries() as q:
        rejections = await q.rejections()
        dead = await q.dead_letter_counts()
        latest = await q.latest_dead_letters()
    return Pipeline.model_validate(
        {
            "lag": c.pipeline.get("lag", {"method": "none", "rows": [], "error": "chưa đo"}),
            "services": c.pipeline.get("services", []),
            "checked_at": c.pipeline.get("checked_at"),
            "rejections": rejections,
            "rejections_total": sum(r["rejected"] for r in rejections),
            "dead_letters": dead,
            "dead_letters_total": sum(d["count"] for d in dead),
            "dead_letters_latest": latest,
        }
    )


# -- live updates -------------------------------------------------------------------------------------------------


# one server-sent event, as clients (and schemathesis) read it: its fields, not the raw text
SSE_EVENT: dict[str, Any] = {
    "type": "object",
    "required": ["data"],
    "properties": {
        "event": {"type": "string", "enum": ["hello", "update"]},
        "data": {"type": "string", "description": 'JSON, e.g. {"version": 94}'},
        "retry": {"type": "integer", "description": "milliseconds before a reconnect"},
        "id": {"type": "string"},
    },
}


@router.get(
    "/stream",
    tags=["live"],
    summary="Server-sent events: `update` whenever the read model changes (then re-read the figures)",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "`event: hello` with the read model's version, then `event: update` on each change",
            "content": {"text/event-stream": {"schema": SSE_EVENT}},
        }
    },
)
async def stream(request: Request, principal: Operator, c: Ctx) -> StreamingResponse:
    hub, settings = c.hub, c.settings

    async def events() -> AsyncIterator[str]:
        seen = hub.version
        yield f"retry: 2000\nevent: hello\ndata: {json.dumps({'version': seen})}\n\n"
        opened = time.monotonic()
        while not hub.closed and time.monotonic() - opened < 600:  # browsers reconnect by themselves
            version = await hub.wait(seen, settings.live_heartbeat_seconds)
            if hub.closed or await request.is_disconnected():
                return
            if version == seen:
                yield ": keepalive\n\n"
                continue
            seen = version
            payload = {"version": version, "areas": sorted(hub.areas), "at": hub.changed_at}
            yield f"event: update\ndata: {json.dumps(payload)}\n\n"
            await asyncio.sleep(settings.live_min_interval_seconds)  # coalesce bursts

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
    )
