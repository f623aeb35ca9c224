"""Rendering: the Jinja templates with the portal's filters, the context every page shares (who is signed in,
the forms' anti-forgery token, the development banner), the anonymous anti-forgery cookie."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta
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
from dvckit.logging import get_logger
from dvckit.oidc_client import OidcError, TokenRefused

log = get_logger("dvc_portal.session")

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
    file_size=fmt.file_size,
    status_text=status_text,
    status_tone=status_tone,
)

CSRF_COOKIE = "dvc_portal_csrf"


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def secure_cookies(request: Request) -> bool:
    """Secure cookies unless on plain-HTTP loopback (development): ``PORTAL_COOKIE_SECURE`` forces them
    (behind a TLS-terminating ingress, where the request arrives as http)."""
    if portal(request).settings.cookie_secure or request.url.scheme == "https":
        return True
    return (request.url.hostname or "") not in LOOPBACK_HOSTS


async def citizen(request: Request) -> CitizenSession | None:
    """The signed-in citizen of this request (once per request), or None. A session of the OpenID Provider
    whose access token is about to expire gets a new one first (its refresh token)."""
    if not hasattr(request.state, "citizen"):
        p = portal(request)
        now = clock.now()
        found = await p.sessions.get(request.cookies.get(SESSION_COOKIE), now)
        if found is not None and found.refresh_token and p.oidc is not None:
            found = await fresh(request, found, now)
        request.state.citizen = found
    me: CitizenSession | None = request.state.citizen
    return me


def _due(session: CitizenSession, now: datetime, margin: float) -> bool:
    return session.token_expires_at is None or session.token_expires_at - now < timedelta(seconds=margin)


async def fresh(request: Request, session: CitizenSession, now: datetime) -> CitizenSession | None:
    """The session with an access token good for at least ``PORTAL_OIDC_REFRESH_MARGIN_SECONDS``: refreshed
    with the provider when due. Refresh tokens rotate (one use each), so one refresh at a time per session in
    this process (dvckit.oidc_login.RefreshGate), and a refused refresh re-reads the row (another replica may
    have renewed it first). A refresh the token endpoint refuses (the provider's session ended: logout
    elsewhere, idle, revoked) ends this session too; a provider that cannot be reached (or tokens that do not
    check out) leave the session as it is while its token lasts."""
    p = portal(request)
    margin = p.settings.oidc_refresh_margin_seconds
    if not _due(session, now, margin) or p.oidc is None or not session.refresh_token:
        return session
    async with p.refreshing.hold(session.id_hash):
        current = await p.sessions.reread(session, now)
        if current is None or not _due(current, now, margin) or not current.refresh_token:
            return current
        try:
            tokens = await p.oidc.refresh(current.refresh_token)
        except OidcError as exc:
            again = await p.sessions.reread(current, now)
            if again is not None and again.refresh_token != current.refresh_token:
                return again  # renewed meanwhile by another replica
            if not isinstance(exc, TokenRefused):
                log.warning("portal.refresh_unavailable", error=str(exc)[:200])
                expired = current.token_expires_at is not None and current.token_expires_at <= now
                return None if expired else current
            log.info("portal.session_ended_by_provider", error=str(exc)[:200])
            await p.sessions.close_hash(current.id_hash)
            return None
        if tokens.principal.sub != current.sub:
            await p.sessions.close_hash(current.id_hash)
            return None
        return await p.sessions.renew(
            current,
            token=tokens.access_token,
            token_expires_at=tokens.access_expires_at(now),
            refresh_token=tokens.refresh_token,
            id_token=tokens.id_token,
        )


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
        "dev_sign_in": p.settings.dev_sign_in_enabled,
        "oidc": p.settings.oidc,
        "path": request.url.path,
    }
    response = templates.TemplateResponse(request, template, base | context, status_code=status_code)
    new = getattr(request.state, "new_csrf", None)
    if new:
        response.set_cookie(
            CSRF_COOKIE, new, httponly=True, samesite="strict", secure=secure_cookies(request), path="/"
        )
    if me is not None:
        response.headers["cache-control"] = "no-store"  # personal pages are never kept by a shared cache
    return response


def safe_next(value: str | None, default: str = "/") -> str:
    """Only a path of this site (no scheme, no host, no '//' or '\\' tricks): no open redirect."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    return value
