"""POST /agency/status-events — agencies without Kafka send up to 1,000 structured CloudEvents at once.

The token's ``agency`` claim is required; its ``province`` claim, when present, binds every report to that
province (no claim: a nationwide agency). See dvc_dossier.service.ingest.

While the reports accepted and not yet applied pass a bound, a batch is refused with 429 and Retry-After,
the busiest agencies first (dvc_dossier.domain.intake); nothing of a refused batch is kept: send it again
after Retry-After."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Request
from prometheus_client import Counter

from dvc_dossier.domain.intake import Admission
from dvc_dossier.entrypoints.responses import IngestResult
from dvc_dossier.service.ingest import MAX_BATCH, ingest
from dvc_dossier.service.intake import IngestGate
from dvc_dossier.service.uow import DossierUnitOfWork
from dvckit.auth.fastapi import require_role
from dvckit.auth.jwt import Principal

router = APIRouter()
Agency = Annotated[Principal, Depends(require_role("agency"))]
REFUSED = Counter(
    "dvc_dossier_ingest_refused_total", "HTTP ingest batches refused with 429 (backlog)", ["reason"]
)
MESSAGES = {
    "backlog_full": "Hệ thống đang xử lý tồn đọng, vui lòng gửi lại lô này sau {s} giây.",
    "agency_over_share": "Cơ quan đã gửi nhiều hơn phần của mình khi hệ thống đang tồn đọng; "
    "vui lòng gửi lại lô này sau {s} giây.",
}


def _too_busy(admission: Admission) -> HTTPException:
    reason = admission.reason or "backlog_full"
    REFUSED.labels(reason).inc()
    return HTTPException(
        429,
        detail={
            "error": reason,
            "message": MESSAGES[reason].format(s=admission.retry_after),
            "retry_after_s": admission.retry_after,
        },
        headers={"Retry-After": str(admission.retry_after)},
    )


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
) -> IngestResult:
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
    gate: IngestGate = request.app.state.ingest_gate
    if not (admission := gate.check(agency.agency, len(events))).admitted:
        raise _too_busy(admission)
    async with gate.slots:  # the others wait here, parsed but idle, leaving the loop to the consumer
        if not (admission := gate.check(agency.agency, len(events))).admitted:
            raise _too_busy(admission)
        uow: DossierUnitOfWork = request.app.state.runtime.uow()
        async with uow:
            results = await ingest(uow, agency, events)
            await uow.commit()
    accepted = sum(1 for r in results if r.status == "accepted")
    gate.accepted(agency.agency, accepted)
    return IngestResult.model_validate(
        {
            "accepted": accepted,
            "rejected": len(results) - accepted,
            "results": [dataclasses.asdict(r) for r in results],
        }
    )
