"""VNPay-like sandbox: the redirect pay page (signature-checked), the IPN it sends, querydr and refund."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from dvc_contracts import clock
from dvc_payment.adapters.providers import vnpay as proto
from dvc_payment.adapters.sandbox.core import Branding, SandboxCore, SandboxError
from dvc_payment.adapters.sandbox.pages import MERCHANT, error_page, pay_page, pay_routes
from dvckit.problems import json_object

BRAND = Branding("VNPAY", "#005baa")
PROVIDER = "vnpay"
# The sandbox's transaction status → (vnp_ResponseCode of the payment, vnp_TransactionStatus).
_CODES = {
    "success": ("00", "00"),
    "cancelled": ("24", "02"),
    "created": ("00", "01"),
    "processing": ("00", "01"),
}


def _codes(row: Any) -> tuple[str, str]:
    if row.status == "failed":
        return proto.REASON_CODES.get(row.result_code or "", "51"), "02"
    return _CODES.get(row.status, ("99", "02"))


def payment_params(row: Any, tmn_code: str) -> dict[str, str]:
    """The signed parameters of the IPN and of the return redirect."""
    code, status = _codes(row)
    return {
        "vnp_TmnCode": tmn_code,
        "vnp_Amount": str(row.amount_vnd * 100),
        "vnp_BankCode": "NCB",
        "vnp_BankTranNo": f"VNP{row.txn_id}",
        "vnp_CardType": "ATM",
        "vnp_PayDate": proto.vnp_time(row.completed_at or clock.now()),
        "vnp_OrderInfo": row.order_info,
        "vnp_TransactionNo": row.txn_id,
        "vnp_ResponseCode": code,
        "vnp_TransactionStatus": status,
        "vnp_TxnRef": row.ref,
    }


async def _command(core: SandboxCore, command: Any, body: dict[str, Any], row: Any) -> dict[str, Any]:
    """querydr or refund of a known transaction (the request's checksum and merchant already checked)."""
    if command == "querydr":
        _, status = _codes(row)
        return {
            "vnp_ResponseCode": "00",
            "vnp_Message": "QueryDR Success",
            "vnp_Amount": str(row.amount_vnd * 100),
            "vnp_BankCode": "NCB",
            "vnp_PayDate": proto.vnp_time(row.completed_at) if row.completed_at else "",
            "vnp_TransactionNo": row.txn_id if row.completed_at else "",
            "vnp_TransactionType": "01",
            "vnp_TransactionStatus": status,
        }
    if command == "refund":
        amount = int(str(body.get("vnp_Amount", "0"))) // 100
        refund = await core.refund(PROVIDER, str(body.get("vnp_RequestId")), row.ref, amount)
        ok = refund.status == "success"
        return {
            "vnp_ResponseCode": "00" if ok else "95",
            "vnp_Message": "Refund success" if ok else f"Refund rejected: {refund.reason}",
            "vnp_Amount": str(refund.amount_vnd * 100),
            "vnp_BankCode": "NCB",
            "vnp_PayDate": proto.vnp_time(refund.created_at),
            "vnp_TransactionNo": refund.refund_txn_id,
            "vnp_TransactionType": str(body.get("vnp_TransactionType", "02")),
            "vnp_TransactionStatus": "05" if ok else "09",
        }
    return {"vnp_ResponseCode": "99", "vnp_Message": "Unknown command"}


def build_router(core: SandboxCore) -> APIRouter:
    s = core.settings
    secret = s.vnpay_hash_secret.get_secret_value()
    router = APIRouter(prefix="/sandbox/vnpay", tags=["sandbox"], include_in_schema=True)

    async def notify(row: Any) -> bool:
        query = proto.signed_query(payment_params(row, s.vnpay_tmn_code), secret)
        resp = await core.http.request("GET", f"{row.notify_url}?{query}")
        if resp.status_code == 409:
            return True
        return resp.status_code == 200 and resp.json().get("RspCode") in ("00", "02")

    core.register_notifier(PROVIDER, notify)

    @router.get("/pay/{ref}", summary="VNPay-like pay page (vpcpay): verifies the merchant's signed redirect")
    async def pay(request: Request, ref: str) -> Response:
        params = dict(request.query_params)
        if not proto.verify_params(params, secret):
            return error_page(BRAND, "Sai chữ ký (mã lỗi 70): yêu cầu thanh toán không hợp lệ.")
        if params.get("vnp_TmnCode") != s.vnpay_tmn_code or params.get("vnp_TxnRef") != ref:
            return error_page(BRAND, "Website/mã giao dịch không hợp lệ (mã lỗi 02).")
        try:
            amount = int(params["vnp_Amount"]) // 100
            expires = proto.parse_vnp_time(params["vnp_ExpireDate"]) if params.get("vnp_ExpireDate") else None
            row = await core.create(
                PROVIDER,
                ref,
                amount_vnd=amount,
                order_info=params.get("vnp_OrderInfo", ""),
                return_url=params.get("vnp_ReturnUrl"),
                notify_url=s.sandbox_vnpay_ipn_url,
                expires_at=expires,
            )
        except (KeyError, ValueError):
            return error_page(BRAND, "Thiếu hoặc sai tham số (mã lỗi 03).")
        except SandboxError as exc:
            return error_page(BRAND, exc.message)
        return pay_page(BRAND, row, action_url=f"/sandbox/vnpay/pay/{ref}", merchant=MERCHANT)

    pay_routes(
        router,
        core,
        PROVIDER,
        BRAND,
        lambda row: proto.signed_query(payment_params(row, s.vnpay_tmn_code), secret),
        page_summary=None,
    )

    @router.post(
        "/merchant_webapi/api/transaction", summary="querydr and refund (JSON, pipe-joined HMAC-SHA512)"
    )
    async def api(request: Request) -> JSONResponse:
        body: dict[str, Any] = await json_object(request)
        command = body.get("vnp_Command")
        fields = proto.REFUND_REQUEST_FIELDS if command == "refund" else proto.QUERY_REQUEST_FIELDS
        row = await core.get(PROVIDER, str(body.get("vnp_TxnRef", "")))
        answer: dict[str, Any] = {
            "vnp_ResponseId": uuid.uuid4().hex,
            "vnp_Command": command,
            "vnp_TmnCode": s.vnpay_tmn_code,
            "vnp_TxnRef": body.get("vnp_TxnRef", ""),
            "vnp_OrderInfo": body.get("vnp_OrderInfo", ""),
        }
        if not proto.same_signature(proto.pipe_hash(body, fields, secret), str(body.get("vnp_SecureHash"))):
            answer |= {"vnp_ResponseCode": "97", "vnp_Message": "Invalid checksum"}
        elif body.get("vnp_TmnCode") != s.vnpay_tmn_code:
            answer |= {"vnp_ResponseCode": "02", "vnp_Message": "Merchant is not valid"}
        elif row is None:
            answer |= {"vnp_ResponseCode": "91", "vnp_Message": "Transaction not found"}
        else:
            answer |= await _command(core, command, body, row)
        answer["vnp_SecureHash"] = proto.pipe_hash(answer, proto.RESPONSE_FIELDS, secret)
        return JSONResponse(answer)

    return router
