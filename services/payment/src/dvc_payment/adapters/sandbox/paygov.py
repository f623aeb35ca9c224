"""PayGov-like sandbox (national payment platform): signed JSON API (X-PayGov-* headers), pay page, signed
notification to the merchant, status and refund APIs. Answers are signed the same way."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from dvc_contracts import clock
from dvc_payment.adapters.providers import paygov as proto
from dvc_payment.adapters.providers.base import CallbackRejected
from dvc_payment.adapters.sandbox.core import Branding, SandboxCore, SandboxError
from dvc_payment.adapters.sandbox.pages import pay_routes

BRAND = Branding("PayGov — Nền tảng thanh toán quốc gia", "#b91c1c")
PROVIDER = "paygov"
_STATUS = {"success": "SUCCESS", "failed": "FAILED", "cancelled": "CANCELLED", "created": "CREATED",
           "processing": "PROCESSING"}  # fmt: skip


def notification(row: Any, merchant: str) -> dict[str, Any]:
    """The signed notification to the merchant, also the body of the status answer."""
    return {
        "merchant_id": merchant,
        "order_ref": row.ref,
        "transaction_id": row.txn_id,
        "amount": row.amount_vnd,
        "status": _STATUS.get(row.status, "FAILED"),
        "reason_code": row.result_code if row.status in ("failed", "cancelled") else None,
        "paid_at": row.completed_at.isoformat() if row.completed_at else None,
    }


async def _create(core: SandboxCore, body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """An order from the merchant's (verified) request → the answer and its status code."""
    try:
        expires = datetime.fromisoformat(body["expires_at"]) if body.get("expires_at") else None
        await core.create(
            PROVIDER,
            str(body["order_ref"]),
            amount_vnd=int(body["amount"]),
            order_info=str(body.get("description", "")),
            return_url=body.get("return_url"),
            notify_url=body.get("notify_url"),
            expires_at=expires,
        )
    except (KeyError, ValueError):
        return {"error": "invalid_request"}, 400
    except SandboxError as exc:
        return {"error": exc.code}, 409
    ref = body["order_ref"]
    return {"order_ref": ref, "status": "CREATED", "payment_url": f"/sandbox/paygov/pay/{ref}"}, 201


def build_router(core: SandboxCore) -> APIRouter:
    s = core.settings
    secret, merchant = s.paygov_secret.get_secret_value(), s.paygov_merchant_id
    max_age = timedelta(seconds=s.callback_max_age_seconds)
    router = APIRouter(prefix="/sandbox/paygov", tags=["sandbox"])

    def signed(body: dict[str, Any], status_code: int = 200) -> Response:
        raw = proto.dumps(body)
        return Response(raw, status_code=status_code, headers=proto.signed_headers(secret, merchant, raw))

    async def verified(request: Request) -> bytes | None:
        raw = await request.body()
        try:
            proto.verify_headers(secret, dict(request.headers), raw, clock.now(), max_age)
        except CallbackRejected:
            return None
        return raw if request.headers.get(proto.H_MERCHANT) == merchant else None

    async def notify(row: Any) -> bool:
        raw = proto.dumps(notification(row, merchant))
        headers = proto.signed_headers(secret, merchant, raw)
        resp = await core.http.request("POST", row.notify_url, content=raw, headers=headers)
        return resp.status_code in (200, 409)

    core.register_notifier(PROVIDER, notify)

    @router.post("/api/v1/payments", summary="Create an order → payment_url (signed request and answer)")
    async def create(request: Request) -> Response:
        raw = await verified(request)
        if raw is None:
            return signed({"error": "invalid_signature"}, 401)
        return signed(*await _create(core, json.loads(raw)))

    pay_routes(
        router,
        core,
        PROVIDER,
        BRAND,
        lambda row: urlencode({"order_ref": row.ref, "status": _STATUS.get(row.status, "FAILED")}),
        page_summary="PayGov-like pay page",
    )

    @router.get("/api/v1/payments/{ref}", summary="Order status (signed)")
    async def status(request: Request, ref: str) -> Response:
        if await verified(request) is None:
            return signed({"error": "invalid_signature"}, 401)
        row = await core.get(PROVIDER, ref)
        if row is None:
            return signed({"order_ref": ref, "status": "NOT_FOUND", "amount": 0})
        return signed(notification(row, merchant) | {"refunded_amount": row.refunded_vnd})

    @router.post("/api/v1/refunds", summary="Refund (idempotent by refund_ref)")
    async def refund(request: Request) -> Response:
        raw = await verified(request)
        if raw is None:
            return signed({"error": "invalid_signature"}, 401)
        body = json.loads(raw)
        r = await core.refund(
            PROVIDER, str(body.get("refund_ref")), str(body.get("order_ref")), int(body.get("amount", 0))
        )
        return signed(
            {
                "refund_ref": r.request_id,
                "refund_id": r.refund_txn_id,
                "amount": r.amount_vnd,
                "status": "SUCCESS" if r.status == "success" else "REJECTED",
                "reason_code": r.reason,
            }
        )

    return router
