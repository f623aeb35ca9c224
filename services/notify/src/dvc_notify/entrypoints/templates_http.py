"""The templates, for integrators: list, get, and a preview with personalisation, segments and cost. Public (no
token): templates hold no personal data, and a preview stores nothing."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Path, Request

from dvc_notify.domain.catalogue import PersonalisationProblems, fields, get_template, preview
from dvc_notify.domain.templates import TEMPLATES, Template, UnknownTemplate
from dvc_notify.entrypoints.api_models import (
    FieldOut,
    PreviewIn,
    PreviewOut,
    TemplateList,
    TemplateOut,
    cost_out,
)
from dvckit.app import API_PREFIX

router = APIRouter(tags=["templates"])
TemplateId = Path(max_length=64, description="A template id, e.g. `fee-refunded`")


def template_out(template: Template) -> TemplateOut:
    return TemplateOut(
        id=template.id,
        description=template.description,
        body=template.body,
        strip_diacritics=template.strip_diacritics,
        fields=[
            FieldOut(
                name=f.name,
                kind=f.kind,
                required=f.required,
                choices=dict(f.choices) if f.choices else None,
                required_when={k: list(v) for k, v in f.required_when.items()} if f.required_when else None,
            )
            for f in fields(template)
        ],
        uri=f"{API_PREFIX}/templates/{template.id}",
    )


def unknown_template(template_id: str) -> HTTPException:
    message = f"Không có mẫu tin nhắn '{template_id[:64]}'. Danh sách mẫu: GET {API_PREFIX}/templates."
    return HTTPException(404, detail={"error": "unknown_template", "message": message})


_MESSAGES = {"missing": "bắt buộc", "unknown": "mẫu tin nhắn không có trường này"}
_REASONS = {  # the domain's reasons (English, for logs) as a Vietnamese caller may show them
    "amount must be an integer number of đồng": "phải là số tiền nguyên, tính bằng đồng",
    "amount out of range": "số tiền vượt giới hạn",
    "datetime must be timezone-aware": "thời điểm phải kèm múi giờ (ví dụ +07:00)",
    "not an ISO 8601 date": "phải là ngày dạng YYYY-MM-DD",
    "expected a date": "phải là ngày dạng YYYY-MM-DD",
    "not an ISO 8601 datetime": "phải là thời điểm ISO 8601 kèm múi giờ",
    "expected a datetime": "phải là thời điểm ISO 8601 kèm múi giờ",
}


def _reason(reason: str) -> str:
    if reason.startswith("must be one of "):
        return "phải là một trong: " + reason.removeprefix("must be one of ")
    return _REASONS.get(reason, reason)


def personalisation_problem(exc: PersonalisationProblems) -> HTTPException:
    """422 naming every field in error (``personalisation.<name>``)."""
    errors = [{"field": f"personalisation.{n}", "message": _MESSAGES["missing"]} for n in exc.missing]
    errors += [{"field": f"personalisation.{n}", "message": _MESSAGES["unknown"]} for n in exc.unknown]
    errors += [{"field": f"personalisation.{n}", "message": _reason(r)} for n, r in exc.invalid.items()]
    parts = []
    if exc.missing:
        parts.append("thiếu " + ", ".join(exc.missing))
    if exc.unknown:
        parts.append("không có trong mẫu: " + ", ".join(exc.unknown))
    if exc.invalid:
        parts.append("không hợp lệ: " + ", ".join(exc.invalid))
    detail: dict[str, Any] = {
        "error": exc.code,
        "message": "Dữ liệu cá nhân hóa của tin nhắn chưa đúng — " + "; ".join(parts) + ".",
        "fields": errors,
    }
    return HTTPException(422, detail=detail)


@router.get("/templates", summary="Every SMS template, with the fields it needs")
async def list_templates() -> TemplateList:
    items = [template_out(t) for t in TEMPLATES.values()]
    return TemplateList(items=items, total=len(items))


@router.get("/templates/{template_id}", summary="One template, with the fields it needs")
async def get_one(template_id: str = TemplateId) -> TemplateOut:
    try:
        return template_out(get_template(template_id))
    except UnknownTemplate as exc:
        raise unknown_template(template_id) from exc


@router.post(
    "/templates/{template_id}/preview",
    summary="The SMS these values would give: its exact text, encoding, segments and cost",
)
async def preview_template(request: Request, body: PreviewIn, template_id: str = TemplateId) -> PreviewOut:
    try:
        rendered = preview(template_id, body.personalisation, strip_diacritics=body.strip_diacritics)
    except UnknownTemplate as exc:
        raise unknown_template(template_id) from exc
    except PersonalisationProblems as exc:
        raise personalisation_problem(exc) from exc
    est = rendered.estimate
    price: int = request.app.state.notify.settings.sms_segment_price_vnd
    return PreviewOut(
        id=template_id,
        body=rendered.text,
        encoding=est.encoding,
        segments=est.segments,
        characters=est.characters,
        cost=cost_out(est.segments, price),
    )
