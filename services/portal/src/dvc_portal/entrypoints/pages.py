"""Rendering: the Jinja templates with the portal's filters, the context every page shares (who is signed in,
the forms' anti-forgery token, the development banner), the anonymous anti-forgery cookie."""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import HTTPException, Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from dvc_contracts import clock
from dvc_portal.adapters.sessions import SESSION_COOKIE, CitizenSession
from dvc_portal.domain import format as fmt
from dvc_portal.domain.dossiers import status_text, status_tone
from dvc_portal.entrypoints.context import portal

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.filters.update(
    vnd=fmt.vnd,
    number=fmt.number,
    day=fmt.day,
    moment=fmt.moment,
    iso=fmt.iso_moment,
    working_days=fmt.working_days,
    status_text=status_text,
    status_tone=status_tone,
)

CSRF_COOKIE = "dvc_portal_csrf"


async def citizen(request: Request) -> CitizenSession | None:
    """The signed-in citizen of this request (once per request), or None."""
    if not hasattr(request.state, "citizen"):
        p = portal(request)
        request.state.citizen = await p.sessions.get(request.cookies.get(SESSION_COOKIE), clock.now())
    found: CitizenSession | None = request.state.citizen
    return found


def _anonymous_csrf(request: Request) -> str:
    token = request.cookies.get(CSRF_COOKIE)
    if not token or len(token) > 64:
        token = getattr(request.state, "new_csrf", None) or secrets.token_urlsafe(24)
        request.state.new_csrf = token
    return token


async def csrf_token(request: Request) -> str:
    me = await citizen(request)
    return me.csrf if me else _anonymous_csrf(request)


async def check_form(request: Request, form: dict[str, str]) -> None:
    """A POST must come from one of our pages: same origin (when the browser says), and the form's token equal
    to the session's (signed in) or to the anonymous cookie's (before signing in)."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.url.netloc:
        raise HTTPException(403, detail="Yêu cầu không xuất phát từ Cổng Dịch vụ công.")
    me = await citizen(request)
    expected = me.csrf if me else request.cookies.get(CSRF_COOKIE)
    sent = form.get("csrf", "")
    if not expected or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise HTTPException(
            403, detail="Phiên làm việc của biểu mẫu đã hết hạn. Vui lòng tải lại trang và gửi lại."
        )


async def render(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    p = portal(request)
    me = await citizen(request)
    base = {
        "me": me,
        "csrf": await csrf_token(request),
        "dev_sign_in": p.settings.dev_sign_in,
        "path": request.url.path,
    }
    response = templates.TemplateResponse(request, template, base | context, status_code=status_code)
    new = getattr(request.state, "new_csrf", None)
    if new:
        response.set_cookie(
            CSRF_COOKIE, new, httponly=True, samesite="strict", secure=p.settings.cookie_secure, path="/"
        )
    if me is not None:
        response.headers["cache-control"] = "no-store"  # personal pages are never kept by a shared cache
    return response


def safe_next(value: str | None, default: str = "/") -> str:
    """Only a path of this site (no scheme, no host, no '//' or '\\' tricks): no open redirect."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    return value
