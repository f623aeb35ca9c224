"""My dossiers, a dossier, paying its fee (dossier `GET /dossiers?mine`, `GET /dossiers/{code}`, payment
`GET /payments/{id}/link`, the SMS about it from notify `GET /citizen/sms`), and tracking a dossier by its
code without signing in (dossier `GET /track/{code}`)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from dvc_contracts import units
from dvc_contracts.codes import is_dossier_code
from dvc_portal.adapters.upstream import ServiceError, ServiceUnavailable
from dvc_portal.domain import format as fmt
from dvc_portal.domain.dossiers import history, saga_view
from dvc_portal.domain.sms import SMS_UNAVAILABLE, DossierSms, dossier_sms
from dvc_portal.domain.vocabulary import spec
from dvc_portal.entrypoints.auth import sign_in_url
from dvc_portal.entrypoints.context import portal
from dvc_portal.entrypoints.pages import citizen, render
from dvc_portal.entrypoints.web.common import log, not_found

router = APIRouter(include_in_schema=False)


@router.get("/ho-so")
async def my_dossiers(request: Request) -> Response:
    me = await citizen(request)
    if me is None:
        return RedirectResponse(sign_in_url("/ho-so"), status_code=303)
    try:
        items = await portal(request).services.my_dossiers(me.token)
    except ServiceError as exc:
        if exc.status == 401:
            return RedirectResponse(sign_in_url("/ho-so") + "&het-han=1", status_code=303)
        raise
    return await render(request, "dossiers.html", {"items": items, "title": "Hồ sơ của tôi"})


@router.get("/ho-so/{code}")
async def dossier_page(request: Request, code: str) -> Response:
    me = await citizen(request)
    if me is None:
        return RedirectResponse(sign_in_url(f"/ho-so/{code}"), status_code=303)
    if not is_dossier_code(code):
        raise not_found("Không tìm thấy hồ sơ này.")
    try:
        d = await portal(request).services.dossier(me.token, code)
    except ServiceError as exc:
        if exc.status == 401:
            return RedirectResponse(sign_in_url(f"/ho-so/{code}") + "&het-han=1", status_code=303)
        raise
    if d is None:
        raise not_found(f"Không tìm thấy hồ sơ {code} trong các hồ sơ của bạn.")
    attached, (sms, sms_problem) = await asyncio.gather(
        portal(request).services.dossier_documents(me.token, code), _sms(request, me.token, code)
    )
    q = request.query_params
    return await render(
        request,
        "dossier.html",
        {
            "d": d,
            "saga": saga_view(d.get("saga")),
            "history": history(d.get("history") or []),
            "documents": attached,
            "sms": sms,
            "sms_problem": sms_problem,
            "fields": [(spec(k).label, _shown(k, v)) for k, v in (d.get("fields") or {}).items()],
            "province": units.name(d.get("province_code")),
            "just_submitted": q.get("da-nop") == "1",
            "pay_problem": PAY_PROBLEMS.get(q.get("thanh-toan") or ""),
            "title": f"Hồ sơ {code}",
        },
    )


async def _sms(request: Request, token: str, code: str) -> tuple[DossierSms | None, str | None]:
    """The SMS list, or why there is none: the page still shows the dossier when notify is away."""
    try:
        return dossier_sms(await portal(request).services.dossier_sms(token, code)), None
    except ServiceError as exc:
        return None, exc.message if exc.status == 422 else SMS_UNAVAILABLE  # 422: no number on the account
    except ServiceUnavailable:
        return None, SMS_UNAVAILABLE


def _shown(name: str, value: Any) -> str:
    """A declared value as people read it: dates dd/mm/yyyy, amounts with '.' between thousands."""
    kind = spec(name).kind
    if kind == "date" and isinstance(value, str):
        return fmt.day(value)
    if kind == "integer" and isinstance(value, int | str) and str(value).isdigit():
        return fmt.number(int(value))
    return str(value)


PAY_PROBLEMS = {
    "cho": "Khoản thanh toán đang được khởi tạo. Vui lòng thử lại sau ít giây.",
    "khong": "Hồ sơ này hiện không có khoản nào cần thanh toán.",
    "loi": "Chưa lấy được trang thanh toán. Vui lòng thử lại sau.",
}


@router.get("/ho-so/{code}/thanh-toan")
async def pay(request: Request, code: str) -> Response:
    """The owner's signed pay link from the payment service, then the browser goes to its pay page."""
    me = await citizen(request)
    if me is None:
        return RedirectResponse(sign_in_url(f"/ho-so/{code}"), status_code=303)
    if not is_dossier_code(code):
        raise not_found("Không tìm thấy hồ sơ này.")
    services = portal(request).services
    d = await services.dossier(me.token, code)
    if d is None:
        raise not_found(f"Không tìm thấy hồ sơ {code} trong các hồ sơ của bạn.")
    saga = saga_view(d.get("saga"))
    if saga is None or not saga.can_pay or not saga.payment_id:
        return RedirectResponse(f"/ho-so/{code}?thanh-toan=khong", status_code=303)
    try:
        link = await services.pay_link(me.token, saga.payment_id)
    except ServiceError as exc:
        log.info("portal.pay_link_refused", dossier_code=code, status=exc.status, error=exc.error)
        reason = "cho" if exc.status == 404 else "loi"
        return RedirectResponse(f"/ho-so/{code}?thanh-toan={reason}", status_code=303)
    return RedirectResponse(str(link["pay_page"]), status_code=303)


# --- public tracking -----------------------------------------------------------------------------------


@router.get("/tra-cuu")
async def track(request: Request) -> Response:
    code = (request.query_params.get("ma") or "").strip().upper()
    context: dict[str, Any] = {"code": code, "title": "Tra cứu hồ sơ"}
    if not code:
        return await render(request, "track.html", context)
    if not is_dossier_code(code):
        context["error"] = "Mã hồ sơ gồm chữ cái, chữ số và dấu gạch ngang, ví dụ 01-261205-7KQ2MX."
        return await render(request, "track.html", context, 422)
    d = await portal(request).services.track(code)
    if d is None:
        context["error"] = (
            f"Không tìm thấy hồ sơ có mã {code}. Vui lòng kiểm tra lại mã trên giấy hẹn hoặc tin nhắn."
        )
        return await render(request, "track.html", context, 404)
    context |= {
        "d": d,
        "history": history(d.get("history") or []),
        "province": units.name(d.get("province_code")),
    }
    return await render(request, "track.html", context)
