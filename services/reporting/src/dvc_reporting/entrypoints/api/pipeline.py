"""Pipeline health (national operators only): consumer lag, outbox backlog, rejections, dead letters."""

from __future__ import annotations

from fastapi import APIRouter

from dvc_reporting.entrypoints.api.params import Ctx
from dvc_reporting.entrypoints.auth import Operator, national_only
from dvc_reporting.entrypoints.responses import Pipeline

router = APIRouter(prefix="/api", tags=["pipeline"])


@router.get(
    "/pipeline",
    summary="Pipeline health: consumer lag, outbox backlog, rejections, dead letters",
)
async def pipeline(principal: Operator, c: Ctx) -> Pipeline:
    national_only(principal)
    async with c.queries() as q:
        rejections = await q.rejections()
        dead = await q.dead_letter_counts()
        latest = await q.latest_dead_letters()
    return Pipeline.model_validate(
        {
            "lag": c.pipeline.get("lag", {"method": "none", "rows": [], "error": "chưa đo"}),
            "services": c.pipeline.get("services", []),
            "checked_at": c.pipeline.get("checked_at"),
            "rejections": rejections,
            "rejections_total": sum(r["rejected"] for r in rejections),
            "dead_letters": dead,
            "dead_letters_total": sum(d["count"] for d in dead),
            "dead_letters_latest": latest,
        }
    )
