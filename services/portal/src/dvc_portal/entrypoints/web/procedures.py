"""Home, search and a procedure's page: catalog `GET /procedures/{code}` (popular), `GET /procedures?q=`."""

from __future__ import annotations

import math

from fastapi import APIRouter, Request
from fastapi.responses import Response

from dvc_portal.domain import forms
from dvc_portal.domain.vocabulary import spec
from dvc_portal.entrypoints.context import portal
from dvc_portal.entrypoints.pages import render
from dvc_portal.entrypoints.web.common import find_procedure, procedure_facts

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20
MAX_QUERY = 200


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


@router.get("/thu-tuc/{code}")
async def procedure_page(request: Request, code: str) -> Response:
    p = await find_procedure(request, code)
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
