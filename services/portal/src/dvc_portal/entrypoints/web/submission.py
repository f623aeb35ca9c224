"""Submitting a dossier: the form (with its files) for a procedure, then dossier `POST /dossiers` with the
citizen's token; every refusal comes back on its own input."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from dvc_contracts.clock import vn_today
from dvc_portal.adapters.upstream import ServiceError
from dvc_portal.domain import documents, forms
from dvc_portal.entrypoints import uploads
from dvc_portal.entrypoints.auth import sign_in_url
from dvc_portal.entrypoints.context import portal
from dvc_portal.entrypoints.pages import check_form, citizen, render
from dvc_portal.entrypoints.web.common import find_procedure, log, procedure_facts

router = APIRouter(include_in_schema=False)


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
    p = await find_procedure(request, code)
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
    p = await find_procedure(request, code)
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
