"""Operator authentication for the dashboard and the API: a bearer token (other systems), or a server-side
session (browsers, and EventSource, which cannot send headers): the login page exchanges the operator's token
for a random session id in an HttpOnly cookie (adapters/sessions.py); the token itself never sits in the browser.

The kit's ``require_role`` reads only the Authorization header; this adds the session, inside reporting."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from dvc_contracts import clock
from dvc_reporting.adapters.sessions import SESSION_COOKIE, session_operator
from dvc_reporting.entrypoints.context import ctx
from dvckit.auth.jwt import Principal, TokenError, TokenVerifier


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
    """The operator of the request: its bearer token (verified; 401/403 if bad), else its live session."""
    token = bearer_of(request)
    if token:
        return await verify_operator(request, token)
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        return None
    return await session_operator(ctx(request).runtime.engine, session_id, clock.now())


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
