"""Agency status sync handlers: the Kafka batch handler and the rejecter for agency-status-reported."""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import Counter as PromCounter

from dvc_contracts import agencies, clock, topics
from dvc_contracts.agencies import AgencySystem
from dvc_contracts.envelope import CloudEvent
from dvc_contracts.events import AgencyStatusRejectedV1, AgencyStatusReportedV1, DossierStatusChangedV1
from dvc_dossier.adapters.repository import history_row
from dvc_dossier.domain.status_sync import DossierState, Outcome, apply_report, refuse
from dvc_dossier.sagas import handlers as saga_handlers
from dvc_dossier.service.uow import DossierUnitOfWork
from dvckit.logging import get_logger
from dvckit.messaging.consumer import Record, Rejection, Retry
from dvckit.messaging.typed import Event

log = get_logger("dvc_dossier.status_sync")
CatalogReady = Callable[[], Awaitable[bool]]

# A procedure published a moment ago may not have reached this consumer yet (two topics, no order
# between them): a fresh report for an unknown procedure waits this long before it is refused. Age is the
# report's own time (CloudEvent time, else occurred_at), so a replay or a backlog of old reports is judged at
# once — once the catalog read model has *processed* procedure-published to its end (committed offsets, see
# Runtime.caught_up) — and a sender's clock that runs ahead by more than this buys no extra wait.
UNKNOWN_PROCEDURE_GRACE = timedelta(seconds=5)
MAX_EVENT_ID = 100  # the width of a stored event id (history, outbox); a longer one is refused, not failed


def _within_grace(reports: list[Event[AgencyStatusReportedV1]], now: datetime) -> bool:
    return any(abs(now - (e.time or e.data.occurred_at)) < UNKNOWN_PROCEDURE_GRACE for e in reports)


STATUS_APPLIED = PromCounter(
    "dvc_dossier_status_reports_total", "Agency status reports by outcome", ["province", "outcome"]
)


def _refusal(event: Event[AgencyStatusReportedV1], system: AgencySystem | None) -> Rejection | None:
    """Why a valid report is refused before it is looked at (the kit refused invalid payloads already; the
    rejecter picks the rejection topic from the record)."""
    if len(event.id) > MAX_EVENT_ID:
        return Rejection(
            event.id,
            "invalid_envelope",
            f"id: at most {MAX_EVENT_ID} characters",
            topics.AGENCY_STATUS_REJECTED,
        )
    data = event.data
    if system is not None and not system.covers(data.agency_code, data.province_code):
        return Rejection(
            event.id,
            "agency_mismatch",
            f"system {system.id} does not report for agency {data.agency_code} "
            f"in province {data.province_code}",
            system.rejected_topic,
        )
    return None


def _history_row(
    event: CloudEvent, report: AgencyStatusReportedV1, outcome: Outcome, now: datetime
) -> dict[str, Any]:
    return history_row(
        report.dossier_code,
        status=report.status,
        occurred_at=report.occurred_at,
        recorded_at=now,
        actor=f"agency:{report.agency_code}",
        event_id=event.id,
        sequence=report.sequence,
        note=report.note,
        applied=outcome.applied,
        old_status=outcome.old_status,
        result=report.result,
    )


def _changed(report: AgencyStatusReportedV1, outcome: Outcome) -> DossierStatusChangedV1:
    st = outcome.state
    return DossierStatusChangedV1(
        dossier_code=st.code,
        procedure_code=st.procedure_code,
        procedure_name=st.procedure_name,
        agency_code=report.agency_code,
        province_code=st.province_code,
        sector=st.sector,
        channel=st.channel,
        sequence=report.sequence,
        old_status=outcome.old_status,
        new_status=report.status,
        occurred_at=report.occurred_at,
        due_date=st.due_date,
        result=report.result,
        note=report.note,
        citizen_phone=st.citizen_phone,
    )


async def on_agency_status_reported(
    events: list[Event[AgencyStatusReportedV1]],
    uow: DossierUnitOfWork,
    catalog_ready: CatalogReady,
    system: AgencySystem | None = None,
) -> list[Rejection]:
    """Apply agency status reports once and in sequence order, in bulk; refuse what is not allowed.

    ``system``: the agency system whose own ingress topic the events came from; a report for an agency or
    province it does not cover is refused (None: the portal's shared ingress, fed by the HTTP ingest, which
    checked the caller's token). An unknown procedure is refused only once the catalog read model has caught
    up with procedure-published (after a restart or a replay the two topics are read side by side)."""
    rejections: list[Rejection] = []
    reports: list[Event[AgencyStatusReportedV1]] = []
    for typed in events:
        refused = _refusal(typed, system)
        if refused is None:
            reports.append(typed)
        else:
            rejections.append(refused)
    procedures = await uow.procedures.snapshots({e.data.procedure_code for e in reports})
    unknown = [e for e in reports if e.data.procedure_code not in procedures]
    if unknown and (not await catalog_ready() or _within_grace(unknown, clock.now())):
        raise Retry("the catalog read model is still catching up with procedure-published")
    states: dict[str, DossierState] = await uow.dossiers.states({e.data.dossier_code for e in reports})
    touched: set[str] = set()
    history: list[dict[str, Any]] = []
    published: list[tuple[str, CloudEvent]] = []
    applied: list[tuple[CloudEvent, AgencyStatusReportedV1]] = []
    outcomes: Counter[tuple[str, str]] = Counter()
    now = clock.now()
    for typed in reports:
        event, report = typed.envelope, typed.data
        refusal = refuse(report, procedures.get(report.procedure_code), states.get(report.dossier_code))
        if refusal is not None:
            rejections.append(Rejection(event.id, refusal.reason, refusal.message))
            outcomes[(report.province_code, refusal.reason)] += 1
            continue
        outcome = apply_report(states.get(report.dossier_code), report, procedures[report.procedure_code])
        history.append(_history_row(event, report, outcome, now))
        outcomes[(report.province_code, "applied" if outcome.applied else "stale")] += 1
        if outcome.applied:
            applied.append((event, report))
            states[report.dossier_code] = outcome.state
            touched.add(report.dossier_code)
            changed = uow.new_event(
                topics.DOSSIER_STATUS_CHANGED,
                _changed(report, outcome),
                key=report.dossier_code,
                causationid=event.id,
                correlationid=event.correlationid or event.id,
            )
            published.append((topics.DOSSIER_STATUS_CHANGED, changed))
    await uow.dossiers.save_states([states[c] for c in touched])
    await uow.dossiers.add_history_rows(history)
    await uow.publish_events(published)
    health = any(r.procedure_code == saga_handlers.HEALTH_CHECK_PROCEDURE for _, r in applied)
    if applied and (health or await uow.sagas.any_active(touched)):
        await saga_handlers.on_reports_applied(uow, applied)
    for (province, outcome_name), n in outcomes.items():
        STATUS_APPLIED.labels(province, outcome_name).inc(n)
    return rejections


async def reject_to_agency(uow: Any, record: Record, reason: str, message: str, topic: str) -> None:
    """Everything refused on an agency ingress goes to the rejection topic of the system it came from (see
    dvc_contracts.agencies.rejected_topic_for), for that agency alone to consume: the machine-readable reason,
    the message and the original record (bytes base64, headers). ``topic`` is not used: the record decides."""
    headers = {
        k: v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for k, v in record.headers or ()
    }
    dossier_code = record.key.decode("utf-8", "replace") if record.key else None
    agency_code = province_code = None
    try:
        body = json.loads(record.value or b"")
        data = body.get("data", body) if isinstance(body, dict) else {}
        if isinstance(data, dict):
            dossier_code = dossier_code or data.get("dossier_code")
            agency_code, province_code = data.get("agency_code"), data.get("province_code")
    except ValueError:
        pass
    agency_code = agency_code if isinstance(agency_code, str) else None
    rejected = AgencyStatusRejectedV1(
        reason=reason,
        message=message[:1000],
        original_topic=record.topic,
        original_partition=record.partition,
        original_offset=record.offset,
        original_key=record.key.decode("utf-8", "replace") if record.key else None,
        original_headers=headers,
        original_value_b64=base64.b64encode(record.value or b"").decode(),
        dossier_code=dossier_code if isinstance(dossier_code, str) else None,
        agency_code=agency_code,
        rejected_at=clock.now(),
    )
    province = province_code if isinstance(province_code, str) else None
    await publish_rejection(uow, rejected, agencies.rejected_topic_for(record.topic, agency_code, province))


async def publish_rejection(uow: Any, rejected: AgencyStatusRejectedV1, topic: str) -> None:
    """One way to tell an agency its event was refused (Kafka and HTTP ingress alike)."""
    key = rejected.dossier_code or rejected.agency_code or "unknown"
    await uow.publish(topics.AGENCY_STATUS_REJECTED, rejected, key=key, topic=topic)
    uow.note_rejection(topic, rejected.reason)
    log.warning(
        "agency_status.rejected",
        reason=rejected.reason,
        detail=rejected.message[:200],
        agency=rejected.agency_code,
    )
