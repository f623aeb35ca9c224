"""What the citizens' page routers share: the log, the 404 page's exception, a procedure and what it shows."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Request

from dvc_contracts import units
from dvc_contracts.codes import is_dossier_code
from dvc_portal.domain import fees
from dvc_portal.domain.vocabulary import LEVELS, SECTORS, SERVICE_LEVELS
from dvc_portal.entrypoints.context import portal
from dvckit.logging import get_logger
from dvckit.text import fold

log = get_logger("dvc_portal.web")


def not_found(what: str) -> HTTPException:
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


async def find_procedure(request: Request, code: str) -> dict[str, Any]:
    """The procedure a page's URL names (catalog), or the 404 page."""
    if not is_dossier_code(code):
        raise not_found("Không tìm thấy thủ tục này.")
    p = await portal(request).services.procedure(code)
    if p is None:
        raise not_found(f"Không tìm thấy thủ tục {code}. Thủ tục có thể đã ngừng áp dụng.")
    return p
