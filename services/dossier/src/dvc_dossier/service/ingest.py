"""HTTP ingest for agencies without Kafka: the same validation as the Kafka path, then the accepted events
go onto agency-status-reported through the outbox, so one consumer applies both paths once.

A report is bound to its caller: the event's agency_code must be the token's ``agency`` and, when the token
has a ``province`` claim, its province_code that province (a token without one is a nationwide agency). The
shared topic's inbox is shared by every HTTP caller, so each id is scoped to the caller before it is published
(``<agency>/<province>/<id>``): an id chosen by one agency cannot pre-empt another's event, and a resend by
the same agency is still a duplicate. Answers and rejections keep the id the agency sent."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from dvc_contracts import agencies, clock, topics
from dvc_contracts.envelope import CloudEvent, EnvelopeError, from_structured
from dvc_contracts.events import AgencyStatusRejectedV1, AgencyStatusReportedV1, PayloadError, parse_as
from dvc_dossier.domain.status_sync import refuse
from dvc_dossier.service.status_sync import MAX_EVENT_ID, publish_rejection
from dvc_dossier.service.uow import DossierUnitOfWork
from dvckit.auth.jwt import Principal

MAX_BATCH = 1000


@dataclass(frozen=True)
class ItemResult:
    index: int
    id: str | None
    status: str  # accepted | rejected
    reason: str | None = None
    message: str | None = None


def scoped_id(agency: str, province: str, event_id: str) -> str:
    """The id an HTTP-ingested event carries on the shared topic: one caller's ids never meet another's."""
    return f"{agency}/{province}/{event_id}"


def _check(item: Any, caller: Principal) -> tuple[CloudEvent, AgencyStatusReportedV1]:
    event = from_structured(item)
    if event.type != topics.AGENCY_STATUS_REPORTED:
        raise EnvelopeError(
            "unknown_type", f"type must be {topics.AGENCY_STATUS_REPORTED!r}, not {event.type!r}"
        )
    try:
        data = parse_as(event, AgencyStatusReportedV1)
    except PayloadError as exc:
        raise EnvelopeError(exc.reason, exc.message) from exc
    if data.agency_code != caller.agency:
        raise EnvelopeError(
            "agency_mismatch", f"the token is for agency {caller.agency}, the event names {data.agency_code}"
        )
    if caller.province is not None and data.province_code != caller.province:
        raise EnvelopeError(
            "agency_mismatch",
            f"the token is for province {caller.province}, the event names {data.province_code}",
        )
    room = MAX_EVENT_ID - len(scoped_id(data.agency_code, data.province_code, ""))  # the scope counts too
    if len(event.id) > room:
        raise EnvelopeError("invalid_envelope", f"id: at most {room} characters for this agency")
    return event, data


async def ingest(uow: DossierUnitOfWork, caller: Principal, items: list[Any]) -> list[ItemResult]:
    """``caller``: an agency token (``agency`` set; ``province`` None for a nationwide agency)."""
    results: list[ItemResult] = []
    accepted: list[tuple[str, CloudEvent]] = []
    checked: list[tuple[int, CloudEvent, AgencyStatusReportedV1]] = []
    for index, item in enumerate(items):
        try:
            event, data = _check(item, caller)
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
        scoped = event.model_copy(
            update={
                "id": scoped_id(data.agency_code, data.province_code, event.id),
                "subject": data.dossier_code,  # the Kafka key: one dossier's events stay in order
            }
        )
        accepted.append((topics.AGENCY_STATUS_REPORTED, scoped))
        results.append(ItemResult(index, event.id, "accepted"))
    await uow.publish_events(accepted)
    await _publish_rejections(uow, caller, items, results)
    return sorted(results, key=lambda r: r.index)


async def _publish_rejections(
    uow: DossierUnitOfWork, caller: Principal, items: list[Any], results: list[ItemResult]
) -> None:
    """To the caller's own system's rejection topic: the token decides, not what the refused item claims."""
    for r in results:
        if r.status != "rejected":
            continue
        item = items[r.index]
        data = item.get("data") if isinstance(item, dict) else None
        dossier = data.get("dossier_code") if isinstance(data, dict) else None
        claimed = data.get("province_code") if isinstance(data, dict) else None
        rejected = AgencyStatusRejectedV1(
            reason=r.reason or "rejected",
            message=r.message or "",
            original_topic="http:/agency/status-events",
            original_partition=None,
            original_offset=r.index,
            original_key=dossier if isinstance(dossier, str) else None,
            original_value_b64=base64.b64encode(json.dumps(item, ensure_ascii=False).encode()).decode(),
            dossier_code=dossier if isinstance(dossier, str) else None,
            agency_code=caller.agency,
            rejected_at=clock.now(),
        )
        province = caller.province or (claimed if isinstance(claimed, str) else None)
        topic = agencies.rejected_topic_for(rejected.original_topic, caller.agency, province)
        await publish_rejection(uow, rejected, topic)
