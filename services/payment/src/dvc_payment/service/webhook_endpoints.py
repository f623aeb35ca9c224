"""Registering and removing agencies' webhook endpoints (who may: dvc_payment.domain.webhooks)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dvc_payment.domain.model import PaymentError
from dvc_payment.domain.webhooks import Scope, WebhookEvent, check_url, scope_for, sees
from dvc_payment.service.uow import PaymentUnitOfWork
from dvc_payment.service.webhooks import new_id, signing_secrets
from dvckit.auth.jwt import Principal


@dataclass(frozen=True)
class EndpointLimits:
    max_endpoints: int = 5
    max_url_length: int = 500
    production: bool = False


async def register(
    uow: PaymentUnitOfWork,
    who: Principal,
    *,
    url: str,
    events: list[WebhookEvent],
    agency_code: str | None,
    province_code: str | None,
    limits: EndpointLimits,
    now: datetime,
) -> tuple[Any, str]:
    """A new endpoint and its signing secret (shown to the caller once); PaymentError when not allowed."""
    scope = scope_for(who, agency_code, province_code)
    check_url(url, production=limits.production, max_length=limits.max_url_length)
    if await uow.webhooks.count_active(scope) >= limits.max_endpoints:
        raise PaymentError(
            "too_many_endpoints",
            f"Mỗi cơ quan được đăng ký tối đa {limits.max_endpoints} địa chỉ webhook cho một phạm vi; "
            "hãy xóa bớt địa chỉ cũ.",
        )
    secret = new_secret()
    endpoint_id = new_id("whe")
    kinds = list(dict.fromkeys(events or list(WebhookEvent)))
    await uow.webhooks.add_endpoint(
        {
            "id": endpoint_id,
            "agency_code": scope.agency_code,
            "province_code": scope.province_code,
            "url": url,
            "secret": secret,
            "events": ",".join(k.value for k in kinds),
            "created_by": who.sub,
            "created_at": now,
        }
    )
    return await uow.webhooks.endpoint(endpoint_id), secret


def visible_scope(
    who: Principal, agency_code: str | None, province_code: str | None
) -> tuple[str | None, str | None]:
    """(agency, province) filters of what this caller may list: an agency its own, an operator their province."""
    if who.role == "agency":
        if not who.agency or (agency_code and agency_code.upper() != who.agency.upper()):
            raise PaymentError("forbidden", "Cơ quan chỉ xem được webhook của chính mình.")
        agency_code = who.agency
    if who.province is not None:
        if province_code and province_code != who.province:
            raise PaymentError("forbidden", f"Tài khoản này chỉ xem được tỉnh/thành {who.province}.")
        province_code = who.province
    return (agency_code.upper() if agency_code else None), province_code


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


async def _visible(uow: PaymentUnitOfWork, who: Principal, endpoint_id: str, *, lock: bool = False) -> Any:
    """An active endpoint the caller sees, else not_found (another agency's endpoint is not confirmed)."""
    e = await uow.webhooks.endpoint(endpoint_id, for_update=lock)
    if e is None or e.disabled_at is not None or not sees(who, Scope(e.agency_code, e.province_code)):
        raise PaymentError("not_found", f"Không tìm thấy địa chỉ webhook {endpoint_id}.")
    return e


async def rotate(
    uow: PaymentUnitOfWork, who: Principal, endpoint_id: str, *, grace: timedelta, now: datetime
) -> tuple[Any, str]:
    """A new signing secret (shown to the caller once); the previous one signs too until ``now + grace``."""
    e = await _visible(uow, who, endpoint_id, lock=True)
    secret = new_secret()
    await uow.webhooks.rotate(endpoint_id, signing_secrets(e).rotate(secret, now, grace))
    return await uow.webhooks.endpoint(endpoint_id), secret


async def remove(uow: PaymentUnitOfWork, who: Principal, endpoint_id: str, now: datetime) -> None:
    """Stop sending to an endpoint (pending deliveries are then marked failed: endpoint_removed)."""
    await _visible(uow, who, endpoint_id)
    await uow.webhooks.disable(endpoint_id, now)
