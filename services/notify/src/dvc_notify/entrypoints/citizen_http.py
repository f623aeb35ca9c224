"""A citizen's own SMS: the opt-out (the portal's "Tin nhắn SMS" page) and the messages about one of their
dossiers (the portal's dossier page). The number is the one in the citizen's token (the identity provider's
``phone`` claim), never one the caller names, so a citizen can stop or restart SMS to their own number and read
what was sent to it, nothing else. Who: a citizen's bearer token (audience notify; the portal forwards it).
Province: none (a number is national). Body: at most a 500-character reason (the service's body limit applies
before it is read). The list: one dossier's messages, newest first, at most ``MY_SMS_LIMIT``.

Stopping adds the number to the opt-out list every message is checked against (``service/optouts.py``: at
creation and again before sending), source ``citizen``; restarting removes it, whoever added it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field

from dvc_contracts.codes import DOSSIER_CODE, DOSSIER_CODE_MAX
from dvc_contracts.phone import InvalidPhone, mask, normalise
from dvc_notify.entrypoints.responses import MyOptOut, MySms, MySmsItem
from dvc_notify.service.optouts import add_opt_out, remove_opt_out
from dvc_notify.service.uow import NotifyUnitOfWork
from dvckit.auth.fastapi import require_role
from dvckit.auth.jwt import Principal

router = APIRouter(tags=["opt-outs"])
Citizen = Annotated[Principal, Depends(require_role("citizen"))]
DEFAULT_REASON = "Người dân tự từ chối nhận tin nhắn trên Cổng Dịch vụ công"
MY_SMS_LIMIT = 50  # a dossier's SMS: one per step, a few dozen at most
DossierCode = Annotated[
    str, Query(max_length=DOSSIER_CODE_MAX, pattern=DOSSIER_CODE.pattern, description="the dossier's code")
]


class MyOptOutIn(BaseModel):
    reason: str | None = Field(None, max_length=500, description="why, in the citizen's words (optional)")


def _uow(request: Request) -> NotifyUnitOfWork:
    uow: NotifyUnitOfWork = request.app.state.runtime.uow()
    return uow


def _own_number(who: Principal) -> str:
    """The citizen's number (E.164) from the token, or a 422 the portal shows as it is."""
    if not who.phone:
        raise HTTPException(
            422,
            detail={
                "error": "no_phone",
                "message": "Tài khoản của bạn chưa có số điện thoại di động nên không nhận tin nhắn SMS.",
            },
        )
    try:
        return normalise(who.phone)
    except InvalidPhone as exc:
        raise HTTPException(
            422,
            detail={
                "error": "invalid_phone",
                "message": f"Số điện thoại của tài khoản không nhận được tin nhắn SMS — {exc.message_vi}",
                "reason": exc.reason,
            },
        ) from exc


def _state(e164: str, row: Any) -> MyOptOut:
    return MyOptOut(
        phone=mask(e164),
        opted_out=row is not None,
        since=row.created_at if row is not None else None,
        source=row.source if row is not None else None,
    )


@router.get("/citizen/opt-out", summary="Whether the signed-in citizen's own number receives SMS (masked)")
async def my_opt_out(request: Request, who: Citizen) -> MyOptOut:
    e164 = _own_number(who)
    async with _uow(request) as uow:
        row = await uow.opt_outs.get(e164)
    return _state(e164, row)


@router.put(
    "/citizen/opt-out",
    status_code=201,
    summary="Stop SMS to the signed-in citizen's own number (201; 200 when it was already stopped)",
)
async def stop_my_sms(
    request: Request, response: Response, who: Citizen, body: MyOptOutIn | None = None
) -> MyOptOut:
    e164 = _own_number(who)
    reason = " ".join(((body.reason if body else None) or "").split()) or DEFAULT_REASON
    async with _uow(request) as uow:
        _, created = await add_opt_out(uow, e164, reason=reason, source="citizen", by=who.sub)
        row = await uow.opt_outs.get(e164)
        await uow.commit()
    if not created:
        response.status_code = 200
    return _state(e164, row)


@router.delete("/citizen/opt-out", summary="Send SMS to the signed-in citizen's own number again")
async def restart_my_sms(request: Request, who: Citizen) -> MyOptOut:
    e164 = _own_number(who)
    async with _uow(request) as uow:
        await remove_opt_out(uow, e164, by=who.sub)
        await uow.commit()
    return _state(e164, None)


@router.get(
    "/citizen/sms",
    summary="The SMS about one dossier sent to the signed-in citizen's own number (newest first, at most 50)",
)
async def my_sms(request: Request, who: Citizen, dossier_code: DossierCode) -> MySms:
    e164 = _own_number(who)
    async with _uow(request) as uow:
        rows = await uow.messages.search(
            dossier_code=dossier_code, status=None, limit=MY_SMS_LIMIT, phone=e164
        )
    items = [
        MySmsItem(
            template=r.template, text=r.text, status=r.status, created_at=r.created_at,
            sent_at=r.sent_at, delivered_at=r.delivered_at,
        )
        for r in rows
    ]  # fmt: skip
    return MySms(phone=mask(e164), items=items)
