"""HTTP ingest for agencies without Kafka: the same validation as the Kafka path, then the accepted events
go onto agency-status-reported through the outbox (same ids), so one consumer applies both paths once."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from dvc_contracts import agencies, clock, topics
from dvc_contracts.envelope import CloudEvent, EnvelopeError, from_structured
from dvc_contracts.events import AgencyStatusRejectedV1, AgencyStatusReportedV1, PayloadError, parse_data
from dvc_dossier.domain.status_sync import refuse
from dvc_dossier.service.status_sync import publish_rejection
from dvc_dossier.service.uow import DossierUnitOfWork

MAX_BATCH = 1000


@dataclass(frozen=True)
class ItemResult:
    index: int
    id: str | None
    status: str  # accepted | rejected
    reason: str | None = None
    message: str | None = None


def _check(item: Any, agency: str) -> tuple[CloudEvent, AgencyStatusReportedV1]:
    event = from_structured(item)
    if event.type != topics.AGENCY_STATUS_REPORTED:
        raise EnvelopeError(
            "unknown_type", f"type must be {topics.AGENCY_STATUS_REPORTED!r}, not {event.type!r}"
        )
    try:
        data = parse_data(event)
    except PayloadError as exc:
        raise EnvelopeError(exc.reason, exc.message) from exc
    assert isinstance(data, AgencyStatusReportedV1)
    if data.agency_code != agency:
        raise EnvelopeError(
            "agency_mismatch", f"the token is for agency {agency}, the event names {data.agency_code}"
        )
    return event, data


async def ingest(uow: DossierUnitOfWork, agency: str, items: list[Any]) -> list[ItemResult]:
    results: list[ItemResult] = []
    accepted: list[tuple[str, CloudEvent]] = []
    checked: list[tuple[int, CloudEvent, AgencyStatusReportedV1]] = []
    for index, item in enumerate(items):
        try:
            event, data = _check(item, agency)
        except EnvelopeError as exc:
            event_id = item.get("id") if isinstance(item, dict) else None
            results.append(ItemResult(index, event_id, "rejected", exc.reason, exc.message))
            continue
        checked.append((index, event, data))
    procedures = await uow.procedures.snapshots({d.procedure_code for _, _, d in checked})
    states = await uow.dossiers.states({d.dossier_code for _, _, d in checked})
    for index, event, data in checked:
        refusal = refuse(data, procedures.get(data.procedure_code), states.get(data.dossier_code))
        if refusal is not None:
            results.append(ItemResult(index, event.id, "rejected", refusal.reason, refusal.message))
            continue
        event.subject = data.dossier_code  # the Kafka key: one dossier's events stay in order
        accepted.append((topics.AGENCY_STATUS_REPORTED, event))
        results.append(ItemResult(index, event.id, "accepted"))
    await uow.publish_events(accepted)
    await _publish_rejections(uow, agency, items, results)
    return sorted(results, key=lambda r: r.index)


async def _publish_rejections(
    uow: DossierUnitOfWork, agency: str, items: list[Any], results: list[ItemResult]
) -> None:
    for r in results:
        if r.status != "rejected":
            continue
        item = items[r.index]
        data = item.get("data") if isinstance(item, dict) else None
        dossier = data.get("dossier_code") if isinstance(data, dict) else None
        province = data.get("province_code") if isinstance(data, dict) else None
        rejected = AgencyStatusRejectedV1(
            reason=r.reason or "rejected",
            message=r.message or "",
            original_topic="http:/agency/status-events",
            original_partition=None,
            original_offset=r.index,
            original_key=dossier if isinstance(dossier, str) else None,
            original_value_b64=base64.b64encode(json.dumps(item, ensure_ascii=False).encode()).decode(),
            dossier_code=dossier if isinstance(dossier, str) else None,
            agency_code=agency,
            rejected_at=clock.now(),
        )
        topic = agencies.rejected_topic_for(rejected.original_topic, agency, province)
        await publish_rejection(uow, rejected, topic)
