"""Signed server-to-server callbacks from the providers. The signature (and freshness) is verified before
anything is read into the service; a replay, an unknown order or a wrong amount is refused and logged (a wrong
amount is also kept in the intent's history), and answered as the provider's protocol asks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import JSONResponse

from dvc_contracts import clock
from dvc_payment.adapters.providers.base import CallbackInput, CallbackRejected, Provider
from dvc_payment.entrypoints.context import PaymentContext, context
from dvc_payment.service.notices import apply_notice, record_callback_metric
from dvckit.app import provider_protocol
from dvckit.logging import get_logger
from dvckit.problems import MEDIA_TYPE

router = provider_protocol(APIRouter(tags=["callbacks"]))
Ctx = Annotated[PaymentContext, Depends(context)]
log = get_logger("dvc_payment.callbacks")
REFUSED = ("replayed", "unknown_ref", "amount_mismatch")


def _reply(provider: Provider, outcome: str) -> Response:
    status, body = provider.callback_reply(outcome)
    if body is None:
        return Response(status_code=status)
    problem = (
        status >= 400 and "type" in body
    )  # our own platform's refusal (PayGov): the kit's problem format
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE if problem else None)


async def _handle(ctx: PaymentContext, request: Request, name: str) -> Response:
    provider = ctx.providers.get(name)
    if provider is None:
        raise HTTPException(404, detail={"error": "unknown_provider", "message": name})
    cb = CallbackInput(
        request.method, dict(request.query_params), dict(request.headers), await request.body()
    )
    now = clock.now()
    client_ip = ctx.client_ip(request)
    try:
        notice = provider.verify_callback(cb, now)
    except CallbackRejected as exc:
        # Never log the payload itself (account and card details travel in it).
        log.warning(
            "payment.callback_rejected",
            provider=name,
            reason=exc.reason,
            detail=exc.message,
            client_ip=client_ip,
        )
        record_callback_metric(name, exc.reason)
        return _reply(provider, exc.reason)
    async with ctx.uow() as uow:
        outcome = await apply_notice(uow, name, notice, source="callback", now=now, policy=ctx.policy)
        await uow.commit()  # a refusal writes nothing, except the record of an amount mismatch
    record_callback_metric(name, outcome)
    if outcome in REFUSED:
        log.warning(
            "payment.callback_rejected", provider=name, reason=outcome, ref=notice.ref, client_ip=client_ip
        )
    else:
        log.info("payment.callback", provider=name, ref=notice.ref, outcome=outcome, result=notice.outcome)
    return _reply(provider, outcome)


@router.get("/callbacks/vnpay", summary="VNPay-like IPN (GET, vnp_SecureHash HMAC-SHA512)")
async def vnpay_ipn(request: Request, ctx: Ctx) -> Response:
    return await _handle(ctx, request, "vnpay")


@router.post("/callbacks/momo", summary="MoMo-like IPN (POST JSON, signature HMAC-SHA256)")
async def momo_ipn(request: Request, ctx: Ctx) -> Response:
    return await _handle(ctx, request, "momo")


@router.post("/callbacks/paygov", summary="PayGov-like notification (POST JSON, X-PayGov-Signature)")
async def paygov_notify(request: Request, ctx: Ctx) -> Response:
    return await _handle(ctx, request, "paygov")
