"""Thin HTTP routes: parse, call a handler inside a unit of work, shape the answer."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field

from dvc_catalog.domain.model import Procedure, ProcedureError
from dvc_catalog.entrypoints.responses import ProcedureOut
from dvc_catalog.service import handlers
from dvc_catalog.service.uow import CatalogUnitOfWork
from dvc_contracts.fees import FeeRule
from dvckit.auth.fastapi import require_role
from dvckit.auth.jwt import Principal
from dvckit.paging import Page, Paging, paged
from dvckit.schemas import links
from dvckit.text import fold

router = APIRouter()


async def national_operator(who: Annotated[Principal, Depends(require_role("operator"))]) -> Principal:
    """The national catalog is changed only by national operators: a token with a province claim (a
    province's operator) may read it, never create, publish or retire a procedure."""
    if who.province:
        raise HTTPException(
            403,
            detail={
                "error": "national_operator_only",
                "message": "Chỉ cán bộ vận hành cấp quốc gia được tạo, công bố hoặc thu hồi thủ tục "
                f"(token gắn với tỉnh {who.province}).",
            },
        )
    return who


Operator = Annotated[Principal, Depends(national_operator)]


class FeeIn(BaseModel):
    kind: Literal["fixed", "rule", "free"]
    amount_vnd: int | None = Field(default=None, ge=0)
    rule: FeeRule | None = Field(default=None, description="dvc_contracts.fees: one of its rules, by type")
    description: str | None = None


class DocumentIn(BaseModel):
    code: str
    name: str
    mandatory: bool = True


class ProcedureIn(BaseModel):
    code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
    name: str = Field(min_length=3)
    sector: str
    agency_code: str
    agency_name: str
    level: Literal["central", "province", "district", "commune"]
    service_level: Literal[3, 4]
    fee: FeeIn
    processing_days: int = Field(ge=0)
    required_documents: list[DocumentIn] = []
    required_fields: list[str] = []
    allowed_agency_codes: list[str] = []
    chained_flow: str | None = None
    social_saving_vnd: int | None = Field(default=None, ge=0)
    provinces: list[str] = Field(
        default=[],
        description="codes of today's provinces where it is offered (dvc_contracts.units); [] = nationwide",
    )
    description: str | None = None
    assurance_level: Literal[1, 2] = Field(
        default=1, description="2: only accounts of level 2 (identity checked in person) may submit it"
    )


def _uow(request: Request) -> CatalogUnitOfWork:
    uow: CatalogUnitOfWork = request.app.state.runtime.uow()
    return uow


def _out(p: Procedure) -> ProcedureOut:
    return ProcedureOut.model_validate(dataclasses.asdict(p))


def _error(exc: ProcedureError) -> HTTPException:
    status = 404 if exc.code == "not_found" else 409 if exc.code.startswith("not_") else 422
    return HTTPException(status, detail={"error": exc.code, "message": exc.message})


@router.get(
    "/procedures",
    tags=["procedures"],
    summary="Search published procedures, best match first",
    description="With `q`: procedures whose text holds every word or known phrase of the query (with or without "
    "diacritics; citizens' words such as *bằng lái* find *giấy phép lái xe*), a title holding the whole query "
    "first, then by full-text rank, then by code. Without `q`: by code. Paged (`limit`, `offset`, `next`, `total`).",
)
async def search_procedures(
    request: Request,
    paging: Annotated[Paging, Depends(paged())],
    q: str | None = Query(None, description="text, with or without diacritics"),
    sector: str | None = None,
    agency: str | None = None,
    level: Literal["central", "province", "district", "commune"] | None = None,
    province: str | None = Query(
        None, description="code of one of the 34 provinces of today; nationwide procedures always match"
    ),
) -> Page[ProcedureOut]:
    if province is not None:
        try:
            handlers.check_provinces([province])
        except ProcedureError as exc:
            raise _error(exc) from exc
    async with _uow(request) as uow:
        total, items = await uow.procedures.search(
            folded_text=fold(q) if q else None,
            sector=sector,
            agency=agency,
            level=level,
            province=province,
            limit=paging.limit,
            offset=paging.offset,
        )
    return paging.page(request, [_out(p) for p in items], total)


@router.get("/procedures/{code}", tags=["procedures"], summary="The current published version")
async def get_procedure(request: Request, code: str) -> ProcedureOut:
    async with _uow(request) as uow:
        p = await uow.procedures.latest(code, "published")
    if p is None:
        raise HTTPException(404, detail={"error": "not_found", "message": f"Không tìm thấy thủ tục {code}."})
    return _out(p)


@router.post(
    "/procedures",
    tags=["procedures"],
    status_code=201,
    summary="Create a draft version",
    responses=links(
        201,
        PublishProcedure=("post", "/v1/procedures/{code}/publish", {"path.code": "$response.body#/code"}),
        GetProcedure=("get", "/v1/procedures/{code}", {"path.code": "$response.body#/code"}),
    ),
)
async def create_procedure(request: Request, body: ProcedureIn, _: Operator) -> ProcedureOut:
    async with _uow(request) as uow:
        try:
            draft = await handlers.create_draft(uow, body.model_dump())
        except ProcedureError as exc:
            raise _error(exc) from exc
        await uow.commit()
    return _out(draft)


@router.post("/procedures/{code}/publish", tags=["procedures"], summary="Publish the latest draft")
async def publish_procedure(request: Request, code: str, _: Operator) -> ProcedureOut:
    async with _uow(request) as uow:
        try:
            p = await handlers.publish(uow, code)
        except ProcedureError as exc:
            raise _error(exc) from exc
        await uow.commit()
    return _out(p)


@router.post("/procedures/{code}/retire", tags=["procedures"], summary="Retire the published version")
async def retire_procedure(
    request: Request, code: str, _: Operator, reason: str | None = None
) -> ProcedureOut:
    async with _uow(request) as uow:
        try:
            p = await handlers.retire(uow, code, reason)
        except ProcedureError as exc:
            raise _error(exc) from exc
        await uow.commit()
    return _out(p)
