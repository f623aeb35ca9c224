"""Citizens' documents: keep an upload (object store + row), attach uploads to a dossier on submission, sweep
the uploads no submission took."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dvc_contracts import clock
from dvc_contracts.events import DossierDocumentV1
from dvc_dossier.config import Settings
from dvc_dossier.domain.documents import CheckedDocument, DocumentRef, DocumentRefused
from dvc_dossier.domain.model import SubmissionError
from dvc_dossier.service.uow import DossierUnitOfWork
from dvckit.logging import get_logger
from dvckit.objectstore import ObjectStore, open_store

log = get_logger("dvc_dossier.documents")
SWEEP_BATCH = 500  # uploads deleted per transaction by the sweep


@dataclass(frozen=True)
class DocumentsConfig:
    store: ObjectStore
    max_bytes: int
    max_unattached: int
    link_secret: bytes
    link_seconds: int
    link_base_url: str | None
    unattached_ttl: timedelta = timedelta(hours=24)  # an upload no submission took is deleted after this

    @classmethod
    def from_settings(cls, cfg: Settings) -> DocumentsConfig:
        secret = cfg.documents_s3_secret_key
        store = open_store(
            cfg.documents_store,
            endpoint_url=cfg.documents_s3_endpoint,
            region=cfg.documents_s3_region,
            access_key=cfg.documents_s3_access_key,
            secret_key=secret.get_secret_value() if secret else None,
        )
        return cls(
            store=store,
            max_bytes=cfg.documents_max_bytes,
            max_unattached=cfg.documents_max_unattached,
            link_secret=cfg.documents_link_secret.get_secret_value().encode(),
            link_seconds=cfg.documents_link_seconds,
            link_base_url=cfg.documents_link_base_url,
            unattached_ttl=timedelta(hours=cfg.documents_unattached_hours),
        )


async def keep_upload(
    uow: DossierUnitOfWork, cfg: DocumentsConfig, owner_sub: str, doc: CheckedDocument, data: bytes
) -> dict[str, Any]:
    """Store the bytes, then the row; a citizen holds at most ``max_unattached`` unused uploads (checked first,
    so a refused upload writes nothing). Should the row not commit, the object is deleted again."""
    await uow.documents.lock_owner(owner_sub)
    if await uow.documents.unattached(owner_sub) >= cfg.max_unattached:
        raise DocumentRefused(
            409, "too_many_unattached_documents", f"Bạn đang có {cfg.max_unattached} giấy tờ đã tải lên nhưng "
            "chưa nộp kèm hồ sơ nào. Hãy nộp hồ sơ với các giấy tờ đó trước khi tải thêm.",
        )  # fmt: skip
    document_id = str(uuid.uuid4())
    key = f"documents/{document_id}"
    values = {
        "id": document_id,
        "owner_sub": owner_sub,
        "filename": doc.filename,
        "content_type": doc.content_type,
        "size": doc.size,
        "sha256": doc.sha256,
        "storage_key": key,
        "uploaded_at": clock.now(),
    }
    await asyncio.to_thread(cfg.store.put, key, data, doc.content_type)
    try:
        await uow.documents.add(values)
        await uow.commit()
    except BaseException:
        await asyncio.shield(asyncio.to_thread(cfg.store.delete, key))
        raise
    log.info("document.uploaded", document_id=document_id, size=doc.size, content_type=doc.content_type)
    return values


async def attach(
    uow: DossierUnitOfWork, owner_sub: str, refs: tuple[DocumentRef, ...], dossier_code: str, at: datetime
) -> list[DossierDocumentV1]:
    """Attach the citizen's own, unused uploads to the new dossier (same transaction as the dossier)."""
    ids = [r.document_id for r in refs]
    if len(set(ids)) != len(ids):
        raise SubmissionError(
            "invalid_documents", "Một giấy tờ được đính kèm hai lần trong cùng hồ sơ.", ["documents"]
        )
    rows = await uow.documents.lock(ids)
    out = []
    for i, ref in enumerate(refs):
        row = rows.get(ref.document_id)
        field = f"documents.{i}.document_id"
        if row is None or row.owner_sub != owner_sub:  # someone else's is "not found", never "not yours"
            message = f"Không tìm thấy giấy tờ đã tải lên “{ref.name}”. Hãy tải lên lại."
            raise SubmissionError("unknown_document", message, [field])
        if row.dossier_code is not None:
            message = (
                f"Giấy tờ “{ref.name}” đã được nộp kèm hồ sơ {row.dossier_code}. Hãy tải lên lại tệp này."
            )
            raise SubmissionError("document_already_used", message, [field])
        await uow.documents.attach(row.id, dossier_code, ref.name, at)
        out.append(
            DossierDocumentV1(
                document_id=row.id,
                name=ref.name,
                sha256=row.sha256,
                content_type=row.content_type,
                size=row.size,
            )
        )
    return out


async def sweep_unattached(uow: DossierUnitOfWork, cfg: DocumentsConfig, *, batch: int = SWEEP_BATCH) -> int:
    """Delete one batch of uploads that no submission took within ``cfg.unattached_ttl``: the rows (committed
    first, so a submission can no longer attach one), then their objects. Answers how many rows went. A crash
    between the two leaves objects without a row: never served (a link needs the row), logged here."""
    rows = await uow.documents.take_unattached_before(clock.now() - cfg.unattached_ttl, batch)
    await uow.commit()
    for row in rows:
        try:
            await asyncio.to_thread(cfg.store.delete, row.storage_key)
        except Exception as exc:
            log.warning("document.sweep_object_failed", document_id=row.id, error=repr(exc)[:200])
    if rows:
        log.info("document.unattached_swept", count=len(rows))
    return len(rows)


async def sweep_forever(new_uow: Callable[[], DossierUnitOfWork], cfg: DocumentsConfig, every: float) -> None:
    """The background job: a sweep every ``every`` seconds, batches until none is full (several replicas may run
    it: the rows are taken with SKIP LOCKED)."""
    while True:
        try:
            while True:
                async with new_uow() as uow:
                    if await sweep_unattached(uow, cfg) < SWEEP_BATCH:
                        break
        except Exception as exc:  # the database away: the next round tries again
            log.warning("document.sweep_failed", error=repr(exc)[:200])
        await asyncio.sleep(every)
