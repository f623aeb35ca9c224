"""Signing in and out.

With ``PORTAL_OIDC_ISSUER`` set, citizens sign in at the OpenID Provider (Keycloak under ``make run``; VNeID's
provider later): authorization code flow with PKCE S256 and a confidential client (dvckit.oidc_client and
dvckit.oidc_login; the sign-ins under way are adapters/sessions.py's PendingLogins).
``GET /dang-nhap`` records a sign-in under way server-side (state, nonce, PKCE verifier, where to go after),
bound to this browser by an HttpOnly cookie, and sends the browser to the provider; the provider sends it back
to ``/dang-nhap/oidc/callback`` with a code, exchanged (with the verifier) for tokens that stay on the server.
``POST /dang-xuat`` ends the session here and at the provider (``end_session_endpoint``, ``id_token_hint``).

Without a provider, ``PORTAL_DEV_SIGN_IN`` (development only, refused in production) shows a development
sign-in: the citizen types a name, a 12-digit personal id and a phone, and the portal mints a citizen token
with the local development keys, exactly as ``make token ROLE=citizen`` does (dvckit.auth.jwt.issue_token),
checks that the services' key set accepts it, and keeps it server-side. Either way the browser only ever holds
the random session id."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from dvc_contracts import clock, phone
from dvc_portal.adapters import orm
from dvc_portal.adapters.sessions import SESSION_COOKIE
from dvc_portal.entrypoints.context import Portal, portal
from dvc_portal.entrypoints.oidc import (
    CALLBACK_PATH,
    LOGIN_COOKIE,
    LOGIN_STALE,
    problem_page,
    redirect_uri,
    site,
    to_provider,
)
from dvc_portal.entrypoints.pages import check_form, citizen, render, safe_next, secure_cookies
from dvckit.accounts import Method, pseudonymous_id, record_sign_in
from dvckit.auth.jwt import TokenError, issue_token, load_or_create_dev_keys
from dvckit.logging import get_logger
from dvckit.oidc_client import OidcError
from dvckit.oidc_login import AuthorizationRefused, complete_sign_in, take_sign_in

router = APIRouter(include_in_schema=False)
log = get_logger("dvc_portal.auth")

DEV_DEFAULTS = {"name": "Nguyễn Văn An", "citizen_id": "001099012345", "phone": "0912345678"}


async def form_data(request: Request) -> dict[str, str]:
    """An HTML form's fields (application/x-www-form-urlencoded, UTF-8); the last value of a repeated name."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return dict(parse_qsl(body, keep_blank_values=True, max_num_fields=200))


def sign_in_url(next_path: str) -> str:
    return f"/dang-nhap?tiep={quote(next_path, safe='/')}"


def _check(values: dict[str, str]) -> dict[str, str]:
    errors = {}
    if not 2 <= len(values["name"]) <= 200:
        errors["name"] = "Vui lòng nhập họ và tên (từ 2 đến 200 ký tự)."
    if not re.fullmatch(r"\d{12}", values["citizen_id"]):
        errors["citizen_id"] = "Số định danh cá nhân gồm đúng 12 chữ số, ví dụ 001099012345."
    if not phone.is_valid(values["phone"]):
        errors["phone"] = "Số điện thoại phải là số di động Việt Nam, ví dụ 0912345678."
    return errors


def _session_cookie(request: Request, response: Response, session_id: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=int(portal(request).settings.session_hours * 3600),
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
        path="/",
    )


async def _note_sign_in(
    p: Portal, *, issuer: str, sub: str, loa: int | None, method: Method, at: datetime
) -> None:
    """account-signed-in (and account-registered the first time) through the outbox: the account's
    pseudonymous id, the channel and the level of assurance only (dvckit.accounts)."""
    account = pseudonymous_id(p.settings.accounts.pseudonym_key.get_secret_value(), issuer, sub)
    async with p.uow() as uow:
        await record_sign_in(
            uow,
            orm.known_accounts,
            account_id=account,
            role="citizen",
            channel="portal",
            at=at,
            assurance_level=loa,
            method=method,
        )
        await uow.commit()


@router.get("/dang-nhap")
async def sign_in_page(request: Request) -> Response:
    p = portal(request)
    # from the header's button on the home page: to Hồ sơ của tôi
    next_path = safe_next(request.query_params.get("tiep"), "/ho-so" if p.oidc is not None else "/")
    expired = request.query_params.get("het-han") == "1"
    me = await citizen(request)
    if me and expired:  # a service refused the session's token: sign in afresh
        await p.sessions.close_hash(me.id_hash)
        request.state.citizen = me = None
    if me:
        return RedirectResponse(next_path, status_code=303)
    if p.oidc is not None:
        return await to_provider(request, p, next_path)
    return await render(
        request,
        "signin.html",
        {"values": DEV_DEFAULTS, "errors": {}, "next": next_path, "expired": expired, "title": "Đăng nhập"},
    )


@router.post("/dang-nhap")
async def sign_in(request: Request) -> Response:
    p = portal(request)
    form = await form_data(request)
    await check_form(request, form)
    next_path = safe_next(form.get("tiep"))
    if not p.settings.dev_sign_in_enabled:
        return await render(
            request, "signin.html", {"values": {}, "errors": {}, "next": next_path, "title": "Đăng nhập"}, 403
        )
    values = {k: " ".join(form.get(k, "").split()) for k in ("name", "citizen_id", "phone")}
    values["citizen_id"] = values["citizen_id"].replace(" ", "")
    errors = _check(values)
    problem = None
    token = None
    if not errors:
        keys_dir = Path(p.settings.dev_keys_dir)
        if not (keys_dir / "private.pem").exists():
            problem = f"Chưa có khóa phát triển trong {keys_dir}: chạy `make token` một lần (make run tự tạo) rồi thử lại."
        else:
            ttl = int(p.settings.session_hours * 3600)
            token = issue_token(
                load_or_create_dev_keys(keys_dir),
                sub=values["citizen_id"],
                role="citizen",
                name=values["name"],
                phone=values["phone"],
                issuer=p.settings.auth.issuer,
                audience=p.settings.auth.audience,
                ttl_seconds=ttl,
            )
            try:
                if p.verifier is None:
                    raise TokenError("no key set")
                await p.verifier.verify_async(token)
            except TokenError as exc:
                log.warning("portal.dev_token_not_trusted", error=str(exc)[:200])
                problem = (
                    "Khóa phát triển của cổng không khớp với bộ khóa các dịch vụ tin cậy (AUTH_JWKS_FILE, "
                    "PORTAL_DEV_KEYS_DIR): dịch vụ hồ sơ sẽ từ chối phiên đăng nhập này."
                )
    if errors or problem or token is None:
        return await render(
            request,
            "signin.html",
            {"values": values, "errors": errors, "problem": problem, "next": next_path, "title": "Đăng nhập"},
            422,
        )
    now = clock.now()
    session_id, _ = await p.sessions.open(
        sub=values["citizen_id"],
        name=values["name"],
        phone=values["phone"],
        token=token,
        # the token lives as long as the session (both from now; the session is read on the portal's clock)
        token_expires_at=now + timedelta(hours=p.settings.session_hours),
        now=now,
    )
    await _note_sign_in(
        p, issuer=p.settings.auth.issuer, sub=values["citizen_id"], loa=2, method="dev", at=now
    )
    log.info("portal.signed_in", method="dev", phone=phone.mask(values["phone"]))
    response = RedirectResponse(next_path, status_code=303)
    _session_cookie(request, response, session_id)
    return response


@router.get(CALLBACK_PATH)
async def sign_in_callback(request: Request) -> Response:
    """The provider's redirect back: ?code=…&state=… (or ?error=…&state=…)."""
    p = portal(request)
    if p.oidc is None:
        return await problem_page(request, 404, "Không có đăng nhập qua hệ thống định danh ở đây.")
    q = request.query_params
    now = clock.now()
    browser = request.cookies.get(LOGIN_COOKIE)
    try:
        pending = await take_sign_in(p.oidc, p.sessions.logins, browser=browser, query=q, now=now)
    except OidcError as exc:
        log.warning("portal.oidc_state_refused", has_state=bool(q.get("state")), code=exc.code)
        return await problem_page(request, 400, LOGIN_STALE)
    try:
        tokens = await complete_sign_in(p.oidc, pending, q, redirect_uri=redirect_uri(request))
    except OidcError as exc:
        if isinstance(exc, AuthorizationRefused) or exc.code == "no_code":
            log.info("portal.oidc_error", error=exc.code[:100])
            message = (
                "Bạn đã hủy đăng nhập."
                if exc.code == "access_denied"
                else "Hệ thống định danh chưa xác nhận được việc đăng nhập. Vui lòng thử lại."
            )
            return await problem_page(request, 400, message, pending.next_path)
        log.warning("portal.oidc_exchange_refused", error=str(exc)[:300], code=exc.code)
        return await problem_page(
            request,
            502,
            "Hệ thống định danh chưa xác nhận được việc đăng nhập. Vui lòng bấm “Đăng nhập” để thử lại.",
            pending.next_path,
        )
    who = tokens.principal
    if who.role != "citizen":
        log.info("portal.oidc_not_a_citizen", role=who.role)
        return await problem_page(
            request,
            403,
            "Tài khoản này không phải tài khoản công dân. Cán bộ dùng trang quản trị của cơ quan mình.",
        )
    session_id, _ = await p.sessions.open(
        sub=who.sub,
        name=who.name or tokens.id_claims.get("name"),
        phone=who.phone,
        token=tokens.access_token,
        token_expires_at=tokens.access_expires_at(now),
        now=now,
        citizen_id=who.citizen_id,
        refresh_token=tokens.refresh_token,
        id_token=tokens.id_token,
    )
    await _note_sign_in(p, issuer=p.oidc.issuer, sub=who.sub, loa=who.loa, method="oidc", at=now)
    log.info("portal.signed_in", method="oidc", loa=who.loa)
    response = RedirectResponse(pending.next_path, status_code=303)
    _session_cookie(request, response, session_id)
    response.delete_cookie(LOGIN_COOKIE, path="/dang-nhap", httponly=True, samesite="lax")
    return response


@router.post("/dang-xuat")
async def sign_out(request: Request) -> Response:
    form = await form_data(request)
    await check_form(request, form)
    p = portal(request)
    me = await p.sessions.get(request.cookies.get(SESSION_COOKIE), clock.now())
    await p.sessions.close(request.cookies.get(SESSION_COOKIE))
    target = "/?da-dang-xuat=1"
    if p.oidc is not None and me is not None and me.id_token:
        # end the provider's session too: the next sign-in asks for the password again (a provider that
        # cannot be reached: the session here is ended all the same)
        target = await p.oidc.end_session_url(me.id_token, site(request) + target) or target
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=secure_cookies(request)
    )
    return response
