"""The audit trail on PostgreSQL is paged by key (dvckit.paging.cursor_paged): following ``next`` walks every
entry once, newest first, while new entries keep arriving; a province's operator pages through their province
only. The routes need no broker: the app runs without one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from dvc_contracts import clock, topics
from dvc_contracts.envelope import new_event
from dvc_contracts.events import ProcedurePublishedV1
from dvc_dossier.adapters.repository import history_row
from dvc_dossier.config import Settings
from dvc_dossier.entrypoints.app import create_app
from dvc_dossier.service import handlers
from dvckit.auth.jwt import DevKeys
from dvckit.messaging.typed import Event
from dvckit.settings import AuthSettings, KafkaSettings
from dvckit.testing import PostgresServer, free_port, migrated_database, running_app

from .conftest import procedure

pytestmark = pytest.mark.integration


async def walk(http: httpx.AsyncClient, url: str, token: str) -> tuple[list[str], list[dict[str, Any]]]:
    seen: list[str] = []
    pages: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url:
        r = await http.get(next_url, headers={"authorization": f"Bearer {token}"})
        assert r.status_code == 200, r.text
        pages.append(r.json())
        seen += [e["event_id"] for e in r.json()["items"]]
        next_url = r.json()["next"]
    return seen, pages


async def test_the_audit_trail_pages_by_key_while_it_grows(
    pg: PostgresServer, dev_keys: tuple[DevKeys, Path], make_token: Any
) -> None:
    settings = Settings(
        database_url=await migrated_database(pg, "dvc_dossier"),
        kafka=KafkaSettings(bootstrap=f"127.0.0.1:{free_port()}"),  # no broker: these routes need none
        auth=AuthSettings(jwks_file=str(dev_keys[1]), jwks_url=None),
    )
    app = create_app(settings)
    citizen = make_token("citizen", name="Nguyễn Văn A", phone="0912345678")
    async with running_app(app, wait_broker=False) as http:
        event = new_event(
            topics.PROCEDURE_PUBLISHED, "/dvc/catalog", procedure("DKX", "SO-GTVT", []), subject="DKX"
        )
        async with app.state.runtime.uow() as uow:
            await handlers.on_procedure_published(Event.of(event, ProcedurePublishedV1), uow)
            await uow.commit()
        codes = {}
        for province in ("79", "01"):
            body = {"procedure_code": "DKX", "province_code": province}
            r = await http.post("/v1/dossiers", json=body, headers={"authorization": f"Bearer {citizen}"})
            assert r.status_code == 201, r.text
            codes[province] = r.json()["code"]

        async def add(n: int, start: int) -> list[str]:
            ids = [f"ev-{i:03d}" for i in range(start, start + n)]
            async with app.state.runtime.uow() as uow:
                rows = [
                    history_row(codes["79" if i % 2 else "01"], status="processing", occurred_at=clock.now(),
                                actor="agency:SO-GTVT", event_id=e)
                    for i, e in enumerate(ids)
                ]  # fmt: skip
                await uow.dossiers.add_history_rows(rows)
                await uow.commit()
            return ids

        ids = await add(23, 0)
        operator = make_token("operator")
        first = (await http.get("/v1/audit?limit=5", headers={"authorization": f"Bearer {operator}"})).json()
        assert [e["event_id"] for e in first["items"]] == ids[::-1][:5], "newest first"
        assert "cursor=" in first["next"] and "offset" not in first["next"]
        await add(3, 100)  # arriving while the operator reads: before the first page, not in the walk
        seen, pages = await walk(http, first["next"], operator)
        everything = [e["event_id"] for e in first["items"]] + seen
        assert everything[:23] == ids[::-1], "each entry once, none skipped"
        assert everything[23:] == [None, None] and len(pages) == 4, "then the two submissions (no event id)"
        assert all((p["limit"], p["offset"], p["total"]) == (5, 0, None) for p in pages)

        hcm = make_token("operator", province="79")
        seen, _ = await walk(http, "/v1/audit?limit=4", hcm)
        assert seen == ["ev-101", *(f"ev-{i:03d}" for i in range(21, 0, -2)), None], "their province only"
        bad = await http.get("/v1/audit?cursor=xyz", headers={"authorization": f"Bearer {operator}"})
        assert bad.status_code == 422 and bad.json()["code"] == "invalid_cursor"
