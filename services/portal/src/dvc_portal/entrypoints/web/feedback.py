"""Feedback and petitions (phản ánh, kiến nghị): feedback `POST /feedback`, `GET /feedback?mine`,
`GET /feedback/{id}`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from dvc_contracts import units
from dvc_contracts.codes import DOSSIER_CODE, is_dossier_code
from dvc_portal.adapters.upstream import ServiceError
from dvc_portal.entrypoints.auth import form_data, sign_in_url
from dvc_portal.entrypoints.context import portal
from dvc_portal.entrypoints.pages import check_form, citizen, render
from dvc_portal.entrypoints.web.common import log, not_found
from dvckit.text import fold

router = APIRouter(include_in_schema=False)

FEEDBACK_FIELDS = (
    "kind",
    "category",
    "title",
    "content",
    "province_code",
    "dossier_code",
    "procedure_code",
    "phone",
)
FEEDBACK_ID = DOSSIER_CODE  # a feedback id has a dossier code's shape


async def _feedback_page(
    request: Request,
    values: dict[str, str],
    errors: dict[str, str],
    problem: str | None = None,
    status: int = 200,
) -> Response:
    me = await citizen(request)
    services = portal(request).services
    reference = await services.feedback_categories()
    items = await services.my_feedback(me.token) if me else []
    anchors = {"subject": "fb-dossier_code", "kind": "fb-kind-feedback"}
    summary = [(anchors.get(k, f"fb-{k}"), v) for k, v in errors.items()]
    return await render(
        request,
        "feedback.html",
        {
            "values": values,
            "errors": errors,
            "summary": summary,
            "problem": problem,
            "kinds": reference.get("kinds") or {},
            "categories": reference.get("categories") or {},
            "provinces": [(u.code, u.name) for u in sorted(units.CURRENT, key=lambda u: fold(u.name))],
            "items": items,
            "title": "Phản ánh, kiến nghị",
        },
        status,
    )


@router.get("/phan-anh")
async def feedback_home(request: Request) -> Response:
    me = await citizen(request)
    if me is None:
        return RedirectResponse(sign_in_url("/phan-anh"), status_code=303)
    dossier = (request.query_params.get("ho-so") or "").strip()
    values = {
        "kind": "feedback",
        "phone": me.phone or "",
        "dossier_code": dossier if is_dossier_code(dossier) else "",
    }
    return await _feedback_page(request, values, {})


@router.post("/phan-anh")
async def feedback_submit(request: Request) -> Response:
    form = await form_data(request)
    me = await citizen(request)
    if me is None:
        return RedirectResponse(sign_in_url("/phan-anh") + "&het-han=1", status_code=303)
    await check_form(request, form)
    values = {k: (form.get(k) or "").strip() for k in FEEDBACK_FIELDS}
    body = {k: v for k, v in values.items() if v}
    try:
        created = await portal(request).services.submit_feedback(me.token, body)
    except ServiceError as exc:
        if exc.status == 422:
            errors = {str(e.get("field")): str(e.get("message")) for e in exc.detail.get("errors") or []}
            return await _feedback_page(request, values, errors, None if errors else exc.message, 422)
        raise
    log.info("portal.feedback_submitted", feedback_id=created.get("id"))
    return RedirectResponse(f"/phan-anh/{created['id']}?da-gui=1", status_code=303)


@router.get("/phan-anh/{feedback_id}")
async def feedback_detail(request: Request, feedback_id: str) -> Response:
    me = await citizen(request)
    if me is None:
        return RedirectResponse(sign_in_url(f"/phan-anh/{feedback_id}"), status_code=303)
    if not FEEDBACK_ID.fullmatch(feedback_id):
        raise not_found("Không tìm thấy phản ánh, kiến nghị này.")
    fb = await portal(request).services.feedback(me.token, feedback_id)
    if fb is None:
        raise not_found(f"Không tìm thấy phản ánh, kiến nghị {feedback_id} trong các phản ánh của bạn.")
    return await render(
        request,
        "feedback_detail.html",
        {
            "fb": fb,
            "statuses": (await portal(request).services.feedback_categories()).get("statuses") or {},
            "just_sent": request.query_params.get("da-gui") == "1",
            "title": f"Phản ánh {feedback_id}",
        },
    )
