"""The operators' SMS routes: the cost preview of a text, messages by dossier code and status, a message's
receipts. The opt-out list is in ``optouts_http``, the providers and the sandbox in ``providers_http``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field

from dvc_notify.domain.encoding import estimate
from dvc_notify.domain.status import ALL_STATUSES
from dvc_notify.entrypoints.http_support import Operator, uow_of
from dvc_notify.entrypoints.responses import EstimateOut, MessageOut, Receipts
from dvckit.paging import Page, Paging, cursor_paged

router = APIRouter()


# --- cost preview (pinned contract) -----------------------------------------------------------------


class EstimateIn(BaseModel):
    text: str = Field(max_length=5000)
    strip_diacritics: bool = False


@router.post("/sms/estimate", tags=["sms"], summary="Encoding, segments and the text that would be sent")
async def sms_estimate(body: EstimateIn) -> EstimateOut:
    e = estimate(body.text, strip_diacritics=body.strip_diacritics)
    return EstimateOut(encoding=e.encoding, segments=e.segments, characters=e.characters, text=e.text)


# --- messages -----------------------------------------------------------------------------------------


@router.get(
    "/sms",
    tags=["sms"],
    summary="Messages by dossier code and status (phone numbers masked; a province's operator: its own)",
)
async def list_messages(
    request: Request,
    who: Operator,
    paging: Annotated[Paging, Depends(cursor_paged(100))],
    dossier_code: str | None = None,
    status: str | None = None,
) -> Page[MessageOut]:
    if status is not None and status not in ALL_STATUSES:
        raise HTTPException(422, f"status must be one of {', '.join(ALL_STATUSES)}")
    after = paging.cursor_values(_instant, str)  # paged by key: every SMS ever sent
    async with uow_of(request) as uow:
        rows = await uow.messages.search(
            dossier_code=dossier_code,
            status=status,
            limit=paging.probe,  # not counted: one more row tells if a page follows
            offset=paging.offset,
            province=who.province,
            after=(after[0], after[1]) if after else None,
        )
    return paging.keyset_page(request, rows, _message, key=lambda r: (r.created_at.isoformat(), r.id))


def _instant(value: str) -> datetime:
    """A cursor's time: ISO 8601 with its offset (as the list wrote it)."""
    at = datetime.fromisoformat(value)
    if at.tzinfo is None:
        raise ValueError("a time without its offset")
    return at


def _message(r: Any) -> MessageOut:
    return MessageOut(
        id=r.id,
        dossier_code=r.dossier_code,
        province_code=r.province_code,
        phone=r.phone_masked,
        template=r.template,
        text=r.text,
        encoding=r.encoding,
        segments=r.segments,
        provider=r.provider,
        status=r.status,
        failure_reason=r.failure_reason,
        sending_service=r.sending_service,
        attempts=r.attempts,
        next_attempt_at=r.next_attempt_at,
        created_at=r.created_at,
        sent_at=r.sent_at,
        delivered_at=r.delivered_at,
        failed_at=r.failed_at,
    )


@router.get("/sms/{message_id}/receipts", tags=["sms"], summary="Every receipt received for a message")
async def message_receipts(request: Request, who: Operator, message_id: str) -> Receipts:
    async with uow_of(request) as uow:
        message = await uow.messages.get(message_id)
        if message is None or (who.province is not None and message.province_code != who.province):
            raise HTTPException(404, detail={"error": "not_found", "message": "Không có tin nhắn này."})
        rows = await uow.receipts.for_message(message_id)
    return Receipts.model_validate(
        {
            "items": [
                {
                    "provider": r.provider,
                    "provider_ref": r.provider_ref,
                    "status": r.status,
                    "error_code": r.error_code,
                    "outcome": r.outcome,
                    "reported_at": r.reported_at,
                    "received_at": r.received_at,
                }
                for r in rows
            ]
        }
    )
