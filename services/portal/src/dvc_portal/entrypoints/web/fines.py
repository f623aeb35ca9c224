"""Traffic fines: the three facts' lookup (payment `GET /fines/lookup`) and paying one (`POST /fines/{no}/pay`),
with an optional mobile number for the SMS receipt."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from dvc_contracts import phone, units
from dvc_contracts.clock import vn_today
from dvc_portal.adapters.upstream import ServiceError
from dvc_portal.domain import forms
from dvc_portal.domain.vocabulary import PROVIDERS
from dvc_portal.entrypoints.auth import form_data
from dvc_portal.entrypoints.context import portal
from dvc_portal.entrypoints.pages import check_form, citizen, render

router = APIRouter(include_in_schema=False)

FINE_FIELDS = ("record_no", "violation_date", "name")


def _client_ip(request: Request) -> str:
    return portal(request).settings.proxies.of(request)


def _fine_values(form: dict[str, str]) -> tuple[dict[str, str], dict[str, str], str | None]:
    values = {k: " ".join(form.get(k, "").split()) for k in FINE_FIELDS}
    errors: dict[str, str] = {}
    if not values["record_no"] or len(values["record_no"]) > 64:
        errors["record_no"] = "Vui lòng nhập số biên bản vi phạm (tối đa 64 ký tự)."
    day = forms.parse_date(values["violation_date"]) if values["violation_date"] else None
    if day is None:
        errors["violation_date"] = "Vui lòng nhập ngày vi phạm theo dạng ngày/tháng/năm, ví dụ 10/11/2026."
    elif day > vn_today():
        errors["violation_date"] = "Ngày vi phạm không được sau ngày hôm nay."
    if not 2 <= len(values["name"]) <= 200:
        errors["name"] = "Vui lòng nhập họ và tên người vi phạm như trên biên bản."
    return values, errors, day.isoformat() if day else None


@router.get("/phat-nguoi")
async def fines_page(request: Request) -> Response:
    return await render(
        request, "fines.html", {"values": {}, "errors": {}, "title": "Tra cứu và nộp phạt giao thông"}
    )


async def _fine_page(
    request: Request, context: dict[str, Any], iso: str, receipt: str = "", receipt_error: str | None = None
) -> Response:
    """The decision the three facts name (payment's lookup), with its pay form; ``receipt``: the mobile number
    for the SMS receipt (by default the signed-in citizen's), ``receipt_error`` what is wrong with it."""
    values = context["values"]
    try:
        fine = await portal(request).services.fine_lookup(
            values["record_no"], iso, values["name"], _client_ip(request)
        )
    except ServiceError as exc:
        context["problem"] = exc.message
        return await render(request, "fines.html", context, 429 if exc.status == 429 else 422)
    if fine is None:
        context["problem"] = (
            "Không tìm thấy quyết định xử phạt khớp với số biên bản, ngày vi phạm và họ tên đã nhập. "
            "Vui lòng kiểm tra lại từng thông tin."
        )
        return await render(request, "fines.html", context, 404)
    if not receipt and not receipt_error:
        me = await citizen(request)
        receipt = (me.phone or "") if me else ""
    context |= {
        "fine": fine,
        "providers": PROVIDERS,
        "province": units.name(fine.get("province_code")),
        "receipt": receipt,
        "receipt_error": receipt_error,
    }
    return await render(request, "fines.html", context, 422 if receipt_error else 200)


@router.post("/phat-nguoi")
async def fine_lookup(request: Request) -> Response:
    form = await form_data(request)
    await check_form(request, form)
    values, errors, iso = _fine_values(form)
    context: dict[str, Any] = {"values": values, "errors": errors, "title": "Tra cứu và nộp phạt giao thông"}
    if errors or iso is None:
        return await render(request, "fines.html", context, 422)
    return await _fine_page(request, context, iso)


@router.post("/phat-nguoi/nop")
async def fine_pay(request: Request) -> Response:
    form = await form_data(request)
    await check_form(request, form)
    values, errors, iso = _fine_values(form)
    provider = form.get("provider", "")
    decision_no = form.get("decision_no", "").strip()
    context: dict[str, Any] = {"values": values, "errors": errors, "title": "Tra cứu và nộp phạt giao thông"}
    if errors or iso is None or not decision_no or len(decision_no) > 64:
        return await render(request, "fines.html", context, 422)
    if provider not in PROVIDERS:
        context["problem"] = "Vui lòng chọn một cách thanh toán."
        return await render(request, "fines.html", context, 422)
    typed = " ".join(form.get("phone", "").split())[:32]
    body = {
        "record_no": values["record_no"],
        "violation_date": iso,
        "name": values["name"],
        "provider": provider,
    }
    if typed:  # the SMS receipt (optional): a number the SMS gateway can reach, or the form again
        try:
            body["phone"] = phone.normalise(typed)
        except phone.InvalidPhone as exc:
            return await _fine_page(request, context, iso, typed, f"{exc.message_vi} Ví dụ: 0912345678.")
    try:
        result = await portal(request).services.pay_fine(decision_no, body, _client_ip(request))
    except ServiceError as exc:
        context["problem"] = exc.message
        return await render(request, "fines.html", context, 409 if exc.status == 409 else 422)
    return RedirectResponse(str(result.get("pay_url") or result["pay_page"]), status_code=303)
