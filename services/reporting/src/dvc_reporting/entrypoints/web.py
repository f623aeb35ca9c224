"""The operators' dashboard: server-rendered HTML (first paint has the figures), a small vanilla JS that
re-reads the JSON API whenever the server-sent event stream says the read model changed. No build step."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from dvc_contracts import units
from dvc_contracts.clock import vn_today
from dvc_reporting.adapters.queries.filters import Filters
from dvc_reporting.adapters.sessions import SESSION_COOKIE
from dvc_reporting.domain import tilemap
from dvc_reporting.domain.reference import STATUSES, province_name
from dvc_reporting.entrypoints.auth import signed_in
from dvc_reporting.entrypoints.context import ctx
from dvc_reporting.entrypoints.places import place_filter, scope_of
from dvckit.auth.jwt import Principal

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


def _filters(request: Request, principal: Principal) -> tuple[Filters, str | None]:
    """The first paint honours the filters in the address bar; a province that cannot be shown is dropped,
    with the message that says why (an old code names the province it now belongs to)."""
    q = request.query_params

    def day(name: str) -> date | None:
        try:
            return date.fromisoformat(q.get(name, ""))
        except ValueError:
            return None

    edition: units.Edition = "2024" if q.get("units") == "2024" else "2025"
    notice: str | None = None
    try:
        province, former = place_filter(principal, q.get("province") or None, edition)
    except HTTPException as exc:
        detail: Any = exc.detail
        (province, former), notice = (scope_of(principal), None), str(detail["message"])
    filters = Filters(
        province,
        q.get("sector") or None,
        q.get("agency") or None,
        day("date_from"),
        day("date_to"),
        former,
        edition,
    )
    return filters, notice


LOGIN_NOTICES = {
    "het-han": "Phiên đăng nhập đã hết hạn hoặc không còn hiệu lực. Vui lòng đăng nhập lại.",
    "da-dang-xuat": "Bạn đã đăng xuất.",
}


def login_response(
    request: Request, *, error: str | None = None, status_code: int = 200, prompt: str | None = None
) -> Response:
    """The login page: with an OpenID Provider, one button to it; without (development only), the form that
    takes a pasted operator token."""
    notice = next((text for key, text in LOGIN_NOTICES.items() if key in request.query_params), None)
    context = {
        "oidc": getattr(request.app.state, "oidc", None) is not None,
        "error": error or (notice if "het-han" in request.query_params else None),
        "info": notice if "da-dang-xuat" in request.query_params and not error else None,
        "login_href": "/auth/login" + ("?prompt=login" if prompt else ""),
        "retry": bool(prompt),
    }
    return templates.TemplateResponse(request, "login.html", context, status_code=status_code)


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request) -> Response:
    return login_response(request)


@router.get("/", response_class=HTMLResponse)
async def dashboard(request: Request) -> Response:
    try:
        principal = await signed_in(request)
    except HTTPException:
        return RedirectResponse("/login?het-han=1", status_code=303)
    if principal is None:  # a session that ended (or was ended at the provider) says so
        if not request.cookies.get(SESSION_COOKIE):
            return RedirectResponse("/login", status_code=303)
        ended = RedirectResponse("/login?het-han=1", status_code=303)
        ended.delete_cookie(SESSION_COOKIE, path="/")
        return ended
    c = ctx(request)
    f, notice = _filters(request, principal)
    async with c.queries() as q:
        figures = await q.figures(f, vn_today())
        provinces = await q.provinces(f, vn_today())
    scope = scope_of(principal)
    context: dict[str, Any] = {
        "me": principal,
        "scope": scope,
        "scope_name": province_name(scope) if scope else "Toàn quốc",
        "figures": figures,
        "provinces": provinces,
        "filters": f,
        "notice": notice,
        "province_options": [u for u in units.units(f.units) if scope in (None, u.code, u.now)],
        "metrics": [(k, title) for k, (title, _, _) in tilemap.METRICS.items()],
        "statuses": STATUSES,
        "national": principal.province is None,
        "today": vn_today().isoformat(),
    }
    return templates.TemplateResponse(request, "dashboard.html", context)
