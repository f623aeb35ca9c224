"""Shared test vectors for the agency starter kits: the exact Kafka records the Python contracts make.

Each vector gives the inputs (event id, time, source, subject, the status report's fields in order) and the
record the portal's own code builds from them, in binary content mode (ce_* headers + the data as compact
JSON) and in structured content mode (one JSON envelope). A kit passes when it builds byte-identical headers
and values from the same inputs, and when the portal parses what the kit sent on a real broker.

    python contracts/kits/vectors/generate.py          # rewrite status-reported.json
    python contracts/kits/vectors/generate.py --check  # exit 1 when the committed file is stale
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from dvc_contracts import topics
from dvc_contracts.clock import VN_TZ as VN
from dvc_contracts.envelope import new_event, to_binary, to_structured
from dvc_contracts.events import AgencyStatusReportedV1

OUT = Path(__file__).with_name("status-reported.json")


def _reports() -> list[tuple[str, str, AgencyStatusReportedV1]]:
    at = datetime(2026, 12, 4, 8, 30, tzinfo=VN)
    base = {"dossier_code": "01-261204-7KQ2MX", "procedure_code": "1.001234", "agency_code": "SO-GTVT",
            "province_code": "01"}  # fmt: skip
    return [
        ("received-with-diacritics", "a3f1c7e2-4b5d-4e8f-9a01-2b3c4d5e6f70", AgencyStatusReportedV1(
            **base, sequence=0, status="received", occurred_at=at, due_date=date(2026, 12, 11),
            note="Đã tiếp nhận hồ sơ tại Bộ phận một cửa", citizen_phone="0912345678")),
        ("processing-minimal", "b4e2d8f3-5c6e-4f90-8b12-3c4d5e6f7081", AgencyStatusReportedV1(
            **base, sequence=1, status="processing", occurred_at=at + timedelta(hours=2))),
        ("completed-with-result", "c5f3e904-6d7f-4a01-9c23-4d5e6f708192", AgencyStatusReportedV1(
            **base, sequence=2, status="completed", occurred_at=at + timedelta(days=3, hours=1),
            result="Giấy phép lái xe số 010123456789 — hạng B2", note="Trả kết quả qua bưu điện (VNPost)")),
    ]  # fmt: skip


def _record(headers: list[tuple[str, bytes]], value: bytes) -> dict[str, Any]:
    return {"headers": [[k, v.decode()] for k, v in headers], "value": value.decode()}


def vectors() -> dict[str, Any]:
    out = []
    for name, event_id, data in _reports():
        event = new_event(topics.AGENCY_STATUS_REPORTED, f"urn:agency:{data.agency_code}", data,
                          subject=data.dossier_code, time=data.occurred_at, id_=event_id)  # fmt: skip
        out.append({
            "name": name,
            "input": {"id": event_id, "source": event.source, "type": event.type, "subject": event.subject,
                      "time": data.occurred_at.isoformat(), "data": data.model_dump(mode="json")},
            "key": data.dossier_code,
            "binary": _record(*to_binary(event)),
            "structured": _record(*to_structured(event)),
        })  # fmt: skip
    return {
        "about": "Records the Python contracts build for agency-status-reported; kits must match them byte "
        "for byte (UTF-8). Regenerate with contracts/kits/vectors/generate.py.",
        "topic": topics.AGENCY_STATUS_REPORTED,
        "vectors": out,
    }


def render() -> str:
    return json.dumps(vectors(), ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":
    if "--check" in sys.argv:
        stale = not OUT.exists() or OUT.read_text(encoding="utf-8") != render()
        print(f"{OUT}: {'stale' if stale else 'up to date'}")
        sys.exit(1 if stale else 0)
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT}")
