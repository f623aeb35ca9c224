"""The storm's procedures, published through the catalog service, and the wait until the services that judge
against them (dossier, feedback) have them in their read models."""

from __future__ import annotations

import asyncio
import time

from .checks_status import fetch
from .plan import AGENCY_CODES, procedures
from .sagas import vehicle_procedure
from .stack import Stack
from .web import Web


def status_procedure(code: str) -> dict[str, object]:
    return {
        "code": code, "name": f"Thủ tục thử tải {code}", "sector": "THU-TAI", "agency_code": "UBND-TINH",
        "agency_name": "Ủy ban nhân dân tỉnh", "level": "province", "service_level": 3, "fee": {"kind": "free"},
        "processing_days": 5, "allowed_agency_codes": [a for a in AGENCY_CODES if a != "UBND-TINH"],
    }  # fmt: skip


async def publish_all(web: Web, stack: Stack, operator: dict[str, str]) -> tuple[str, list[str]]:
    """(vehicle procedure code, status procedure codes) once dossier and feedback know them all."""
    vehicle, status = f"FS{stack.run}-DKX", procedures(stack.run)
    bodies = [vehicle_procedure(vehicle), *(status_procedure(c) for c in status)]
    urls = [stack.url("catalog")]
    for body in bodies:
        r = await web.call("POST", urls, "/procedures", json=body, headers=operator)
        if r.status_code not in (201, 409):
            raise RuntimeError(f"catalog refused {body['code']}: {r.status_code} {r.text[:300]}")
        r = await web.call("POST", urls, f"/procedures/{body['code']}/publish", headers=operator)
        if r.status_code != 200:
            raise RuntimeError(f"catalog did not publish {body['code']}: {r.status_code} {r.text[:300]}")
    codes = [vehicle, *status]
    deadline = time.monotonic() + 120
    for service in ("dossier", "feedback"):
        while (
            len(await fetch(stack.dbs[service], "SELECT code FROM procedures WHERE code = ANY($1)", codes))
            < 4
        ):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{service} never heard of the storm's procedures")
            await asyncio.sleep(0.5)
    return vehicle, status
