"""The operators' opt-out list: the numbers that receive no SMS (list, add, remove)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, Field

from dvc_contracts.phone import InvalidPhone, mask
from dvc_notify.entrypoints.http_support import Operator, uow_of
from dvc_notify.entrypoints.responses import OptedOut, OptOutOut
from dvc_notify.service.optouts import add_opt_out, remove_opt_out
from dvckit.paging import Page, Paging, paged

router = APIRouter()


def _phone_error(exc: InvalidPhone) -> HTTPException:
    return HTTPException(
        422,
        {
            "error": "invalid_phone",
            "message": exc.message_vi,
            "reason": exc.reason,
            "message_en": exc.message_en,
        },
    )


class OptOutIn(BaseModel):
    phone: str = Field(max_length=40)
    reason: str = Field(min_length=1, max_length=500, description="why, in the citizen's words if possible")


@router.get("/opt-outs", tags=["opt-outs"], summary="Numbers that receive no SMS (masked)")
async def list_opt_outs(
    request: Request, _: Operator, paging: Annotated[Paging, Depends(paged(100))]
) -> Page[OptOutOut]:
    async with uow_of(request) as uow:
        await uow.snapshot()
        total = await uow.opt_outs.count()
        rows = await uow.opt_outs.list(paging.limit, paging.offset)
    items = [
        OptOutOut(
            phone=r.phone_masked,
            reason=r.reason,
            source=r.source,
            created_by=r.created_by,
            created_at=r.created_at,
        )
        for r in rows
    ]
    return paging.page(request, items, total)


@router.post("/opt-outs", tags=["opt-outs"], status_code=201, summary="Stop sending SMS to a number")
async def create_opt_out(request: Request, response: Response, who: Operator, body: OptOutIn) -> OptedOut:
    async with uow_of(request) as uow:
        try:
            e164, created = await add_opt_out(
                uow, body.phone, reason=body.reason, source="operator", by=who.sub
            )
        except InvalidPhone as exc:
            raise _phone_error(exc) from exc
        await uow.commit()
    if not created:
        response.status_code = 200
    return OptedOut(phone=mask(e164), opted_out=True, created=created)


@router.delete("/opt-outs/{phone}", tags=["opt-outs"], status_code=204, summary="Send SMS to a number again")
async def delete_opt_out(request: Request, who: Operator, phone: str) -> Response:
    async with uow_of(request) as uow:
        try:
            _, removed = await remove_opt_out(uow, phone, by=who.sub)
        except InvalidPhone as exc:
            raise _phone_error(exc) from exc
        await uow.commit()
    if not removed:
        raise HTTPException(404, "not on the opt-out list")
    return Response(status_code=204)
