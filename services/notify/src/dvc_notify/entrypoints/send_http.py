"""The send API: ``POST /v1/notifications/sms`` and ``GET /v1/notifications/{id}`` with an API key of the sending
service (``Authorization: Bearer <key>``), rate-limited per key."""

from __future__ import annotations

import math
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from dvc_contracts.phone import InvalidPhone
from dvc_notify.domain.catalogue import PersonalisationProblems
from dvc_notify.domain.templates import UnknownTemplate
from dvc_notify.entrypoints.api_models import (
    ContentOut,
    NotificationOut,
    SendSmsIn,
    TemplateRef,
    cost_out,
)
from dvc_notify.entrypoints.templates_http import personalisation_problem, unknown_template
from dvc_notify.entrypoints.wiring import Notify
from dvc_notify.service.api import ApiKey, InvalidApiKey, ReferenceReused, SendRequest, authenticate, send_sms
from dvc_notify.service.uow import NotifyUnitOfWork
from dvckit.app import API_PREFIX
from dvckit.problems import PROBLEM_RESPONSES
from dvckit.schemas import links

router = APIRouter(tags=["notifications"])
NOTIFICATION = {"path.notification_id": "$response.body#/id"}  # links: the notification an answer names

_UNAUTHENTICATED = {
    "unauthenticated": "Cần khóa API của dịch vụ gửi tin: Authorization: Bearer <khóa API>.",
    "invalid_api_key": "Khóa API không hợp lệ.",
    "api_key_revoked": "Khóa API đã bị thu hồi.",
}


def _refused(code: str) -> HTTPException:
    detail = {"error": code, "message": _UNAUTHENTICATED[code]}
    return HTTPException(401, detail=detail, headers={"WWW-Authenticate": "Bearer"})


key_scheme = HTTPBearer(
    scheme_name="notifyApiKey",
    bearerFormat="notify API key",
    description="`Authorization: Bearer <API key>`: a key of the sending service, made by a national operator "
    "(POST /v1/api-keys); a test key's messages never reach a gateway",
    auto_error=False,  # documents the scheme only: api_key reads and refuses the header itself
)


async def api_key(
    request: Request, _credentials: HTTPAuthorizationCredentials | None = Security(key_scheme)
) -> ApiKey:
    """The caller's key (401 problem when missing, unknown or revoked; 429 over the key's rate)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _refused("unauthenticated")
    uow: NotifyUnitOfWork = request.app.state.runtime.uow()
    async with uow:
        try:
            key = await authenticate(uow, token.strip())
        except InvalidApiKey as exc:
            raise _refused(exc.code) from exc
    notify: Notify = request.app.state.notify
    bucket = notify.key_limiter.bucket(key.id, time.monotonic())
    if not bucket.take(1, time.monotonic()):
        wait = max(1, math.ceil(bucket.wait_seconds(time.monotonic())))
        detail = {
            "error": "rate_limited",
            "message": f"Khóa API gửi quá nhiều yêu cầu; thử lại sau {wait} giây.",
            "retry_after_s": wait,
        }
        raise HTTPException(429, detail=detail, headers={"Retry-After": str(wait)})
    return key


Key = Annotated[ApiKey, Depends(api_key)]


def notification_out(row: Any, sender: str) -> NotificationOut:
    live = row.message_id is not None
    status = row.message_status if live else row.status
    completed = (row.delivered_at or row.failed_at) if live else row.created_at
    return NotificationOut(
        id=row.id,
        reference=row.reference,
        key_type=row.key_type,
        status=status or "created",
        failure_reason=row.failure_reason if live else None,
        phone_number=(row.message_phone if live else row.phone) or row.phone_masked,
        content=ContentOut(body=row.text, encoding=row.encoding, segments=row.segments, sender=sender),
        cost=cost_out(row.segments, row.price_per_segment_vnd),
        template=TemplateRef(id=row.template, uri=f"{API_PREFIX}/templates/{row.template}"),
        uri=f"{API_PREFIX}/notifications/{row.id}",
        created_at=row.created_at,
        sent_at=row.sent_at if live else None,
        completed_at=completed,
    )


@router.post(
    "/notifications/sms",
    status_code=201,
    summary="Send an SMS from a template (201; 200 with the first notification when the reference was used)",
    responses={
        409: {**PROBLEM_RESPONSES[404], "description": "The reference names another request"},
        **links(201, GetNotification=("get", "/v1/notifications/{notification_id}", NOTIFICATION)),
    },
)
async def send(request: Request, response: Response, key: Key, body: SendSmsIn) -> NotificationOut:
    notify: Notify = request.app.state.notify
    req = SendRequest(
        template_id=body.template_id,
        phone=body.phone_number,
        reference=body.reference,
        personalisation=dict(body.personalisation),
        strip_diacritics=body.strip_diacritics,
        dossier_code=body.dossier_code,
        province_code=body.province_code,
    )
    uow: NotifyUnitOfWork = request.app.state.runtime.uow()
    async with uow:
        try:
            row, created = await send_sms(
                uow, key, req, price_per_segment_vnd=notify.settings.sms_segment_price_vnd
            )
        except UnknownTemplate as exc:
            raise unknown_template(body.template_id) from exc
        except PersonalisationProblems as exc:
            raise personalisation_problem(exc) from exc
        except InvalidPhone as exc:
            detail = {
                "error": "invalid_phone",
                "message": exc.message_vi,
                "fields": {"phone_number": exc.message_vi},
            }
            raise HTTPException(422, detail=detail) from exc
        except ReferenceReused as exc:
            message = f"Mã tham chiếu '{body.reference}' đã được dùng cho một yêu cầu gửi tin khác."
            raise HTTPException(409, detail={"error": "reference_reused", "message": message}) from exc
        await uow.commit()
    if not created:
        response.status_code = 200
    return notification_out(row, notify.settings.brandname)


@router.get("/notifications/{notification_id}", summary="A notification of the key's own service (status)")
async def get_notification(
    request: Request, key: Key, notification_id: str = Path(max_length=36)
) -> NotificationOut:
    uow: NotifyUnitOfWork = request.app.state.runtime.uow()
    async with uow:
        row = await uow.api_notifications.view(notification_id, key.service)
    if row is None:
        message = "Không có tin nhắn này trong các tin của dịch vụ gửi tin."
        raise HTTPException(404, detail={"error": "not_found", "message": message})
    notify: Notify = request.app.state.notify
    return notification_out(row, notify.settings.brandname)
