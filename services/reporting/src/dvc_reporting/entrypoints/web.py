"""The operators' dashboard: server-rendered HTML (first paint has the figures), a small vanilla JS that
re-reads the JSON API whenever the server-sent event stream says the read model changed. No build step."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from dvc_contracts.clock import vn_today
from dvc_reporting.adapters.queries import Filters
from dvc_reporting.domain.reference import PROVINCES, STATUSES, province_name
from dvc_reporting.entrypoints.auth import token_of, verify_operator
from dvc_reporting.entrypoints.context import ctx

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=str(HERE / "templates"))
router = APIRouter(include_in_schema=False)


def vnd(value: int | None) -> str:
    return f"{int(value or 0):,}".replace(",", ".")


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}".replace(".", ",") + " %"


templates.env.filters["vnd"] = vnd
templates.env.filters["pct"] = pct


def _filters(request: Request, scope: str | None) -> Filters:
    """The first paint honours the filters in the address bar (the API validates them; bad ones are dropped)."""
    q = request.query_params

    def day(name: str) -> date | None:
        try:
            return date.fromisoformat(q.get(name, ""))
        except ValueError:
            return None

    province = q.get("province") or None
    if scope is not None or (province is not None and not re.fullmatch(r"\d{2}", province)):
        province = scope
    return Filters(
        province, q.get("sector") or None, q.get("agency") or None, day("date_from"), day("date_to")
    )


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request) -> Response:
    return templates.TemplateResponse(request, "login.html", {})


@router.get("/", response_class=HTMLResponse)
async def dashboard(request: Request) -> Response:
    token = token_of(request)
    if not token:
        return RedirectResponse("/login", status_code=303)
    try:
        principal = verify_operator(request, token)
    except HTTPException:
        return RedirectResponse("/login?het-han=1", status_code=303)
    c = ctx(request)
    f = _filters(request, principal.province)
    async with c.queries() as q:
        figures = await q.figures(f, vn_today())
        provinces = await q.provinces(f, vn_today())
    context: dict[str, Any] = {
        "me": principal,
        "scope_name": province_name(principal.province) if principal.province else "Toàn quốc",
        "figures": figures,
        "provinces": provinces,
        "province_options": PROVINCES,
        "statuses": STATUSES,
        "national": principal.province is None,
        "today": vn_today().isoformat(),
    }
    return templates.TemplateResponse(request, "dashboard.html", context)
