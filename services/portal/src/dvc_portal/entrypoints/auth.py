"""Signing in and out.

SSO (VNeID) is not connected yet. Until it is, ``PORTAL_DEV_SIGN_IN`` (on under ``make run``, refused in
production) shows a development sign-in: the citizen types a name, a 12-digit personal id and a phone, and the
portal mints a citizen token with the local development keys, exactly as ``make token ROLE=citizen`` does
(dvckit.auth.jwt.issue_token), checks that the services' key set accepts it, and keeps it server-side. The
browser only ever holds the random session id."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from dvc_contracts import clock, phone
from dvc_portal.adapters.sessions import SESSION_COOKIE
from dvc_portal.entrypoints.context import portal
from dvc_portal.entrypoints.pages import check_form, citizen, render, safe_next
from dvckit.auth.jwt import TokenError, issue_token, load_or_create_dev_keys
from dvckit.logging import get_logger

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


@router.get("/dang-nhap")
async def sign_in_page(request: Request) -> Response:
    next_path = safe_next(request.query_params.get("tiep"))
    if await citizen(request):
        return RedirectResponse(next_path, status_code=303)
    expired = request.query_params.get("het-han") == "1"
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
    if not p.settings.dev_sign_in:
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
    log.info("portal.signed_in", method="dev", phone=phone.mask(values["phone"]))
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=int(p.settings.session_hours * 3600),
        httponly=True,
        samesite="lax",
        secure=p.settings.cookie_secure,
        path="/",
    )
    return response


@router.post("/dang-xuat")
async def sign_out(request: Request) -> Response:
    form = await form_data(request)
    await check_form(request, form)
    await portal(request).sessions.close(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/?da-dang-xuat=1", status_code=303)
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=portal(request).settings.cookie_secure
    )
    return response
