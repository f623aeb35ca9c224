"""Paying an intent over HTTP: checkout, the pay page and its form, the page providers send the citizen to."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Depends, HTTPException, Request, Response, Security
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from starlette.responses import HTMLResponse

from dvc_contracts import clock
from dvc_payment.domain.access import PayAccess
from dvc_payment.domain.model import PaymentError
from dvc_payment.entrypoints import pages
from dvc_payment.entrypoints.context import PaymentContext
from dvc_payment.entrypoints.http import ERROR_STATUS, Ctx, _get, http_error
from dvc_payment.entrypoints.responses import Checkout, PayLink
from dvckit.auth.fastapi import Credentials, bearer, require_role
from dvckit.auth.jwt import Principal

# Checkout and the pay page need the intent's owner (a citizen token whose sub owns it) or a pay link we
# signed (``?exp=…&sig=…``): a payment id alone creates no provider order.
router = APIRouter(tags=["payments"])
citizen = require_role("citizen")


class StartCheckout(BaseModel):
    provider: str = Field(min_length=1, max_length=16, description="vnpay | momo | paygov")


def _link(request: Request) -> dict[str, str]:
    """The pay link's ``exp`` and ``sig``, from the query (or the result page's path)."""
    values = {**request.query_params, **request.path_params}
    return {k: values[k] for k in ("exp", "sig") if values.get(k)}


async def pay_access(
    request: Request, payment_id: str, ctx: Ctx, _: Credentials = Security(bearer)
) -> PayAccess:
    """A pay link we signed for this intent, else a citizen's token (its owner is checked with the intent):
    401 with neither, 403 for a forged or expired link or a token of another role."""
    link = _link(request)
    if link:
        try:
            ctx.pay_links.check(payment_id, link.get("exp"), link.get("sig"), clock.now())
        except PaymentError as exc:
            raise http_error(exc) from exc
        return PayAccess.by_link()
    if request.headers.get("authorization"):
        return PayAccess.by_owner((await citizen(request)).sub)
    raise HTTPException(
        401,
        detail={
            "error": "pay_link_required",
            "message": "Cần liên kết thanh toán được cấp cho bạn, hoặc đăng nhập bằng tài khoản của người nộp.",
        },
        headers={"WWW-Authenticate": "Bearer"},
    )


Access = Annotated[PayAccess, Depends(pay_access)]
# the owner's token (the bearerAuth requirement pay_access declares) or none at all: a signed pay link
OWNER_OR_LINK: dict[str, Any] = {"security": [{}]}  # FastAPI appends it to the declared requirements


def _pay_page_path(payment_id: str, link: dict[str, str]) -> str:
    return f"/payments/{payment_id}/pay" + (f"?{urlencode(link)}" if link else "")


def _choose_page(request: Request, ctx: PaymentContext, p: Any, error: str | None = None) -> HTMLResponse:
    choices = [(n, pr.display_name) for n, pr in ctx.providers.items()]
    return pages.choose_provider_page(p, choices, action=_pay_page_path(p.id, _link(request)), error=error)


async def _owned(ctx: PaymentContext, payment_id: str, access: PayAccess) -> Any:
    p = await _get(ctx, payment_id)
    try:
        access.check(p.owner_sub)
    except PaymentError as exc:
        raise http_error(exc) from exc
    return p


@router.post(
    "/payments/{payment_id}/checkout",
    status_code=201,
    openapi_extra=OWNER_OR_LINK,
    summary="Start paying with a provider → pay_url (the owner's token or a signed pay link)",
)
async def checkout(
    request: Request, payment_id: str, body: StartCheckout, ctx: Ctx, access: Access
) -> Checkout:
    try:
        result = await ctx.checkout(request, payment_id, body.provider, access=access)
    except PaymentError as exc:
        raise http_error(exc) from exc
    return Checkout(
        payment_id=result.payment_id,
        provider=result.provider,
        ref=result.ref,
        pay_url=result.pay_url,
        amount_vnd=result.amount_vnd,
        expires_at=result.expires_at,
    )


@router.get(
    "/payments/{payment_id}/link",
    summary="The owner's signed pay link, to open the pay page in a browser (the owner's citizen token)",
)
async def owner_pay_link(
    request: Request, payment_id: str, ctx: Ctx, who: Annotated[Principal, Depends(citizen)]
) -> PayLink:
    p = await _owned(ctx, payment_id, PayAccess.by_owner(who.sub))
    return PayLink(
        payment_id=p.id, pay_page=ctx.urls(request).pay_page(p.id, p.expires_at), expires_at=p.expires_at
    )


@router.get(
    "/payments/{payment_id}/pay",
    response_class=HTMLResponse,
    summary="Pay page: choose a provider",
    openapi_extra=OWNER_OR_LINK,
)
async def pay_page(request: Request, payment_id: str, ctx: Ctx, access: Access) -> HTMLResponse:
    return _choose_page(request, ctx, await _owned(ctx, payment_id, access))


@router.post(
    "/payments/{payment_id}/pay",
    summary="Pay page form: go to the chosen provider (303)",
    openapi_extra=OWNER_OR_LINK,
    status_code=303,
    response_class=RedirectResponse,
    responses={
        303: {"description": "to the provider's pay page (a refused choice: the pay page again, as HTML)"}
    },
)
async def pay_form(request: Request, payment_id: str, ctx: Ctx, access: Access) -> Response:
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
    try:
        result = await ctx.checkout(request, payment_id, form.get("provider", ""), access=access)
    except PaymentError as exc:
        if exc.code in ("not_found", "not_owner"):
            raise http_error(exc) from exc
        page = _choose_page(request, ctx, await _get(ctx, payment_id), error=exc.message)
        page.status_code = ERROR_STATUS.get(exc.code, 409)
        return page
    return RedirectResponse(result.pay_url, status_code=303)


@router.get(
    "/payments/{payment_id}/result",
    response_class=HTMLResponse,
    summary="Where providers send the citizen back",
)
@router.get("/payments/{payment_id}/result/{exp}/{sig}", response_class=HTMLResponse, include_in_schema=False)
async def result(request: Request, payment_id: str, ctx: Ctx) -> HTMLResponse:
    """Public (what GET /payments/{id} shows); "try again" carries the pay link when this page was given one."""
    p = await _get(ctx, payment_id)
    link = _link(request)
    try:
        ctx.pay_links.check(payment_id, link.get("exp"), link.get("sig"), clock.now())
    except PaymentError:
        link = {}
    return pages.result_page(p, retry_url=_pay_page_path(p.id, link), portal_url=ctx.settings.portal_url)
