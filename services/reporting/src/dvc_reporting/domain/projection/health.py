"""Pipeline health rows: an agency system's rejection of a status event, and a record of the dead-letter
topic."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dvc_contracts.events import AgencyStatusRejectedV1


def rejection_row(event_id: str, data: AgencyStatusRejectedV1) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "agency_code": data.agency_code or "",
        "reason": data.reason,
        "message": data.message[:1000],
        "dossier_code": data.dossier_code,
        "original_topic": data.original_topic,
        "original_partition": data.original_partition,
        "original_offset": data.original_offset,
        "rejected_at": data.rejected_at,
    }


def _header(headers: Any, name: str) -> str | None:
    for k, v in headers or ():
        if k == name and v is not None:
            return v.decode("utf-8", "replace") if isinstance(v, bytes | bytearray) else str(v)
    return None


def _int_or_none(text: str | None) -> int | None:
    try:
        return int(text) if text not in (None, "", "None") else None
    except ValueError:
        return None


def dead_letter_row(partition: int, offset: int, key: bytes | None, headers: Any) -> dict[str, Any]:
    """A record of the ``dead-letter`` topic (not a CloudEvent: ``dvc_*`` headers and the original bytes)."""
    at = _header(headers, "dvc_rejected_at")
    try:
        rejected_at = datetime.fromisoformat(at) if at else None
    except ValueError:
        rejected_at = None
    if rejected_at is not None and rejected_at.tzinfo is None:
        rejected_at = rejected_at.replace(tzinfo=UTC)
    return {
        "dl_partition": partition,
        "dl_offset": offset,
        "original_topic": (_header(headers, "dvc_original_topic") or "?")[:200],
        "original_partition": _int_or_none(_header(headers, "dvc_original_partition")),
        "original_offset": _int_or_none(_header(headers, "dvc_original_offset")),
        "reason": (_header(headers, "dvc_reason") or "unknown")[:64],
        "message": (_header(headers, "dvc_message") or "")[:1000],
        "rejected_by": (_header(headers, "dvc_rejected_by") or "?")[:64],
        "rejected_at": rejected_at,
        "record_key": key.decode("utf-8", "replace")[:200] if key else None,
    }
