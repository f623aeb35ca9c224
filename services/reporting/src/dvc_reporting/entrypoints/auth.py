"""Operator authentication for the dashboard and the API: a bearer token (other systems), or a server-side
session (browsers, and EventSource, which cannot send headers) whose random id sits in an HttpOnly cookie
(adapters/sessions.py); no token ever sits in the browser.

Browsers sign in through the OpenID Provider (``REPORTING_OIDC_ISSUER``): the authorization code flow with
PKCE S256, the protocol in dvckit.oidc_client and dvckit.oidc_login, the routes under ``/auth`` in
entrypoints/sso.py. The session renews the access token with the refresh token shortly before it expires
(:func:`signed_in`; one replica at a time, so it ends when the provider's session does).

Without a provider (development only; production refuses it) the login page takes a pasted operator token
(``POST /api/session``). The kit's ``require_role`` reads only the Authorization header; this adds the
session, inside reporting."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

import httpx
from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.security import APIKeyCookie

from dvc_contracts import clock
from dvc_reporting.adapters import sessions
from dvc_reporting.adapters.sessions import SESSION_COOKIE, ProviderTokens, Session
from dvc_reporting.config import LOOPBACK_HOSTS, Settings
from dvc_reporting.entrypoints.context import ctx
from dvckit import oidc_client
from dvckit.auth.fastapi import Credentials, bearer
from dvckit.auth.jwt import Principal, TokenError, TokenVerifier
from dvckit.logging import get_logger
from dvckit.oidc_client import OidcError, ProviderUnavailable

log = get_logger("dvc_reporting.auth")
ROLE_NAMES = {"citizen": "công dân", "agency": "hệ thống của cơ quan", "operator": "cán bộ vận hành"}
METADATA_TTL = 3600.0  # seconds: the provider's discovery document is read again after this


def bearer_of(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def verify_operator(request: Request, token: str) -> Principal:
    verifier: TokenVerifier = request.app.state.token_verifier
    try:
        principal = await verifier.verify_async(token)
    except TokenError as exc:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail={"error": "invalid_token", "message": f"Token không hợp lệ: {exc}"},
            headers={"WWW-Authenticate": "Bearer"},
        ) from exc
    if principal.role != "operator":
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail={
                "error": "forbidden",
                "message": f"Vai trò '{principal.role}' không được phép; cần: operator.",
            },
        )
    return principal


async def signed_in(request: Request) -> Principal | None:
    """The operator of the request: its bearer token (verified; 401/403 if bad), else its live session
    (renewed at the provider when its access token is about to expire)."""
    token = bearer_of(request)
    if token:
        return await verify_operator(request, token)
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        return None
    engine = ctx(request).runtime.engine
    now = clock.now()
    session = await sessions.load_session(engine, session_id, now)
    if session is None:
        return None
    oidc = oidc_of(request)
    settings = ctx(request).settings
    if session.access_expires_at is not None and oidc is not None:
        renew_at = session.access_expires_at - timedelta(seconds=settings.oidc_refresh_before_seconds)
        if now >= renew_at:
            return await _renew(request, oidc, session_id, session, now)
    return session.principal


async def _renew(
    request: Request, oidc: OidcClient, session_id: str, session: Session, now: datetime
) -> Principal | None:
    """Renew a session's access token with its refresh token. One request renews (the others go on with the
    session as it is); a refusal from the provider (its session ended, the account was disabled) or a token
    that is no longer an operator's ends the session; a provider that cannot be reached keeps it for a grace."""
    c = ctx(request)
    engine, settings = c.runtime.engine, c.settings
    assert session.access_expires_at is not None
    if not await sessions.claim_refresh(engine, session_id, now):
        return session.principal
    try:
        if not session.refresh_token:
            raise SignInError("no_refresh_token", "Phiên không có refresh token.")
        verifier: TokenVerifier = request.app.state.token_verifier
        tokens = await oidc.refresh(session.refresh_token, access_verifier=verifier)
        principal = tokens.principal
        if principal.role != "operator":
            raise SignInError("not_operator", f"Vai trò '{principal.role}' không được phép; cần: operator.")
        if principal.sub != session.principal.sub:
            raise SignInError("subject_changed", "Token mới thuộc về người khác.")
    except ProviderUnavailable as exc:
        await sessions.release_refresh(engine, session_id)
        grace = session.access_expires_at + timedelta(seconds=settings.oidc_unreachable_grace_seconds)
        log.warning("reporting.session_refresh_unavailable", error=str(exc)[:300], keeps=now < grace)
        return session.principal if now < grace else None
    except (SignInError, OidcError) as exc:
        log.info("reporting.session_ended_by_provider", sub=session.principal.sub, reason=repr(exc)[:300])
        await sessions.close_session(engine, session_id)
        return None
    await sessions.renew_session(engine, session_id, principal, ProviderTokens.of(tokens, now))
    log.info("reporting.session_renewed", sub=principal.sub, province=principal.province)
    return principal


session_cookie = APIKeyCookie(
    name=SESSION_COOKIE,
    scheme_name="sessionCookie",
    description="the dashboard's server-side session (HttpOnly), set by signing in at /auth/login",
    auto_error=False,  # documents the scheme only: signed_in reads it
)


async def operator(
    request: Request,
    _token: Credentials = Security(bearer),
    _session: str | None = Security(session_cookie),
) -> Principal:
    """An operator's bearer token, or the dashboard's session (either scheme, in the OpenAPI document)."""
    principal = await signed_in(request)
    if principal is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail={"error": "unauthenticated", "message": "Cần đăng nhập (token của cán bộ vận hành)."},
            headers={"WWW-Authenticate": "Bearer"},
        )
    return principal


Operator = Annotated[Principal, Depends(operator)]


def national_only(principal: Principal) -> None:
    if principal.province:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail={
                "error": "forbidden",
                "message": "Chỉ cán bộ vận hành cấp quốc gia xem được tình trạng đường truyền dữ liệu.",
            },
        )


def cookie_secure(request: Request, settings: Settings) -> bool:
    """Secure, except over plain HTTP to a loopback address (make run, tests): a browser would drop a Secure
    cookie there. ``REPORTING_COOKIE_SECURE=true`` forces it (behind a TLS-terminating proxy)."""
    if settings.cookie_secure:
        return True
    return not (request.url.scheme == "http" and request.url.hostname in LOOPBACK_HOSTS)


# --- the OpenID Provider ------------------------------------------------------------------------------------


class SignInError(Exception):
    """A sign-in (or a renewal) that cannot go on; ``message`` is for the operator, in Vietnamese."""

    def __init__(self, code: str, message: str, status_code: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status_code = code, message, status_code


class OidcClient(oidc_client.OidcClient):
    """The dashboard's client of the provider (dvckit.oidc_client), from its settings; the discovery document
    is read again after an hour. ``transport`` lets the tests stand in for the provider."""

    def __init__(self, settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        assert settings.oidc_issuer, "REPORTING_OIDC_ISSUER is not set"
        super().__init__(
            settings.oidc_issuer,
            settings.oidc_client_id,
            settings.oidc_client_secret.get_secret_value(),
            scope=settings.oidc_scope,
            timeout=settings.oidc_timeout_seconds,
            metadata_ttl=METADATA_TTL,
            transport=transport,
        )


def oidc_of(request: Request) -> OidcClient | None:
    client: OidcClient | None = getattr(request.app.state, "oidc", None)
    return client
