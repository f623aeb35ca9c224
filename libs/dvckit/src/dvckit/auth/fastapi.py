"""FastAPI dependencies: ``Depends(require_role("citizen"))`` gives the caller's Principal."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request, status

from dvckit.auth.jwt import Principal, Role, TokenError, TokenVerifier


def _verifier(request: Request) -> TokenVerifier:
    verifier: TokenVerifier = request.app.state.token_verifier
    return verifier


def require_role(*roles: Role) -> Callable[[Request], Coroutine[Any, Any, Principal]]:
    async def dependency(request: Request) -> Principal:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                detail={"error": "unauthenticated", "message": "Cần đăng nhập (thiếu Bearer token)."},
                headers={"WWW-Authenticate": "Bearer"},
            )
        try:
            principal = await _verifier(request).verify_async(token)
        except TokenError as exc:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                detail={"error": "invalid_token", "message": f"Token không hợp lệ: {exc}"},
                headers={"WWW-Authenticate": "Bearer"},
            ) from exc
        if roles and principal.role not in roles:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail={
                    "error": "forbidden",
                    "message": f"Vai trò '{principal.role}' không được phép; cần: {', '.join(roles)}.",
                },
            )
        return principal

    return dependency
