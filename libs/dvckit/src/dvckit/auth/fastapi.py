"""FastAPI dependencies: ``Depends(require_role("citizen"))`` gives the caller's Principal.

Every route that depends on :func:`require_role` declares the ``bearerAuth`` security scheme (an HTTP bearer
JWT) in its OpenAPI operation, so integrators and schemathesis see which routes need a token."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request, Security, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from dvckit.auth.jwt import Principal, Role, TokenError, TokenVerifier

BEARER_SCHEME = "bearerAuth"
bearer = HTTPBearer(
    scheme_name=BEARER_SCHEME,
    bearerFormat="JWT",
    description="`Authorization: Bearer <token>`: an access token of the portal's OpenID Provider (RS256; "
    "claims role = citizen | agency | operator, agency and province where they apply)",
    auto_error=False,  # documents the scheme only: require_role reads and refuses the header itself
)
Credentials = HTTPAuthorizationCredentials | None


def _verifier(request: Request) -> TokenVerifier:
    verifier: TokenVerifier = request.app.state.token_verifier
    return verifier


def require_role(*roles: Role) -> Callable[[Request], Coroutine[Any, Any, Principal]]:
    async def dependency(request: Request, _credentials: Credentials = Security(bearer)) -> Principal:
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
