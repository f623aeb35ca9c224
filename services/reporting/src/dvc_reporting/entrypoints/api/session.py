"""The dashboard's login: a server-side session (an HttpOnly cookie) for an operator token."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from dvc_contracts import clock
from dvc_reporting.adapters.sessions import SESSION_COOKIE, SESSION_HOURS, close_session, open_session
from dvc_reporting.domain.reference import province_name
from dvc_reporting.entrypoints.api.params import Ctx
from dvc_reporting.entrypoints.auth import Operator, verify_operator
from dvc_reporting.entrypoints.places import scope_of
from dvc_reporting.service.accounts import note_sign_in
from dvckit.auth.jwt import Principal

router = APIRouter(prefix="/api", tags=["session"])


class Login(BaseModel):
    token: str = Field(min_length=10, max_length=8192, description="bearer token (make token ROLE=operator)")


class Me(BaseModel):
    sub: str
    name: str | None
    role: str
    province: str | None = Field(description="set for a province operator, who sees only that province")
    province_name: str | None


def _me(p: Principal) -> Me:
    return Me(
        sub=p.sub,
        name=p.name,
        role=p.role,
        province=scope_of(p),
        province_name=province_name(scope_of(p)) if p.province else None,
    )


@router.post(
    "/session",
    summary="Log in: exchange an operator token for a server-side session (HttpOnly cookie)",
)
async def login(request: Request, body: Login, c: Ctx, response: Response) -> Me:
    principal = await verify_operator(request, body.token.strip())
    now = clock.now()
    session_id = await open_session(c.runtime.engine, principal, now)
    await note_sign_in(c.runtime, c.settings, principal, issuer=c.settings.auth.issuer, method="dev", at=now)
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        httponly=True,
        samesite="strict",
        secure=c.settings.cookie_secure,
        max_age=SESSION_HOURS * 3600,
        path="/",
    )
    return _me(principal)


@router.get("/session", summary="Who is logged in")
async def whoami(principal: Operator) -> Me:
    return _me(principal)


@router.delete("/session", summary="Log out: the session ends now", status_code=204)
async def logout(request: Request, c: Ctx) -> Response:
    if session_id := request.cookies.get(SESSION_COOKIE):
        await close_session(c.runtime.engine, session_id)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
