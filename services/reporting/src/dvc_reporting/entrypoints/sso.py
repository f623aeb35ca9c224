"""The operators' sign-in routes under ``/auth`` (the protocol: dvckit.oidc_client and dvckit.oidc_login).

``/auth/login`` keeps state, nonce and the code verifier server-side (an ``oidc_logins`` row, found by a
short-lived cookie of this browser: adapters/sessions.py's Logins) and sends the browser to the provider;
``/auth/callback`` checks the state, exchanges the code (with the verifier and the client secret), checks the
ID token (signature, issuer, audience, nonce), verifies the access token with the service's verifier (as
every service does: issuer, audience ``reporting``) and opens a session for an operator only;
``/auth/logout`` ends it here and at the provider (``end_session_endpoint``). Every refusal is a Vietnamese
message on the login page."""

from __future__ import annotations

import time

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import RedirectResponse, Response

from dvc_contracts import clock
from dvc_reporting.adapters import sessions
from dvc_reporting.adapters.sessions import LOGIN_COOKIE, SESSION_COOKIE, SESSION_HOURS, ProviderTokens
from dvc_reporting.config import Settings
from dvc_reporting.entrypoints.auth import ROLE_NAMES, SignInError, cookie_secure, log, oidc_of
from dvc_reporting.entrypoints.context import ctx
from dvc_reporting.service.accounts import note_sign_in
from dvckit.auth.jwt import TokenVerifier
from dvckit.oidc_client import OidcError, ProviderUnavailable, TokenRefused, new_secret
from dvckit.oidc_login import (
    LOGIN_MINUTES,
    AuthorizationRefused,
    begin_sign_in,
    complete_sign_in,
    take_sign_in,
)

AGAIN = " Vui lòng đăng nhập lại."
ID_TOKEN = "Mã định danh (ID token)"
MESSAGES = {
    "no_pending_login": "Phiên đăng nhập đã hết hạn hoặc đã được dùng (quá 10 phút, hoặc mở từ trình duyệt khác)."
    + AGAIN,
    "state_mismatch": "Yêu cầu đăng nhập không khớp với phiên đăng nhập của trình duyệt này (state)." + AGAIN,
    "issuer_mismatch": "Câu trả lời đến từ một máy chủ đăng nhập khác.",
    "no_code": "Thiếu mã đăng nhập (code) trong câu trả lời của máy chủ đăng nhập.",
    "token_type": "Máy chủ đăng nhập trả về loại token không dùng được.",
    "no_id_token": "Máy chủ đăng nhập không trả về mã định danh (ID token).",
    "invalid_id_token": f"{ID_TOKEN} từ máy chủ đăng nhập không hợp lệ." + AGAIN,
    "nonce_mismatch": f"{ID_TOKEN} không khớp với yêu cầu đăng nhập của trình duyệt này (nonce)." + AGAIN,
}
PROVIDER_DOWN = "Không kết nối được nhà cung cấp định danh (máy chủ đăng nhập). Vui lòng thử lại sau ít phút."


def refusal(exc: OidcError) -> SignInError:
    """The kit's reason, told to the operator."""
    if isinstance(exc, ProviderUnavailable):
        return SignInError(exc.code, PROVIDER_DOWN, 503)
    if isinstance(exc, AuthorizationRefused):
        told = f": {exc.description}" if exc.description else f" ({exc.code})."
        return SignInError(exc.code, f"Máy chủ đăng nhập không cho đăng nhập{told} Vui lòng thử lại.")
    if isinstance(exc, TokenRefused):
        why = exc.error or exc.status
        return SignInError(
            exc.code, f"Máy chủ đăng nhập không cấp token cho mã đăng nhập này ({why})." + AGAIN
        )
    if exc.code == "invalid_access_token":
        return SignInError(exc.code, f"Token truy cập không dùng được cho bảng điều khiển: {exc.detail}.")
    return SignInError(exc.code, MESSAGES.get(exc.code, "Không đăng nhập được." + AGAIN))


router = APIRouter(prefix="/auth", include_in_schema=False)


def _return_to(value: str | None) -> str:
    """Only a path of this site (no //host, no scheme): never an open redirect."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")) or "\\" in value:
        return "/"
    return value


def _origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


def _redirect_uri(request: Request, settings: Settings) -> str:
    return settings.oidc_redirect_uri or f"{_origin(request)}/auth/callback"


def _page(request: Request, error: SignInError, *, retry_prompt: str | None = None) -> Response:
    from dvc_reporting.entrypoints.web import login_response  # the login page's template lives there

    log.info("reporting.sign_in_refused", code=error.code)
    return login_response(request, error=error.message, status_code=error.status_code, prompt=retry_prompt)


@router.get("/login", name="auth_login")
async def begin(request: Request, next: str | None = None, prompt: str | None = None) -> Response:
    """Start a sign-in at the provider: state, nonce and the PKCE code verifier are kept here, server-side."""
    oidc = oidc_of(request)
    if oidc is None:
        return RedirectResponse("/login", status_code=303)
    c = ctx(request)
    login_id = new_secret()  # the browser's login cookie
    try:
        target = await begin_sign_in(
            oidc,
            sessions.Logins(c.runtime.engine),
            browser=login_id,
            redirect_uri=_redirect_uri(request, c.settings),
            next_path=_return_to(next),
            now=clock.now(),
            prompt="login" if prompt == "login" else None,
        )
    except OidcError as exc:
        return _page(request, refusal(exc))
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        LOGIN_COOKIE,
        login_id,
        max_age=LOGIN_MINUTES * 60,
        path="/auth",
        httponly=True,
        secure=cookie_secure(request, c.settings),
        samesite="lax",  # sent on the provider's redirect back (a top-level GET)
    )
    return response


@router.get("/callback", name="auth_callback")
async def callback(request: Request) -> Response:
    """The provider's answer: check it against this browser's sign-in, exchange the code, open the session."""
    oidc = oidc_of(request)
    if oidc is None:
        return RedirectResponse("/login", status_code=303)
    c = ctx(request)
    q = request.query_params
    now = clock.now()
    started = time.perf_counter()
    try:
        pending = await take_sign_in(
            oidc,
            sessions.Logins(c.runtime.engine),
            browser=request.cookies.get(LOGIN_COOKIE),
            query=q,
            now=now,
        )
        verifier: TokenVerifier = request.app.state.token_verifier
        tokens = await complete_sign_in(oidc, pending, q, access_verifier=verifier)
        principal = tokens.principal
        if principal.role != "operator":
            who = f"“{principal.name}”" if principal.name else "này"
            raise SignInError(
                "not_operator",
                f"Tài khoản {who} là tài khoản {ROLE_NAMES.get(principal.role, principal.role)}, không phải "
                "cán bộ vận hành: không được vào bảng điều khiển số liệu. Vui lòng đăng nhập bằng tài khoản "
                "cán bộ vận hành.",
                status.HTTP_403_FORBIDDEN,
            )
    except (OidcError, SignInError) as exc:
        refused = refusal(exc) if isinstance(exc, OidcError) else exc
        retry = "login" if refused.code == "not_operator" else None  # let them choose another account
        response = _page(request, refused, retry_prompt=retry)
        response.delete_cookie(LOGIN_COOKIE, path="/auth")
        return response
    session_id = await sessions.open_session(c.runtime.engine, principal, now, ProviderTokens.of(tokens, now))
    await note_sign_in(c.runtime, c.settings, principal, issuer=oidc.issuer, method="oidc", at=now)
    took_ms = round((time.perf_counter() - started) * 1000, 1)  # exchange, checks, session
    log.info("reporting.signed_in", sub=principal.sub, province=principal.province, took_ms=took_ms)
    response = RedirectResponse(pending.next_path, status_code=303)
    response.delete_cookie(LOGIN_COOKIE, path="/auth")
    set_session_cookie(request, response, session_id)
    return response


def set_session_cookie(request: Request, response: Response, session_id: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=SESSION_HOURS * 3600,
        path="/",
        httponly=True,
        secure=cookie_secure(request, ctx(request).settings),
        samesite="lax",  # the provider's redirect back is a cross-site navigation
    )


@router.post("/logout", name="auth_logout")
async def logout(request: Request) -> Response:
    """End the session here, then at the provider (id_token_hint, back to the login page)."""
    c = ctx(request)
    session_id = request.cookies.get(SESSION_COOKIE, "")
    session = await sessions.load_session(c.runtime.engine, session_id, clock.now()) if session_id else None
    if session_id:
        await sessions.close_session(c.runtime.engine, session_id)
    back = f"{_origin(request)}/login?da-dang-xuat=1"
    oidc = oidc_of(request)
    target = None
    if oidc is not None and session is not None and session.from_provider:
        target = await oidc.end_session_url(session.id_token, back)
        log.info("reporting.signed_out", sub=session.principal.sub)
    response = RedirectResponse(target or back, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


token_paste_router = APIRouter(include_in_schema=False)


@token_paste_router.post("/api/session")
async def token_paste_refused() -> Response:
    """With a provider configured, a session is opened by the provider's sign-in only (this route is mounted
    before the API's token exchange, which stays for development without a provider)."""
    raise HTTPException(
        status.HTTP_410_GONE,
        detail={
            "error": "token_paste_disabled",
            "message": "Đăng nhập qua máy chủ đăng nhập (/auth/login): không mở phiên bằng token dán tay.",
        },
    )
