"""API keys of the send API, managed by national operators: create (the key is shown once), list, revoke."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request

from dvc_notify.entrypoints.api_models import KeyIn, KeyOut, NewKeyOut
from dvc_notify.service.api import create_key, revoke_key
from dvc_notify.service.uow import NotifyUnitOfWork
from dvckit.auth.fastapi import require_role
from dvckit.auth.jwt import Principal
from dvckit.paging import Page, Paging, paged
from dvckit.schemas import links

router = APIRouter(tags=["api-keys"])


async def national_operator(who: Annotated[Principal, Depends(require_role("operator"))]) -> Principal:
    """Keys are per sending service, national: a province's operator may not manage them."""
    if who.province is not None:
        message = "Chỉ cán bộ vận hành cấp quốc gia được quản lý khóa API."
        raise HTTPException(403, detail={"error": "forbidden", "message": message})
    return who


Operator = Annotated[Principal, Depends(national_operator)]


def _uow(request: Request) -> NotifyUnitOfWork:
    uow: NotifyUnitOfWork = request.app.state.runtime.uow()
    return uow


def key_out(row: Any) -> KeyOut:
    return KeyOut(
        id=row.id,
        name=row.name,
        service=row.service,
        key_type=row.key_type,
        created_at=row.created_at,
        created_by=row.created_by,
        revoked_at=row.revoked_at,
        revoked_by=row.revoked_by,
    )


@router.post(
    "/api-keys",
    status_code=201,
    summary="Create a key for a sending service (shown this once)",
    responses=links(
        201, RevokeKey=("post", "/v1/api-keys/{key_id}/revoke", {"path.key_id": "$response.body#/id"})
    ),
)
async def create(request: Request, who: Operator, body: KeyIn) -> NewKeyOut:
    async with _uow(request) as uow:
        key_id, key = await create_key(
            uow, name=body.name, service=body.service, key_type=body.key_type, by=who.sub
        )
        row = await uow.api_keys.get(key_id)
        await uow.commit()
    return NewKeyOut(**key_out(row).model_dump(), key=key)


@router.get("/api-keys", summary="Keys, newest first (never their secrets)")
async def list_keys(
    request: Request,
    _: Operator,
    paging: Annotated[Paging, Depends(paged(100))],
    service: str | None = Query(None, max_length=32),
    include_revoked: bool = False,
) -> Page[KeyOut]:
    async with _uow(request) as uow:
        rows, total = await uow.api_keys.page(
            service=service, include_revoked=include_revoked, limit=paging.limit, offset=paging.offset
        )
    return paging.page(request, [key_out(r) for r in rows], total)


@router.post("/api-keys/{key_id}/revoke", summary="Revoke a key: it is refused from now on (idempotent)")
async def revoke(request: Request, who: Operator, key_id: str = Path(max_length=36)) -> KeyOut:
    async with _uow(request) as uow:
        row = await revoke_key(uow, key_id, who.sub)
        if row is None:
            raise HTTPException(404, detail={"error": "not_found", "message": "Không có khóa API này."})
        await uow.commit()
    return key_out(row)
