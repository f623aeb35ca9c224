"""Signing in at the OpenID Provider: its callback's path, sending the browser there, the problem page."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from dvc_contracts import clock
from dvc_portal.entrypoints.context import Portal, portal
from dvc_portal.entrypoints.pages import render, secure_cookies
from dvckit.logging import get_logger
from dvckit.oidc_client import OidcError, new_secret
from dvckit.oidc_login import begin_sign_in

log = get_logger("dvc_portal.auth")

CALLBACK_PATH = "/dang-nhap/oidc/callback"  # the redirect URI's path, registered at the provider
LOGIN_COOKIE = "dvc_portal_oidc"  # binds a sign-in under way to the browser that started it
LOGIN_MINUTES = 10  # dvckit.oidc_login.LOGIN_MINUTES: the cookie lasts as long as the sign-in it names
PROVIDER_DOWN = "Hệ thống định danh đang tạm thời gián đoạn, vui lòng thử lại sau ít phút."
LOGIN_STALE = (
    "Phiên đăng nhập không hợp lệ hoặc đã quá thời gian (10 phút). Vui lòng bấm “Đăng nhập” để thử lại."
)


def site(request: Request) -> str:
    """This site's base URL for the provider's redirects: PORTAL_PUBLIC_URL, else the request's."""
    return portal(request).settings.public_url or str(request.base_url).rstrip("/")


def redirect_uri(request: Request) -> str:
    return site(request) + CALLBACK_PATH


async def problem_page(request: Request, status: int, problem: str, next_path: str = "/") -> Response:
    return await render(
        request,
        "signin.html",
        {"values": {}, "errors": {}, "problem": problem, "next": next_path, "title": "Đăng nhập"},
        status,
    )


async def to_provider(request: Request, p: Portal, next_path: str) -> Response:
    """Start a sign-in: state, nonce and PKCE verifier kept server-side, the browser sent to the provider."""
    assert p.oidc is not None
    if len(next_path) > 2000:  # the column's size; no page of ours has such a path
        next_path = "/"
    browser = request.cookies.get(LOGIN_COOKIE) or ""
    if not 20 <= len(browser) <= 64:
        browser = new_secret()
    try:
        url = await begin_sign_in(
            p.oidc,
            p.sessions.logins,
            browser=browser,
            redirect_uri=redirect_uri(request),
            next_path=next_path,
            now=clock.now(),
            ui_locales="vi",
        )
    except OidcError as exc:
        log.warning("portal.oidc_unavailable", error=str(exc)[:300])
        return await problem_page(request, 503, PROVIDER_DOWN, next_path)
    response = RedirectResponse(url, status_code=303)
    response.headers["cache-control"] = "no-store"
    response.set_cookie(
        LOGIN_COOKIE,
        browser,
        max_age=LOGIN_MINUTES * 60,
        httponly=True,
        samesite="lax",  # the provider's redirect back is a top-level GET: Lax sends it
        secure=secure_cookies(request),
        path="/dang-nhap",
    )
    return response
