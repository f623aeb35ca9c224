"""Operator authentication for the dashboard and the API: a bearer token (other systems), or a server-side
session (browsers, and EventSource, which cannot send headers) whose random id sits in an HttpOnly cookie
(adapters/sessions.py); no token ever sits in the browser.

Browsers sign in through the OpenID Provider (``REPORTING_OIDC_ISSUER``): the authorization code flow with
PKCE S256 (routes under ``/auth``). ``/auth/login`` keeps state, nonce and the code verifier server-side (an
``oidc_logins`` row, found by a short-lived cookie of this browser) and sends the browser to the provider;
``/auth/callback`` checks the state, exchanges the code (with the verifier and the client secret), checks the
ID token (signature, issuer, audience, nonce), verifies the access token with the kit's verifier (as every
service does: issuer, audience ``reporting``, role) and opens a session for an operator only. The session
renews the access token with the refresh token shortly before it expires (so it ends when the provider's
session does); ``/auth/logout`` ends it here and at the provider (``end_session_endpoint``).

Without a provider (development only; production refuses it) the login page takes a pasted operator token
(``POST /api/session``). The kit's ``require_role`` reads only the Authorization header; this adds the
session, inside reporting."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import time
from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

import httpx
import jwt
from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import RedirectResponse, Response

from dvc_contracts import clock
from dvc_reporting.adapters import sessions
from dvc_reporting.adapters.sessions import (
    LOGIN_COOKIE,
    LOGIN_MINUTES,
    SESSION_COOKIE,
    SESSION_HOURS,
    PendingLogin,
    ProviderTokens,
    Session,
)
from dvc_reporting.config import LOOPBACK_HOSTS, Settings
from dvc_reporting.entrypoints.context import ctx
from dvc_reporting.service.accounts import note_sign_in
from dvckit.auth.jwt import KeyRefetch, Principal, TokenError, TokenVerifier
from dvckit.logging import get_logger

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
        answer = await oidc.refresh(session.refresh_token)
        principal = await verify_operator(request, str(answer.get("access_token") or ""))
        if principal.sub != session.principal.sub:
            raise SignInError("subject_changed", "Token mới thuộc về người khác.")
        if answer.get("id_token"):
            await oidc.verify_id_token(str(answer["id_token"]), nonce=None, sub=principal.sub)
    except ProviderUnavailable as exc:
        await sessions.release_refresh(engine, session_id)
        grace = session.access_expires_at + timedelta(seconds=settings.oidc_unreachable_grace_seconds)
        log.warning("reporting.session_refresh_unavailable", error=str(exc)[:300], keeps=now < grace)
        return session.principal if now < grace else None
    except (SignInError, HTTPException) as exc:
        log.info("reporting.session_ended_by_provider", sub=session.principal.sub, reason=repr(exc)[:300])
        await sessions.close_session(engine, session_id)
        return None
    await sessions.renew_session(engine, session_id, principal, oidc.tokens_of(answer, now))
    log.info("reporting.session_renewed", sub=principal.sub, province=principal.province)
    return principal


async def operator(request: Request) -> Principal:
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


class ProviderUnavailable(SignInError):
    def __init__(self, detail: str) -> None:
        super().__init__(
            "provider_unavailable",
            "Không kết nối được nhà cung cấp định danh (máy chủ đăng nhập). Vui lòng thử lại sau ít phút.",
            503,
        )
        self.detail = detail

    def __str__(self) -> str:
        return self.detail


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, its S256 code_challenge), RFC 7636."""
    verifier = secrets.token_urlsafe(64)  # 86 characters of the unreserved set
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class OidcClient:
    """The provider as the reporting client sees it: discovery, the token endpoint (client_secret_basic), the
    ID token's keys, the logout endpoint. ``transport`` lets the tests stand in for the provider."""

    def __init__(self, settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        assert settings.oidc_issuer, "REPORTING_OIDC_ISSUER is not set"
        self.issuer = settings.oidc_issuer.rstrip("/")
        self.client_id = settings.oidc_client_id
        self._secret = settings.oidc_client_secret.get_secret_value()
        self.scope = settings.oidc_scope
        self._http = httpx.AsyncClient(timeout=settings.oidc_timeout_seconds, transport=transport)
        self._meta: dict[str, Any] | None = None
        self._meta_at = 0.0
        self._keys: dict[str, jwt.PyJWK] = {}
        self._refetch = KeyRefetch(fetched=False)  # a new key id (a rotation) is fetched at once
        self._lock = asyncio.Lock()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _get(self, url: str) -> Any:
        try:
            r = await self._http.get(url)
            r.raise_for_status()
            return r.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ProviderUnavailable(f"GET {url}: {exc!r}") from exc

    async def metadata(self) -> dict[str, Any]:
        """The discovery document (cached for an hour); its issuer must be the configured one."""
        if self._meta is not None and time.monotonic() - self._meta_at < METADATA_TTL:
            return self._meta
        async with self._lock:
            if self._meta is None or time.monotonic() - self._meta_at >= METADATA_TTL:
                meta = await self._get(f"{self.issuer}/.well-known/openid-configuration")
                if not isinstance(meta, dict) or meta.get("issuer") != self.issuer:
                    raise ProviderUnavailable(f"discovery names issuer {meta.get('issuer')!r}")
                self._meta, self._meta_at = meta, time.monotonic()
        assert self._meta is not None
        return self._meta

    async def authorization_url(
        self, pending: PendingLogin, challenge: str, prompt: str | None = None
    ) -> str:
        meta = await self.metadata()
        params = {
            "client_id": self.client_id,
            "redirect_uri": pending.redirect_uri,
            "response_type": "code",
            "scope": self.scope,
            "state": pending.state,
            "nonce": pending.nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        if prompt:
            params["prompt"] = prompt
        return f"{meta['authorization_endpoint']}?{urlencode(params)}"

    async def _token(self, form: dict[str, str]) -> dict[str, Any]:
        meta = await self.metadata()
        try:
            r = await self._http.post(meta["token_endpoint"], data=form, auth=(self.client_id, self._secret))
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"token endpoint: {exc!r}") from exc
        if r.status_code >= 500:
            raise ProviderUnavailable(f"token endpoint: HTTP {r.status_code}")
        try:
            body: Any = r.json()
        except ValueError:
            body = {}
        if r.status_code != 200 or not isinstance(body, dict) or not body.get("access_token"):
            error = body.get("error") if isinstance(body, dict) else None
            raise SignInError(
                str(error or f"http_{r.status_code}"),
                "Máy chủ đăng nhập không cấp token cho mã đăng nhập này "
                f"({error or r.status_code}). Vui lòng đăng nhập lại.",
            )
        if str(body.get("token_type", "")).lower() != "bearer":
            raise SignInError("token_type", "Máy chủ đăng nhập trả về loại token không dùng được.")
        return body

    async def exchange(self, code: str, pending: PendingLogin) -> dict[str, Any]:
        """The authorization code for tokens, proving the sign-in was ours with the PKCE code verifier."""
        return await self._token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": pending.redirect_uri,
                "code_verifier": pending.code_verifier,
            }
        )

    async def refresh(self, refresh_token: str) -> dict[str, Any]:
        return await self._token({"grant_type": "refresh_token", "refresh_token": refresh_token})

    async def _key(self, kid: str) -> jwt.PyJWK | None:
        if kid not in self._keys and self._refetch.due(kid):
            meta = await self.metadata()
            self._refetch.done(kid, found=None)
            jwks = await self._get(str(meta["jwks_uri"]))
            keys = {}
            for k in jwks.get("keys", []) if isinstance(jwks, dict) else []:
                if k.get("use", "sig") == "sig" and k.get("kid"):
                    try:
                        keys[k["kid"]] = jwt.PyJWK(k)
                    except jwt.PyJWTError:
                        continue
            self._keys = keys
            self._refetch.done(kid, found=kid in keys)
        return self._keys.get(kid)

    async def verify_id_token(self, id_token: str, *, nonce: str | None, sub: str) -> dict[str, Any]:
        """The ID token's signature, issuer, audience (this client), expiry, subject (the access token's) and
        — on a sign-in — the nonce of the request this browser made (a replayed or injected one is refused)."""
        wrong = SignInError(
            "invalid_id_token",
            "Mã định danh (ID token) từ máy chủ đăng nhập không hợp lệ. Vui lòng đăng nhập lại.",
        )
        try:
            header = jwt.get_unverified_header(id_token)
            key = await self._key(str(header.get("kid") or ""))
            if key is None:
                raise wrong
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key.key,
                algorithms=["RS256", "PS256", "ES256"],
                audience=self.client_id,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
                leeway=30,
            )
        except jwt.PyJWTError as exc:
            raise wrong from exc
        if isinstance(claims["aud"], list) and len(claims["aud"]) > 1 and claims.get("azp") != self.client_id:
            raise wrong
        if claims["sub"] != sub:
            raise wrong
        if nonce is not None and not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
            raise SignInError(
                "nonce_mismatch",
                "Mã định danh (ID token) không khớp với yêu cầu đăng nhập của trình duyệt này (nonce). "
                "Vui lòng đăng nhập lại.",
            )
        return claims

    async def end_session_url(self, id_token: str | None, post_logout_redirect_uri: str) -> str | None:
        """Where the browser goes to end the provider's session too (None: the provider has no such page)."""
        try:
            meta = await self.metadata()
        except ProviderUnavailable:
            return None
        endpoint = meta.get("end_session_endpoint")
        if not endpoint:
            return None
        params = {"post_logout_redirect_uri": post_logout_redirect_uri, "client_id": self.client_id}
        if id_token:
            params["id_token_hint"] = id_token
        return f"{endpoint}?{urlencode(params)}"

    @staticmethod
    def tokens_of(answer: dict[str, Any], now: datetime) -> ProviderTokens:
        try:
            lifetime = max(1, int(answer.get("expires_in") or 300))
        except (TypeError, ValueError):
            lifetime = 300
        return ProviderTokens(
            refresh_token=answer.get("refresh_token"),
            id_token=answer.get("id_token"),
            access_expires_at=now + timedelta(seconds=lifetime),
        )


def oidc_of(request: Request) -> OidcClient | None:
    client: OidcClient | None = getattr(request.app.state, "oidc", None)
    return client


# --- the routes of the sign-in ------------------------------------------------------------------------------

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
    code_verifier, challenge = pkce_pair()
    pending = PendingLogin(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        code_verifier=code_verifier,
        redirect_uri=_redirect_uri(request, c.settings),
        return_to=_return_to(next),
    )
    try:
        target = await oidc.authorization_url(pending, challenge, "login" if prompt == "login" else None)
    except SignInError as exc:
        return _page(request, exc)
    login_id = await sessions.start_login(c.runtime.engine, pending, clock.now())
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
    pending = await sessions.take_login(c.runtime.engine, request.cookies.get(LOGIN_COOKIE, ""), now)
    try:
        if pending is None:
            raise SignInError(
                "no_pending_login",
                "Phiên đăng nhập đã hết hạn hoặc đã được dùng (quá 10 phút, hoặc mở từ trình duyệt khác). "
                "Vui lòng đăng nhập lại.",
            )
        if not secrets.compare_digest(q.get("state", ""), pending.state):
            raise SignInError(
                "state_mismatch",
                "Yêu cầu đăng nhập không khớp với phiên đăng nhập của trình duyệt này (state). "
                "Vui lòng đăng nhập lại.",
            )
        if q.get("iss") and q.get("iss") != oidc.issuer:  # RFC 9207: the answer is from our provider
            raise SignInError("issuer_mismatch", "Câu trả lời đến từ một máy chủ đăng nhập khác.")
        if q.get("error"):
            raise SignInError(
                q["error"],
                "Máy chủ đăng nhập không cho đăng nhập"
                + (f": {q['error_description']}" if q.get("error_description") else f" ({q['error']}).")
                + " Vui lòng thử lại.",
            )
        if not q.get("code"):
            raise SignInError("no_code", "Thiếu mã đăng nhập (code) trong câu trả lời của máy chủ đăng nhập.")
        answer = await oidc.exchange(q["code"], pending)
        verifier: TokenVerifier = request.app.state.token_verifier
        try:
            principal = await verifier.verify_async(str(answer["access_token"]))
        except TokenError as exc:
            raise SignInError(
                "invalid_access_token", f"Token truy cập không dùng được cho bảng điều khiển: {exc}."
            ) from exc
        if not answer.get("id_token"):
            raise SignInError("no_id_token", "Máy chủ đăng nhập không trả về mã định danh (ID token).")
        await oidc.verify_id_token(str(answer["id_token"]), nonce=pending.nonce, sub=principal.sub)
        if principal.role != "operator":
            who = f"“{principal.name}”" if principal.name else "này"
            raise SignInError(
                "not_operator",
                f"Tài khoản {who} là tài khoản {ROLE_NAMES.get(principal.role, principal.role)}, không phải "
                "cán bộ vận hành: không được vào bảng điều khiển số liệu. Vui lòng đăng nhập bằng tài khoản "
                "cán bộ vận hành.",
                status.HTTP_403_FORBIDDEN,
            )
    except SignInError as exc:
        retry = "login" if exc.code == "not_operator" else None  # let them choose another account
        response = _page(request, exc, retry_prompt=retry)
        response.delete_cookie(LOGIN_COOKIE, path="/auth")
        return response
    session_id = await sessions.open_session(c.runtime.engine, principal, now, oidc.tokens_of(answer, now))
    await note_sign_in(c.runtime, c.settings, principal, issuer=oidc.issuer, method="oidc", at=now)
    took_ms = round((time.perf_counter() - started) * 1000, 1)  # exchange, checks, session
    log.info("reporting.signed_in", sub=principal.sub, province=principal.province, took_ms=took_ms)
    response = RedirectResponse(pending.return_to, status_code=303)
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
