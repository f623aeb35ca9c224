"""Public routes (no token): the kinds, categories and statuses with their labels, and the published answers
(no personal data)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from dvc_feedback.domain.model import CATEGORIES, KINDS, STATUS_LABELS, Feedback, redact_numbers
from dvc_feedback.entrypoints.http_support import Paged, uow_of
from dvc_feedback.entrypoints.responses import Categories, PublishedAnswer
from dvckit.paging import Page

router = APIRouter()


def public_out(fb: Feedback) -> PublishedAnswer:
    """A published answer: no name, phone, organisation, dossier code or content; long numbers masked."""
    return PublishedAnswer.model_validate(
        {
            "id": fb.id,
            "kind": fb.kind,
            "kind_label": KINDS[fb.kind],
            "category": fb.category,
            "category_label": CATEGORIES.get(fb.category, fb.category),
            "province_code": fb.province_code,
            "agency_code": fb.agency_code,
            "procedure_code": fb.procedure_code,
            "title": redact_numbers(fb.title),
            "answer": redact_numbers(fb.answer or ""),
            "status": fb.status,
            "received_at": fb.received_at,
            "answered_at": fb.answered_at,
            "rating": fb.rating,
        }
    )


@router.get("/feedback/categories", tags=["public"], summary="Kinds, categories and statuses, with labels")
async def categories() -> Categories:
    return Categories(kinds=KINDS, categories=CATEGORIES, statuses=STATUS_LABELS)


@router.get("/feedback/published", tags=["public"], summary="Published answers (no personal data)")
async def published(
    request: Request,
    paging: Paged,
    agency_code: str | None = None,
    province_code: str | None = None,
) -> Page[PublishedAnswer]:
    async with uow_of(request) as uow:
        await uow.snapshot()
        total, rows = await uow.feedback.published(
            agency_code=agency_code, province_code=province_code, limit=paging.limit, offset=paging.offset
        )
    return paging.page(request, [public_out(fb) for fb in rows], total)
