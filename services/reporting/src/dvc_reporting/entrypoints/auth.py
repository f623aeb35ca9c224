"""Operator authentication for the dashboard and the API: a bearer token (other systems) or the same token
kept in an HttpOnly cookie by the login page (browsers, and EventSource, which cannot send headers).

The kit's ``require_role`` reads only the Authorization header; this adds the cookie, inside reporting."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from dvckit.auth.jwt import Principal, TokenError, TokenVerifier

COOKIE = "dvc_operator_token"


def token_of(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token:
        return token.strip()
    return request.cookies.get(COOKIE) or None


def verify_operator(request: Request, token: str) -> Principal:
    verifier: TokenVerifier = request.app.state.token_verifier
    try:
        principal = verifier.verify(token)
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


async def operator(request: Request) -> Principal:
    token = token_of(request)
    if not token:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail={"error": "unauthenticated", "message": "Cần đăng nhập (token của cán bộ vận hành)."},
            headers={"WWW-Authenticate": "Bearer"},
        )
    return verify_operator(request, token)


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
