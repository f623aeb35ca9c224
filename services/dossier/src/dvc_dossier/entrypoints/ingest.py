"""POST /agency/status-events — agencies without Kafka send up to 1,000 structured CloudEvents at once.

The token's ``agency`` claim is required; its ``province`` claim, when present, binds every report to that
province (no claim: a nationwide agency). See dvc_dossier.service.ingest."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Request

from dvc_dossier.service.ingest import MAX_BATCH, ingest
from dvc_dossier.service.uow import DossierUnitOfWork
from dvckit.auth.fastapi import require_role
from dvckit.auth.jwt import Principal

router = APIRouter()
Agency = Annotated[Principal, Depends(require_role("agency"))]


@router.post(
    "/agency/status-events",
    status_code=202,
    tags=["agency ingest"],
    summary="Agency status events over HTTP (same validation as the Kafka topic)",
)
async def post_status_events(
    request: Request,
    agency: Agency,
    events: Annotated[
        list[Any], Body(description="structured-mode CloudEvents of type agency-status-reported")
    ],
) -> dict[str, Any]:
    if not agency.agency:
        raise HTTPException(
            403, detail={"error": "no_agency", "message": "Token không gắn với cơ quan nào (claim agency)."}
        )
    if not events:
        raise HTTPException(422, detail={"error": "empty_batch", "message": "Lô sự kiện rỗng."})
    if len(events) > MAX_BATCH:
        raise HTTPException(
            413,
            detail={
                "error": "batch_too_large",
                "message": f"Tối đa {MAX_BATCH} sự kiện mỗi lô (nhận {len(events)}).",
            },
        )
    uow: DossierUnitOfWork = request.app.state.runtime.uow()
    async with uow:
        results = await ingest(uow, agency, events)
        await uow.commit()
    accepted = sum(1 for r in results if r.status == "accepted")
    return {
        "accepted": accepted,
        "rejected": len(results) - accepted,
        "results": [dataclasses.asdict(r) for r in results],
    }
