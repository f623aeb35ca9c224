"""The citizens' pages (thin): read the request, call the services' public APIs, shape what the templates show.

| page | URL | services |
|---|---|---|
| home, search | `/`, `/tim-kiem?q=` | catalog `GET /procedures/{code}` (popular), `GET /procedures?q=` |
| procedure | `/thu-tuc/{code}` | catalog `GET /procedures/{code}` |
| submit | `/thu-tuc/{code}/nop-ho-so` | catalog, dossier `POST /dossiers` (citizen token) |
| my dossiers, a dossier | `/ho-so`, `/ho-so/{code}` | dossier `GET /dossiers?mine`, `GET /dossiers/{code}` |
| pay | `/ho-so/{code}/thanh-toan` | payment `GET /payments/{id}/link` → 303 to the signed pay page |
| public tracking | `/tra-cuu?ma=` | dossier `GET /track/{code}` |
| traffic fines | `/phat-nguoi` | payment `GET /fines/lookup`, `POST /fines/{no}/pay` |
| feedback | `/phan-anh`, `/phan-anh/{id}` | feedback `POST /feedback`, `GET /feedback?mine`, `GET /feedback/{id}` |
| SMS opt-out (entrypoints/sms.py) | `/tin-nhan` | notify `GET`/`PUT`/`DELETE /citizen/opt-out` (citizen token) |
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from dvc_contracts import phone, units
from dvc_contracts.clock import vn_today
from dvc_portal.adapters.upstream import ServiceError
from dvc_portal.domain import documents, fees, forms
from dvc_portal.domain import format as fmt
from dvc_portal.domain.dossiers import CODE_PATTERN, history, saga_view
from dvc_portal.domain.vocabulary import LEVELS, PROVIDERS, SECTORS, SERVICE_LEVELS, spec
from dvc_portal.entrypoints import uploads
from dvc_portal.entrypoints.auth import form_data, sign_in_url
from dvc_portal.entrypoints.context import portal
from dvc_portal.entrypoints.pages import check_form, citizen, render
from dvckit.logging import get_logger
from dvckit.text import fold

router = APIRouter(include_in_schema=False)
log = get_logger("dvc_portal.web")
PAGE_SIZE = 20
MAX_QUERY = 200


def _not_found(what: str) -> HTTPException:
    return HTTPException(404, detail=what)


def procedure_facts(p: dict[str, Any]) -> dict[str, Any]:
    """What a procedure page and a search result show, in words."""
    provinces = [units.name(c) for c in p.get("provinces") or []]
    level_title, level_text = SERVICE_LEVELS.get(int(p.get("service_level") or 0), ("", ""))
    return {
        "sector": SECTORS.get(p.get("sector") or "", p.get("sector") or ""),
        "level": LEVELS.get(p.get("level") or "", p.get("level") or ""),
        "service_level": p.get("service_level"),
        "service_level_title": level_title,
        "service_level_text": level_text,
        "where": ", ".join(sorted(provinces, key=fold)) if provinces else "Toàn quốc",
        "nationwide": not provinces,
        "fee": fees.explain(p.get("fee")),
    }


# --- home, search, procedure ---------------------------------------------------------------------------


@router.get("/")
async def home(request: Request) -> Response:
    popular = await portal(request).popular()
    return await render(
        request,
        "home.html",
        {
            "popular": [(p, procedure_facts(p)) for p in popular],
            "signed_out": request.query_params.get("da-dang-xuat") == "1",
        },
    )


@router.get("/tim-kiem")
async def search(request: Request) -> Response:
    q = " ".join((request.query_params.get("q") or "").split())[:MAX_QUERY]
    try:
        page = max(1, min(int(request.query_params.get("trang") or 1), 1000))
    except ValueError:
        page = 1
    if not q:
        return await render(
            request, "search.html", {"q": "", "items": [], "total": 0, "title": "Tìm thủ tục"}
        )
    result = await portal(request).services.search_procedures(
        q, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    total = int(result.get("total") or 0)
    items = [(p, procedure_facts(p)) for p in result.get("items") or []]
    return await render(
        request,
        "search.html",
        {
            "q": q,
            "items": items,
            "total": total,
            "page": page,
            "pages": max(1, math.ceil(total / PAGE_SIZE)),
            "title": f"Kết quả tìm kiếm “{q}”",
        },
    )


async def _procedure(request: Request, code: str) -> dict[str, Any]:
    if not CODE_PATTERN.match(code):
        raise _not_found("Không tìm thấy thủ tục này.")
    p = await portal(request).services.procedure(code)
    if p is None:
        raise _not_found(f"Không tìm thấy thủ tục {code}. Thủ tục có thể đã ngừng áp dụng.")
    return p


@router.get("/thu-tuc/{code}")
async def procedure_page(request: Request, code: str) -> Response:
    p = await _procedure(request, code)
    return await render(
        request,
        "procedure.html",
        {
            "p": p,
            "facts": procedure_facts(p),
            "fields": [spec(name) for name in forms.field_names(p)],
            "max_file_size": portal(request).settings.documents_max_bytes,
            "title": p.get("name"),
        },
    )


# --- submitting a dossier --------------------------------------------------------------------------------


def _prefill(me: Any) -> dict[str, str]:
    return {"applicant_name": me.name or "", "phone": me.phone or "", "citizen_id": me.citizen_id or me.sub}


async def _submit_page(
    request: Request,
    p: dict[str, Any],
    values: dict[str, str],
    errors: dict[str, str],
    problem: str | None = None,
    status_code: int = 200,
    *,
    kept: dict[str, tuple[str, str]] | None = None,
    document_errors: dict[str, str] | None = None,
) -> Response:
    fields = forms.build(p, values, errors)
    docs = documents.inputs(p, kept or {}, document_errors or {})
    summary = [(f.input_id, f.error) for f in fields if f.error]
    summary += [(d.input_id, d.error) for d in docs if d.error]
    return await render(
        request,
        "submit.html",
        {
            "p": p,
            "facts": procedure_facts(p),
            "fields": fields,
            "documents": docs,
            "documents_online_only": documents.online_only(p),
            "accept": documents.ACCEPT,
            "max_file_size": portal(request).settings.documents_max_bytes,
            "summary": summary,
            "problem": problem,
            "title": f"Nộp hồ sơ: {p.get('name')}",
        },
        status_code,
    )


@router.get("/thu-tuc/{code}/nop-ho-so")
async def submit_form(request: Request, code: str) -> Response:
    me = await citizen(request)
    if me is None:
        return RedirectResponse(sign_in_url(request.url.path), status_code=303)
    p = await _procedure(request, code)
    values = _prefill(me)
    offered = forms.province_options(p)
    if len(offered) == 1:
        values["province_code"] = offered[0][0]
    return await _submit_page(request, p, values, {})


@router.post("/thu-tuc/{code}/nop-ho-so")
async def submit(request: Request, code: str) -> Response:
    """The form with its files (multipart): each chosen file goes to the dossier service first, then the
    submission names them; the page comes back with every refusal on its own input and the rest kept."""
    me = await citizen(request)
    if me is None:
        return RedirectResponse(sign_in_url(request.url.path) + "&het-han=1", status_code=303)
    p = await _procedure(request, code)
    form, files = await uploads.read_submission(request, len(documents.required(p)))
    await check_form(request, form)
    body, errors, values = forms.validate(p, form, vn_today())
    kept = documents.kept_from_form(p, form)
    try:
        document_errors = await uploads.forward_files(request, me.token, p, kept, files)
        document_errors = documents.missing(p, kept) | document_errors  # a refused file's reason first
        if errors or document_errors:
            return await _submit_page(
                request, p, values, errors, status_code=422, kept=kept, document_errors=document_errors
            )
        if kept:
            body["documents"] = documents.references(p, kept)
        created = await portal(request).services.submit_dossier(me.token, body)
    except ServiceError as exc:
        if exc.status == 401:
            return RedirectResponse(sign_in_url(request.url.path) + "&het-han=1", status_code=303)
        if exc.status in (404, 422):
            field_errors, problem = forms.errors_from_dossier(p, exc.detail)
            document_errors = documents.errors_from_dossier(p, kept, exc.detail)
            log.info(
                "portal.submission_refused", procedure=code, error=exc.error, fields=sorted(field_errors)
            )
            return await _submit_page(
                request,
                p,
                values,
                field_errors,
                None if document_errors and not field_errors else problem,
                status_code=422,
                kept=kept,
                document_errors=document_errors,
            )
        raise
    log.info("portal.dossier_submitted", procedure=code, dossier_code=created.get("code"))
    return RedirectResponse(f"/ho-so/{created['code']}?da-nop=1", status_code=303)


# --- my dossiers, a dossier, paying --------------------------------------------------------------------


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
    if not CODE_PATTERN.match(code):
        raise _not_found("Không tìm thấy hồ sơ này.")
    try:
        d = await portal(request).services.dossier(me.token, code)
    except ServiceError as exc:
        if exc.status == 401:
            return RedirectResponse(sign_in_url(f"/ho-so/{code}") + "&het-han=1", status_code=303)
        raise
    if d is None:
        raise _not_found(f"Không tìm thấy hồ sơ {code} trong các hồ sơ của bạn.")
    attached = await portal(request).services.dossier_documents(me.token, code)
    q = request.query_params
    return await render(
        request,
        "dossier.html",
        {
            "d": d,
            "saga": saga_view(d.get("saga")),
            "history": history(d.get("history") or []),
            "documents": attached,
            "fields": [(spec(k).label, _shown(k, v)) for k, v in (d.get("fields") or {}).items()],
            "province": units.name(d.get("province_code")),
            "just_submitted": q.get("da-nop") == "1",
            "pay_problem": PAY_PROBLEMS.get(q.get("thanh-toan") or ""),
            "title": f"Hồ sơ {code}",
        },
    )


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
    if not CODE_PATTERN.match(code):
        raise _not_found("Không tìm thấy hồ sơ này.")
    services = portal(request).services
    d = await services.dossier(me.token, code)
    if d is None:
        raise _not_found(f"Không tìm thấy hồ sơ {code} trong các hồ sơ của bạn.")
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
    if not CODE_PATTERN.match(code):
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


# --- traffic fines ---------------------------------------------------------------------------------------

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


# --- feedback and petitions (phản ánh, kiến nghị) ------------------------------------------------------

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
FEEDBACK_ID = CODE_PATTERN


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
        "dossier_code": dossier if CODE_PATTERN.match(dossier) else "",
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
    if not FEEDBACK_ID.match(feedback_id):
        raise _not_found("Không tìm thấy phản ánh, kiến nghị này.")
    fb = await portal(request).services.feedback(me.token, feedback_id)
    if fb is None:
        raise _not_found(f"Không tìm thấy phản ánh, kiến nghị {feedback_id} trong các phản ánh của bạn.")
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
