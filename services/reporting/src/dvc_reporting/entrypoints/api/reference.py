"""Names for the filters: provinces (of both editions), sectors, agencies, statuses, channels."""

from __future__ import annotations

from fastapi import APIRouter

from dvc_contracts import units
from dvc_reporting.domain.reference import CHANNEL_NAMES, SECTOR_NAMES, STATUSES
from dvc_reporting.entrypoints.api.params import Ctx
from dvc_reporting.entrypoints.auth import Operator
from dvc_reporting.entrypoints.places import scope_of
from dvc_reporting.entrypoints.responses import Reference

router = APIRouter(prefix="/api", tags=["reference"])


@router.get("/reference", summary="Names for the filters: provinces, sectors, agencies, statuses")
async def reference(principal: Operator, c: Ctx) -> Reference:
    async with c.queries() as q:
        agencies = await q.agency_names()
        seen_agencies = await q.agencies_seen()
        seen_sectors = await q.sectors_seen()
    scope = scope_of(principal)
    return Reference.model_validate(
        {
            "provinces": [
                {
                    "code": u.code,
                    "name": u.name,
                    "full_name": u.full_name,
                    "formed_from": list(u.formed_from),
                    "population": u.population,
                }
                for u in units.CURRENT
                if scope in (None, u.code)
            ],
            "former_provinces": [
                {"code": u.code, "name": u.name, "full_name": u.full_name, "now": u.now}
                for u in units.FORMER
                if scope in (None, u.now)
            ],
            "units_source": dict(units.SOURCE),
            "sectors": [{"code": s, "name": SECTOR_NAMES.get(s, s)} for s in seen_sectors],
            "agencies": [{"code": a, "name": agencies.get(a, a)} for a in seen_agencies],
            "statuses": [{"code": k, "name": n} for k, n in STATUSES],
            "channels": [{"code": k, "name": n} for k, n in CHANNEL_NAMES.items()],
            "scope": scope,
        }
    )
