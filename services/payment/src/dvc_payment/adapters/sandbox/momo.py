"""MoMo-like sandbox: create (JSON, signed) → pay page → signed IPN (POST JSON); query and refund APIs."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from dvc_contracts import clock
from dvc_payment.adapters.providers import momo as proto
from dvc_payment.adapters.providers.base import same_signature
from dvc_payment.adapters.sandbox.core import Branding, SandboxCore, SandboxError
from dvc_payment.adapters.sandbox.pages import pay_routes
from dvckit.problems import json_object

BRAND = Branding("Ví MoMo", "#a50064")
PROVIDER = "momo"
_MESSAGES = {0: "Thành công.", 1000: "Giao dịch đang chờ người dùng xác nhận.", 7000: "Giao dịch đang được xử lý.",
             1006: "Người dùng đã từ chối thanh toán.", 1001: "Tài khoản không đủ số dư.",
             1005: "Giao dịch hết hạn.", 42: "Không tìm thấy giao dịch.", 11: "Truy cập bị từ chối (sai chữ ký)."}  # fmt: skip


def result_code(row: Any) -> int:
    if row.status == "success":
        return 0
    if row.status == "cancelled":
        return 1006
    if row.status == "failed":
        return proto.REASON_CODES.get(row.result_code or "", 1001)
    return 7000 if row.status == "processing" else 1000


async def _create(core: SandboxCore, body: dict[str, Any]) -> dict[str, Any]:
    """A wallet payment from the merchant's (verified) request: the answer's values."""
    try:
        await core.create(
            PROVIDER,
            str(body["orderId"]),
            amount_vnd=int(body["amount"]),
            order_info=str(body.get("orderInfo", "")),
            return_url=body.get("redirectUrl"),
            notify_url=body.get("ipnUrl"),
            expires_at=None,
            extra={"requestId": body.get("requestId")},
        )
    except SandboxError as exc:
        return {"orderId": body.get("orderId"), "resultCode": 41, "message": exc.message}
    return {
        "orderId": body["orderId"],
        "requestId": body.get("requestId"),
        "amount": body["amount"],
        "resultCode": 0,
        "payUrl": f"/sandbox/momo/pay/{body['orderId']}",
    }


async def _refund(core: SandboxCore, body: dict[str, Any]) -> dict[str, Any]:
    """A refund of a paid transaction (the request's signature already checked): the answer's values."""
    t = await core.find_by_txn(PROVIDER, str(body.get("transId")))
    if t is None:
        return {"resultCode": 42, "amount": body.get("amount"), "transId": 0}
    r = await core.refund(PROVIDER, str(body.get("requestId")), t.ref, int(body.get("amount", 0)))
    ok = r.status == "success"
    return {
        "resultCode": 0 if ok else 1080,
        "message": "Hoàn tiền thành công." if ok else f"Hoàn tiền bị từ chối: {r.reason}",
        "amount": r.amount_vnd,
        "transId": int(r.refund_txn_id),
    }


def build_router(core: SandboxCore) -> APIRouter:
    s = core.settings
    access, secret = s.momo_access_key, s.momo_secret_key.get_secret_value()
    router = APIRouter(prefix="/sandbox/momo", tags=["sandbox"])

    def sign(values: dict[str, Any], fields: tuple[str, ...]) -> str:
        return proto.sign(values, fields, access, secret)

    def ipn_body(row: Any) -> dict[str, Any]:
        code = result_code(row)
        body: dict[str, Any] = {
            "partnerCode": s.momo_partner_code,
            "orderId": row.ref,
            "requestId": core.extra(row).get("requestId") or row.ref,
            "amount": row.amount_vnd,
            "orderInfo": row.order_info,
            "orderType": "momo_wallet",
            "transId": int(row.txn_id),
            "resultCode": code,
            "message": _MESSAGES.get(code, "Lỗi."),
            "payType": "qr",
            "responseTime": int(clock.now().timestamp() * 1000),
            "extraData": "",
        }
        body["signature"] = sign(body, proto.IPN_FIELDS)
        return body

    async def notify(row: Any) -> bool:
        resp = await core.http.request("POST", row.notify_url, json=ipn_body(row))
        return resp.status_code in (200, 204, 409)

    core.register_notifier(PROVIDER, notify)

    def answer(values: dict[str, Any]) -> JSONResponse:
        values = {
            "partnerCode": s.momo_partner_code,
            "responseTime": int(clock.now().timestamp() * 1000),
            **values,
        }
        values.setdefault("message", _MESSAGES.get(int(values.get("resultCode", 99)), "Lỗi."))
        values["signature"] = sign(values, proto.ANSWER_FIELDS)
        return JSONResponse(values)

    def verified(body: dict[str, Any], fields: tuple[str, ...]) -> bool:
        return body.get("partnerCode") == s.momo_partner_code and same_signature(
            sign(body, fields), body.get("signature")
        )

    @router.post("/v2/gateway/api/create", summary="Create a wallet payment (captureWallet) → payUrl")
    async def create(request: Request) -> JSONResponse:
        body: dict[str, Any] = await json_object(request)
        if not verified(body, proto.CREATE_FIELDS):
            return answer(
                {"orderId": body.get("orderId"), "requestId": body.get("requestId"), "resultCode": 11}
            )
        return answer(await _create(core, body))

    pay_routes(
        router, core, PROVIDER, BRAND, lambda row: urlencode(ipn_body(row)), page_summary="MoMo-like pay page"
    )

    @router.post("/v2/gateway/api/query", summary="Transaction status")
    async def query(request: Request) -> JSONResponse:
        body: dict[str, Any] = await json_object(request)
        base = {"orderId": body.get("orderId"), "requestId": body.get("requestId"), "extraData": ""}
        if not verified(body, proto.QUERY_FIELDS):
            return answer(base | {"resultCode": 11})
        row = await core.get(PROVIDER, str(body.get("orderId")))
        if row is None:
            return answer(base | {"resultCode": 42, "amount": 0, "transId": 0, "payType": ""})
        paid = row.status in ("success", "failed", "cancelled")
        return answer(
            base
            | {
                "resultCode": result_code(row),
                "amount": row.amount_vnd,
                "transId": int(row.txn_id) if paid else 0,
                "payType": "qr",
            }
        )

    @router.post("/v2/gateway/api/refund", summary="Refund a paid transaction (idempotent by requestId)")
    async def refund(request: Request) -> JSONResponse:
        body: dict[str, Any] = await json_object(request)
        base = {
            "orderId": body.get("orderId"),
            "requestId": body.get("requestId"),
            "extraData": "",
            "payType": "",
        }
        if not verified(body, proto.REFUND_FIELDS):
            return answer(base | {"resultCode": 11, "amount": body.get("amount"), "transId": 0})
        return answer(base | await _refund(core, body))

    return router
