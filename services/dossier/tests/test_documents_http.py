"""Issue 18 — a citizen's documents, through the dossier service's HTTP routes (in process, its real database —
SQLite, and PostgreSQL where the rows are locked —, the local-disk object store; no broker: dossier-submitted is
read from the outbox, the bytes the relay publishes):

- an upload is judged by its bytes: a renamed program, a ZIP, an HTML page, an empty file or one over the limit
  (declared or streamed) is refused with a Vietnamese problem on ``file`` and nothing is written anywhere;
- a submission attaches the citizen's own unused uploads in its transaction and dossier-submitted carries them;
- the handling agency and the owner get an expiring link; nobody else learns the document exists; a tampered or
  expired link is a 403.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from dvc_contracts import clock, topics
from dvc_contracts.events import ProcedurePublishedV1
from dvc_dossier.adapters.orm import documents, dossiers, messaging
from dvc_dossier.config import Settings
from dvc_dossier.entrypoints.app import create_app
from dvckit import migrate
from dvckit.auth.jwt import DevKeys
from dvckit.settings import AuthSettings, KafkaSettings
from dvckit.testing import free_port, migrated_database, provision_postgres, running_app

Token = Callable[..., str]
LIMIT = 256 * 1024
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
EXE = b"MZ\x90\x00" + b"\x00" * 60 + b"This program cannot be run in DOS mode.\r\n"
POSTGRESQL = pytest.param("postgresql", marks=pytest.mark.integration)


@dataclass
class Docs:
    client: httpx.AsyncClient
    db_url: str
    store: Path
    proc: str
    app: Any = None


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


@pytest.fixture(params=["sqlite", POSTGRESQL])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'dossier.db'}"
        await asyncio.to_thread(migrate.upgrade, "dvc_dossier", url)
        yield url
        return
    server = await asyncio.to_thread(provision_postgres)
    try:
        yield await migrated_database(server, "dvc_dossier")
    finally:
        await server.drop_created()
        server.stop()


async def rows(db_url: str, table: Any, *where: Any) -> list[Any]:
    engine = create_async_engine(db_url)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(select(table).where(*where))).all())
    finally:
        await engine.dispose()


@pytest.fixture
async def docs(database: str, dev_keys: tuple[DevKeys, Path], tmp_path: Path) -> AsyncIterator[Docs]:
    store = tmp_path / "store"
    settings = Settings(
        database_url=database,
        kafka=KafkaSettings(bootstrap=f"127.0.0.1:{free_port()}"),  # no broker: events wait in the outbox
        auth=AuthSettings(jwks_file=str(dev_keys[1]), jwks_url=None),
        documents_store=f"file://{store}",
        documents_max_bytes=LIMIT,
        documents_max_unattached=3,
    )
    app = create_app(settings)
    async with running_app(app, wait_broker=False) as client:
        h = Docs(client, database, store, f"DOCS-{uuid.uuid4().hex[:6].upper()}", app)
        p = ProcedurePublishedV1(
            code=h.proc, version=1, name="Chứng thực bản sao", sector="TU-PHAP", agency_code="SO-TP",
            agency_name="Sở Tư pháp", level="province", service_level=4, fee={"kind": "fixed", "amount_vnd": 0},
            processing_days=2, published_at=clock.now(),
        )  # fmt: skip
        async with app.state.runtime.uow() as uow:  # what procedure-published leaves in the read model
            await uow.procedures.upsert(p.code, 1, "published", p.model_dump(mode="json"))
            await uow.commit()
        yield h


def stored(h: Docs) -> list[Path]:
    return sorted(p for p in h.store.rglob("*") if p.is_file()) if h.store.exists() else []


async def upload(
    h: Docs, token: str, data: bytes, name: str = "giấy khai sinh.pdf", ctype: str = "application/pdf"
) -> httpx.Response:
    return await h.client.post("/v1/documents", files={"file": (name, data, ctype)}, headers=bearer(token))


async def submit(h: Docs, token: str, docs: list[dict[str, str]]) -> httpx.Response:
    body = {
        "procedure_code": h.proc,
        "province_code": "01",
        "applicant_name": "Nguyễn Văn An",
        "documents": docs,
    }
    return await h.client.post("/v1/dossiers", json=body, headers=bearer(token))


async def test_an_upload_is_kept_attached_on_submission_and_carried_by_the_event(
    docs: Docs, make_token: Token
) -> None:
    citizen = make_token("citizen", sub=f"c-{uuid.uuid4().hex[:8]}")
    resp = await upload(docs, citizen, PDF, ctype="application/octet-stream")  # the declared type is not used
    assert resp.status_code == 201, resp.text
    doc = resp.json()
    assert doc["content_type"] == "application/pdf" and doc["size"] == len(PDF)
    assert doc["sha256"] == hashlib.sha256(PDF).hexdigest() and doc["filename"] == "giấy khai sinh.pdf"
    assert [p.read_bytes() for p in stored(docs)] == [PDF]
    png = (await upload(docs, citizen, PNG, name="anh.png", ctype="image/png")).json()

    resp = await submit(docs, citizen, [{"document_id": doc["id"], "name": "Giấy khai sinh"},
                                        {"document_id": png["id"], "name": "Ảnh 4x6"}])  # fmt: skip
    assert resp.status_code == 201, resp.text
    code = resp.json()["code"]
    listed = (await docs.client.get(f"/v1/dossiers/{code}/documents", headers=bearer(citizen))).json()[
        "items"
    ]
    assert [(d["id"], d["name"], d["size"]) for d in listed] == [
        (doc["id"], "Giấy khai sinh", len(PDF)), (png["id"], "Ảnh 4x6", len(PNG))]  # fmt: skip

    (row,) = await rows(docs.db_url, messaging.outbox, messaging.outbox.c.key == code)
    assert row.topic == topics.DOSSIER_SUBMITTED
    assert json.loads(row.value)["documents"] == [
        {"document_id": doc["id"], "name": "Giấy khai sinh", "sha256": doc["sha256"], "content_type": "application/pdf", "size": len(PDF)},
        {"document_id": png["id"], "name": "Ảnh 4x6", "sha256": png["sha256"], "content_type": "image/png", "size": len(PNG)},
    ]  # fmt: skip


async def chunked(parts: list[bytes]) -> AsyncIterator[bytes]:
    for p in parts:
        yield p


async def test_bad_uploads_are_refused_with_a_clear_message_and_nothing_is_stored(
    docs: Docs, make_token: Token
) -> None:
    citizen = make_token("citizen", sub=f"c-{uuid.uuid4().hex[:8]}")
    cases = [
        (EXE, "to-khai.pdf", 415, "unsupported_file_type", "chương trình chạy được của Windows"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 64, "anh.jpg", 415, "unsupported_file_type", "Linux"),
        (b"PK\x03\x04" + b"\x00" * 64, "ho-so.pdf", 415, "unsupported_file_type", "ZIP"),
        (b"<html><script>alert(1)</script></html>", "a.png", 415, "unsupported_file_type", "HTML"),
        (b"", "rong.pdf", 422, "empty_file", "rỗng"),
        (PDF + b"\x00" * LIMIT, "lon.pdf", 413, "file_too_large", "vượt quá giới hạn 0,25 MB"),
    ]
    for data, name, status, code, says in cases:
        resp = await upload(docs, citizen, data, name=name)
        assert resp.status_code == status, (name, resp.text)
        problem = resp.json()
        assert resp.headers["content-type"] == "application/problem+json"
        assert problem["code"] == code and says in problem["detail"], problem
        assert problem["errors"] == [{"field": "file", "message": problem["detail"]}]

    boundary = "dvc-chunked"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.pdf"\r\n\r\n%PDF-'.encode()
    )
    streamed = await docs.client.post(  # no Content-Length: counted as it arrives
        "/v1/documents",
        content=chunked([head] + [b"\x00" * 65536] * 8 + [f"\r\n--{boundary}--\r\n".encode()]),
        headers=bearer(citizen) | {"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert streamed.status_code == 413 and streamed.json()["code"] == "file_too_large"
    missing = await docs.client.post(
        "/v1/documents", files={"other": ("a.pdf", PDF)}, headers=bearer(citizen)
    )
    assert missing.status_code == 422 and missing.json()["code"] == "missing_file"
    as_json = await docs.client.post("/v1/documents", json={"file": "x"}, headers=bearer(citizen))
    assert as_json.status_code == 415 and as_json.json()["code"] == "not_multipart"
    agency = await upload(docs, make_token("agency", agency="SO-TP", province="01"), PDF)
    assert agency.status_code == 403
    assert stored(docs) == [] and await rows(docs.db_url, documents) == []


async def test_only_the_citizens_own_unused_uploads_attach(docs: Docs, make_token: Token) -> None:
    an, binh = (make_token("citizen", sub=f"c-{uuid.uuid4().hex[:8]}") for _ in range(2))
    doc = (await upload(docs, an, PDF)).json()
    stolen = await submit(docs, binh, [{"document_id": doc["id"], "name": "Giấy khai sinh"}])
    assert stolen.status_code == 422 and stolen.json()["code"] == "unknown_document"
    assert stolen.json()["errors"][0]["field"] == "documents.0.document_id"
    twice = await submit(
        docs, an, [{"document_id": doc["id"], "name": "A"}, {"document_id": doc["id"], "name": "B"}]
    )
    assert twice.status_code == 422 and twice.json()["code"] == "invalid_documents"
    assert (await submit(docs, an, [{"document_id": doc["id"], "name": "Giấy khai sinh"}])).status_code == 201
    again = await submit(docs, an, [{"document_id": doc["id"], "name": "Giấy khai sinh"}])
    assert again.status_code == 422 and again.json()["code"] == "document_already_used"
    assert len(await rows(docs.db_url, dossiers, dossiers.c.procedure_code == docs.proc)) == 1, (
        "refusals keep nothing"
    )
    for i in range(3):  # at most 3 unused uploads here (DOSSIER_DOCUMENTS_MAX_UNATTACHED)
        assert (await upload(docs, an, PNG, name=f"{i}.png")).status_code == 201
    full = await upload(docs, an, PNG, name="3.png")
    assert full.status_code == 409 and full.json()["code"] == "too_many_unattached_documents"
    assert len(stored(docs)) == 4  # the attached one and three unused; the refused one wrote nothing


@pytest.mark.parametrize("database", [POSTGRESQL], indirect=True)  # SQLite takes one writer at a time anyway
async def test_at_most_so_many_unused_uploads_also_when_they_arrive_together(
    docs: Docs, make_token: Token
) -> None:
    an, binh = (make_token("citizen", sub=f"c-{uuid.uuid4().hex[:8]}") for _ in range(2))
    answers = await asyncio.gather(*(upload(docs, an, PNG, name=f"{i}.png") for i in range(6)))
    assert sorted(a.status_code for a in answers) == [201, 201, 201, 409, 409, 409]  # MAX_UNATTACHED 3
    full = next(a for a in answers if a.status_code == 409)
    assert full.json()["code"] == "too_many_unattached_documents" and "3 giấy tờ" in full.json()["detail"]
    assert len(stored(docs)) == 3 and (await upload(docs, binh, PNG, name="b.png")).status_code == 201


async def test_links_for_the_handling_agency_and_the_owner_only(docs: Docs, make_token: Token) -> None:
    owner = make_token("citizen", sub=f"c-{uuid.uuid4().hex[:8]}")
    doc = (await upload(docs, owner, PDF, name="Giấy khai sinh (bản sao).pdf")).json()
    code = (await submit(docs, owner, [{"document_id": doc["id"], "name": "Giấy khai sinh"}])).json()["code"]
    link_path = f"/v1/dossiers/{code}/documents/{doc['id']}/link"
    agency = make_token("agency", agency="SO-TP", province="01")
    for token in (agency, owner):
        with clock.pinned(clock.now()) as pin:
            resp = await docs.client.get(link_path, headers=bearer(token))
            assert resp.status_code == 200, resp.text
            link = resp.json()
            assert link["expires_at"].startswith(
                (pin.now() + timedelta(seconds=600)).strftime("%Y-%m-%dT%H:%M:%S")
            )
            got = await docs.client.get(link["url"])  # no token: the link is the permission
            assert got.status_code == 200 and got.content == PDF
            assert got.headers["content-type"] == "application/pdf"
            assert got.headers["content-disposition"] == (
                "attachment; filename=\"Giay khai sinh _ban sao_.pdf\"; "
                "filename*=UTF-8''Gi%E1%BA%A5y%20khai%20sinh%20%28b%E1%BA%A3n%20sao%29.pdf")  # fmt: skip
            assert got.headers["x-content-type-options"] == "nosniff"
            assert got.headers["cache-control"] == "private, no-store"
            pin.advance(seconds=600)
            expired = await docs.client.get(link["url"])
            assert expired.status_code == 403 and expired.json()["code"] == "link_expired"

    others = [
        make_token("agency", agency="SO-TP", province="79"),  # the same agency code in another province
        make_token("agency", agency="SO-XD", province="01"),  # another agency
        make_token("citizen", sub="someone-else"),
    ]
    for token in others:
        for path in (
            link_path,
            f"/v1/dossiers/{code}/documents/{uuid.uuid4()}/link",
            f"/v1/dossiers/01-NONE/documents/{doc['id']}/link",
        ):
            resp = await docs.client.get(path, headers=bearer(token))
            assert (
                resp.status_code == 404 and resp.json()["code"] == "not_found"
            )  # the same answer for all three
    assert (
        await docs.client.get(link_path, headers=bearer(make_token("operator", province="01")))
    ).status_code == 403

    url = urlsplit((await docs.client.get(link_path, headers=bearer(owner))).json()["url"])
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    tampered = [
        f"{url.path}?expires={int(query['expires']) + 3600}&signature={query['signature']}",
        f"{url.path}?expires={query['expires']}&signature={'0' * 64}",
        url.path.replace(doc["id"], str(uuid.uuid4())) + f"?{url.query}",
    ]
    for path in tampered:
        resp = await docs.client.get(path)
        assert resp.status_code == 403 and resp.json()["code"] == "invalid_signature", path


async def publish(docs: Docs, code: str, service_level: int) -> None:
    """A procedure with two mandatory documents and an optional one, as procedure-published leaves it."""
    p = ProcedurePublishedV1(
        code=code, version=1, name="Cấp phiếu lý lịch tư pháp", sector="TU-PHAP", agency_code="SO-TP",
        agency_name="Sở Tư pháp", level="province", service_level=service_level,
        fee={"kind": "fixed", "amount_vnd": 0}, processing_days=10, published_at=clock.now(),
        required_documents=[
            {"code": "TK-LLTP", "name": "Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp"},
            {"code": "CCCD", "name": "Căn cước công dân"},
            {"code": "GIAY-TO-CU-TRU", "name": "Giấy tờ chứng minh nơi cư trú", "mandatory": False},
        ],
    )  # fmt: skip
    async with docs.app.state.runtime.uow() as uow:
        await uow.procedures.upsert(p.code, 1, "published", p.model_dump(mode="json"))
        await uow.commit()


async def test_a_level_4_submission_must_attach_every_mandatory_document(
    docs: Docs, make_token: Token
) -> None:
    an = make_token("citizen", sub=f"c-{uuid.uuid4().hex[:8]}")
    l4, l3 = f"LLTP-{uuid.uuid4().hex[:6].upper()}", f"LLTP3-{uuid.uuid4().hex[:6].upper()}"
    await publish(docs, l4, 4)
    await publish(docs, l3, 3)
    form, card = [(await upload(docs, an, PDF, name=f"{i}.pdf")).json()["id"] for i in range(2)]

    async def submit_to(proc: str, refs: list[dict[str, str]]) -> httpx.Response:
        body = {
            "procedure_code": proc,
            "province_code": "01",
            "applicant_name": "Nguyễn Văn An",
            "documents": refs,
        }
        return await docs.client.post("/v1/dossiers", json=body, headers=bearer(an))

    none = await submit_to(l4, [])
    assert none.status_code == 422 and none.headers["content-type"] == "application/problem+json"
    problem = none.json()
    assert problem["code"] == "missing_documents"
    assert "Thiếu giấy tờ bắt buộc khi nộp hồ sơ trực tuyến" in problem["detail"]
    assert (
        "“Căn cước công dân”" in problem["detail"] and "cư trú" not in problem["detail"]
    )  # optional: not asked
    assert problem["errors"] == [
        {"field": "documents.TK-LLTP", "message": "Chưa đính kèm “Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp”: "
         "giấy tờ bắt buộc của thủ tục này khi nộp trực tuyến."},
        {"field": "documents.CCCD", "message": "Chưa đính kèm “Căn cước công dân”: giấy tờ bắt buộc của thủ tục "
         "này khi nộp trực tuyến."},
    ]  # fmt: skip
    one = await submit_to(l4, [{"document_id": form, "name": "Tờ khai", "code": "TK-LLTP"}])
    assert one.status_code == 422 and [e["field"] for e in one.json()["errors"]] == ["documents.CCCD"]
    unknown = await submit_to(l4, [{"document_id": form, "name": "Tờ khai", "code": "GPLX-CU"}])
    assert unknown.status_code == 422 and unknown.json()["code"] == "invalid_documents"
    assert unknown.json()["errors"][0]["field"] == "documents.0.code"
    assert await rows(docs.db_url, dossiers, dossiers.c.procedure_code == l4) == [], "refusals keep nothing"
    assert all(r.dossier_code is None for r in await rows(docs.db_url, documents))

    # a level-3 procedure takes the originals at the counter: nothing required online
    assert (await submit_to(l3, [])).status_code == 201
    # by code, or by the catalog's name without one (diacritics, case and spacing aside)
    ok = await submit_to(l4, [{"document_id": form, "name": "Tờ khai", "code": "TK-LLTP"},
                              {"document_id": card, "name": "căn  cước CÔNG DÂN"}])  # fmt: skip
    assert ok.status_code == 201, ok.text
    attached = await rows(docs.db_url, documents, documents.c.dossier_code == ok.json()["code"])
    assert sorted(r.id for r in attached) == sorted([form, card])


async def test_uploads_no_submission_took_are_swept_after_24_hours_row_and_object(
    docs: Docs, make_token: Token
) -> None:
    from dvc_dossier.service.documents import sweep_unattached

    assert Settings().documents_unattached_hours == 24  # the default
    an = make_token("citizen", sub=f"c-{uuid.uuid4().hex[:8]}")
    cfg = docs.app.state.documents

    async def sweep() -> int:
        async with docs.app.state.runtime.uow() as uow:
            swept: int = await sweep_unattached(uow, cfg)
            return swept

    with clock.pinned(clock.now()) as pin:
        old = (await upload(docs, an, PDF, name="cu.pdf")).json()
        used = (await upload(docs, an, PNG, name="dung.png")).json()
        pin.advance(hours=23)
        code = (await submit(docs, an, [{"document_id": used["id"], "name": "Ảnh"}])).json()["code"]
        recent = (await upload(docs, an, PDF + b"%2\n", name="moi.pdf")).json()
        assert len(stored(docs)) == 3

        pin.advance(seconds=3600)  # the first upload is exactly 24 h old: kept still
        assert await sweep() == 0 and len(await rows(docs.db_url, documents)) == 3
        pin.advance(seconds=1)
        assert await sweep() == 1
        left = {r.id: r.dossier_code for r in await rows(docs.db_url, documents)}
        assert left == {used["id"]: code, recent["id"]: None}  # attached: kept however old; recent: kept
        assert sorted(p.name for p in stored(docs)) == sorted([used["id"], recent["id"]])  # the object too

        gone = await submit(docs, an, [{"document_id": old["id"], "name": "Giấy khai sinh"}])
        assert gone.status_code == 422 and gone.json()["code"] == "unknown_document"

        pin.advance(hours=24)
        assert await sweep() == 1 and [p.name for p in stored(docs)] == [used["id"]]
        assert await sweep() == 0
        got = await docs.client.get(f"/v1/dossiers/{code}/documents/{used['id']}/link", headers=bearer(an))
        assert (await docs.client.get(got.json()["url"])).content == PNG  # an attached one still downloads
