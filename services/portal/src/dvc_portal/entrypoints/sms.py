"""The citizen's SMS page (``/tin-nhan``): whether their number receives the portal's SMS, and stopping or
restarting them. The number is the account's (the token's ``phone``); notify keeps the list
(``GET``/``PUT``/``DELETE /citizen/opt-out`` with the citizen's token). Signed-in citizens only; the form carries the
anti-forgery token; the reason is at most 500 characters (the portal's body limit applies first)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from dvc_portal.adapters.upstream import ServiceError
from dvc_portal.domain import sms
from dvc_portal.entrypoints.auth import form_data, sign_in_url
from dvc_portal.entrypoints.context import portal
from dvc_portal.entrypoints.pages import check_form, citizen, render
from dvckit.logging import get_logger

router = APIRouter(include_in_schema=False)
log = get_logger("dvc_portal.sms")
PATH = "/tin-nhan"
TITLE = "Tin nhắn SMS"


async def _page(
    request: Request, answer: dict[str, Any] | None, values: dict[str, str], status: int = 200, **extra: Any
) -> Response:
    context: dict[str, Any] = {
        "title": TITLE,
        "pref": sms.preference(answer) if answer else None,
        "triggers": sms.TRIGGERS,
        "saved": sms.SAVED.get(request.query_params.get("da-luu") or ""),
        "values": values,
        "max_reason": sms.MAX_REASON,
        "error": None,
        "problem": None,
    }
    return await render(request, "sms.html", context | extra, status)


@router.get(PATH)
async def sms_page(request: Request) -> Response:
    me = await citizen(request)
    if me is None:
        return RedirectResponse(sign_in_url(PATH), status_code=303)
    try:
        answer = await portal(request).services.sms_opt_out(me.token)
    except ServiceError as exc:
        if exc.status == 401:
            return RedirectResponse(sign_in_url(PATH) + "&het-han=1", status_code=303)
        if exc.status == 422:  # no usable mobile number on the account
            return await _page(request, None, {}, problem=exc.message)
        raise
    return await _page(request, answer, {})


@router.post(PATH)
async def sms_change(request: Request) -> Response:
    form = await form_data(request)
    me = await citizen(request)
    if me is None:
        return RedirectResponse(sign_in_url(PATH) + "&het-han=1", status_code=303)
    await check_form(request, form)
    action = form.get("action", "")
    reason, error = sms.clean_reason(form.get("reason"))
    services = portal(request).services
    if action not in sms.ACTIONS:
        return RedirectResponse(PATH, status_code=303)
    if error:
        answer = await services.sms_opt_out(me.token)
        return await _page(request, answer, {"reason": reason or ""}, 422, error=error)
    try:
        if action == "dung":
            await services.stop_sms(me.token, reason)
        else:
            await services.restart_sms(me.token)
    except ServiceError as exc:
        if exc.status == 401:
            return RedirectResponse(sign_in_url(PATH) + "&het-han=1", status_code=303)
        if exc.status == 422:
            return await _page(request, None, {}, 422, problem=exc.message)
        raise
    log.info("portal.sms_preference_changed", action=action)
    return RedirectResponse(f"{PATH}?da-luu={action}", status_code=303)
