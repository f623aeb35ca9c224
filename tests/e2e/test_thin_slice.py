"""The thin slice, end to end on the real broker with every service running as a process:

catalog publishes a procedure → dossier accepts a citizen's submission over HTTP → dossier-submitted goes
out through the outbox → notify consumes it and its sandbox provider records an SMS with the dossier
code, in Vietnamese.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import Stack

pytestmark = pytest.mark.e2e


async def poll(fetch: Callable[[], Any], until: Callable[[Any], bool], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = await fetch()
        if until(value):
            return value
        await asyncio.sleep(0.2)
    raise AssertionError(f"not reached within {timeout} s; last value: {value!r}")


def procedure(code: str) -> dict[str, Any]:
    return {
        "code": code,
        "name": "Đổi giấy phép lái xe do ngành Giao thông vận tải cấp",
        "sector": "GTVT-DUONG-BO",
        "agency_code": "BGTVT-TCDBVN",
        "agency_name": "Tổng cục Đường bộ Việt Nam",
        "level": "province",
        "service_level": 4,
        "fee": {"kind": "fixed", "amount_vnd": 135000},
        "processing_days": 5,
        "required_fields": ["applicant_name", "phone", "licence_number"],
        "provinces": [],
    }


async def test_submission_reaches_the_citizen_by_sms(stack: Stack, make_token: Callable[..., str]) -> None:
    operator = {"authorization": f"Bearer {make_token('operator')}"}
    citizen = {"authorization": f"Bearer {make_token('citizen', sub='079201001234', name='Trần Thị Bình')}"}
    code = f"E2E-GPLX-{uuid.uuid4().hex[:6].upper()}"
    async with httpx.AsyncClient(timeout=10) as http:
        r = await http.post(f"{stack.url('catalog')}/procedures", json=procedure(code), headers=operator)
        assert r.status_code == 201, r.text
        r = await http.post(f"{stack.url('catalog')}/procedures/{code}/publish", headers=operator)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "published"

        body = {
            "procedure_code": code,
            "province_code": "79",
            "phone": "0912 345 678",
            "fields": {"licence_number": "790123456789"},
        }

        async def submit() -> httpx.Response:
            return await http.post(f"{stack.url('dossier')}/dossiers", json=body, headers=citizen)

        # The dossier service learns the procedure from procedure-published; until then it says 404.
        r = await poll(submit, lambda resp: resp.status_code != 404)
        assert r.status_code == 201, r.text
        dossier = r.json()
        dossier_code = dossier["code"]
        assert dossier_code.startswith("79-")
        assert dossier["fee_vnd"] == 135000 and dossier["due_date"]

        async def messages() -> list[dict[str, Any]]:
            resp = await http.get(
                f"{stack.url('notify')}/sms", params={"dossier_code": dossier_code}, headers=operator
            )
            resp.raise_for_status()
            items: list[dict[str, Any]] = resp.json()["items"]
            return items

        sms = await poll(messages, lambda items: bool(items) and items[0]["status"] == "sent")
        assert len(sms) == 1
        assert dossier_code in sms[0]["text"]
        assert "đã được tiếp nhận" in sms[0]["text"] and "Đổi giấy phép lái xe" in sms[0]["text"]
        assert sms[0]["encoding"] == "UCS-2"
        assert sms[0]["phone"] == "+8491*****78", "listings mask the phone number"

        sandbox = await http.get(f"{stack.url('notify')}/sandbox/messages", headers=operator)
        received = [m for m in sandbox.json()["items"] if dossier_code in m["text"]]
        assert len(received) == 1 and received[0]["to"] == "+84912345678"

        # The citizen sees it in "my dossiers"; the public tracking page shows no personal data.
        mine = (await http.get(f"{stack.url('dossier')}/dossiers", headers=citizen)).json()["items"]
        assert dossier_code in [d["code"] for d in mine]
        public = (await http.get(f"{stack.url('dossier')}/track/{dossier_code}")).json()
        assert public["status"] == "submitted" and "applicant_name" not in public and "phone" not in public


async def test_every_service_answers_health_and_metrics(stack: Stack) -> None:
    async with httpx.AsyncClient(timeout=5) as http:
        for name, svc in stack.services.items():
            assert (await http.get(f"{svc.url}/healthz")).json()["service"] == name
            ready = await http.get(f"{svc.url}/readyz")
            assert ready.status_code == 200 and ready.json() == {
                "ready": True,
                "database": "ok",
                "broker": "ok",
            }
            metrics = (await http.get(f"{svc.url}/metrics")).text
            assert "dvc_outbox_backlog" in metrics


DASHBOARDS = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "dashboards"
SERIES = re.compile(r"\b((?:dvc|faststream)_[a-zA-Z0-9_]+)")
TYPE_LINE = re.compile(r"^# TYPE (\S+) (\w+)", re.MULTILINE)


def panel_series() -> dict[str, set[str]]:
    """Every metric name in every Grafana panel's query and template variable, with where it is used."""
    used: dict[str, set[str]] = {}
    for path in sorted(DASHBOARDS.glob("*.json")):
        board = json.loads(path.read_text())
        queries = [t.get("query") for t in board.get("templating", {}).get("list", [])]
        queries += [t.get("expr") for p in board.get("panels", []) for t in p.get("targets", [])]
        for query in filter(None, queries):
            for name in SERIES.findall(query if isinstance(query, str) else json.dumps(query)):
                used.setdefault(name, set()).add(path.name)
    return used


def exported(metrics_text: str) -> set[str]:
    names: set[str] = set()
    for name, kind in TYPE_LINE.findall(metrics_text):
        names.add(name)
        if kind == "histogram":
            names |= {f"{name}_bucket", f"{name}_sum", f"{name}_count"}
        if kind == "counter" and not name.endswith("_total"):
            names.add(f"{name}_total")
    return names


async def test_every_grafana_panel_queries_a_series_some_service_exports(stack: Stack) -> None:
    used = panel_series()
    assert "dvc_http_requests_total" in used and "faststream_received_messages_total" in used

    async def missing() -> set[str]:
        async with httpx.AsyncClient(timeout=5) as http:
            texts = [(await http.get(f"{svc.url}/metrics")).text for svc in stack.services.values()]
        return set(used) - set().union(*(exported(t) for t in texts))

    # reporting's read-model gauges appear after its first refresh; consumers' series after a message
    await poll(missing, lambda names: not names, timeout=30)  # fails naming the series no service exports
