"""Citizens' documents: upload (citizen), list (who may read the dossier), expiring download links (the dossier's
owner and its handling agency) and the download the link opens (whoever holds an unexpired, untampered link)."""

from __future__ import annotations

import asyncio
import unicodedata
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response

from dvc_contracts import clock
from dvc_dossier.domain import documents, links
from dvc_dossier.domain.documents import DocumentRefused
from dvc_dossier.entrypoints.http import _may_read, _uow
from dvc_dossier.entrypoints.responses import AttachedDocument, DocumentLink, DossierDocuments, Uploaded
from dvc_dossier.service.documents import DocumentsConfig, keep_upload
from dvckit.auth.fastapi import require_role
from dvckit.auth.jwt import Principal
from dvckit.logging import get_logger
from dvckit.multipart import BodyTooLarge, MultipartError, read_form
from dvckit.objectstore import ObjectNotFound
from dvckit.problems import problem_responses

router = APIRouter(tags=["documents"])
log = get_logger("dvc_dossier.documents")
Citizen = Annotated[Principal, Depends(require_role("citizen"))]
Reader = Annotated[Principal, Depends(require_role("citizen", "operator", "agency"))]
Fetcher = Annotated[Principal, Depends(require_role("citizen", "agency"))]
FORM_OVERHEAD = 64 * 1024  # multipart boundaries and part headers around the one file
# the body limit of this route is its own (dvckit.limits): the app's applies to every other path
STREAMED_PATHS = (r"(/v1)?/documents",)
LINK_REFUSED = {
    "invalid_signature": "Đường dẫn tải giấy tờ không hợp lệ (đã bị sửa hoặc không do Cổng cấp).",
    "link_expired": "Đường dẫn tải giấy tờ đã hết hạn. Hãy lấy đường dẫn mới từ trang hồ sơ.",
}


def _config(request: Request) -> DocumentsConfig:
    cfg: DocumentsConfig = request.app.state.documents
    return cfg


def _refused(exc: DocumentRefused) -> HTTPException:
    return HTTPException(
        exc.status, detail={"error": exc.code, "message": exc.message, "fields": {"file": exc.message}}
    )


def _document_out(row: Any) -> AttachedDocument:
    return AttachedDocument(
        id=row.id,
        name=row.name,
        filename=row.filename,
        content_type=row.content_type,
        size=row.size,
        sha256=row.sha256,
    )


UPLOAD_BODY: dict[
    str, Any
] = {  # the body is read as a stream (dvckit.multipart), so OpenAPI is told its shape here
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "PDF, JPEG, PNG"}
                    },
                }
            }
        },
    }
}
DOCUMENT_BYTES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The document's bytes, as uploaded",
        "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in documents.ACCEPTED},
    }
}


@router.post(
    "/documents",
    status_code=201,
    openapi_extra=UPLOAD_BODY,
    responses=problem_responses(409, 413, 415),
    summary="A citizen uploads one document (multipart field `file`: PDF, JPEG or PNG by content; "
    "at most DOSSIER_DOCUMENTS_MAX_BYTES, 10 MB)",
)
async def upload(request: Request, citizen: Citizen) -> Uploaded:
    cfg = _config(request)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cfg.max_bytes + FORM_OVERHEAD:
        raise _refused(documents.too_large("", cfg.max_bytes))  # refused before a byte of it is read
    try:
        form = await read_form(
            request.stream(),
            request.headers.get("content-type"),
            max_total_bytes=cfg.max_bytes + FORM_OVERHEAD,
            max_file_bytes=cfg.max_bytes,
            max_files=1,
            max_fields=10,
            max_field_bytes=4096,
        )
    except BodyTooLarge as exc:
        raise _refused(documents.too_large("", cfg.max_bytes)) from exc
    except MultipartError as exc:
        status = 415 if exc.code == "not_multipart" else 400
        raise HTTPException(status, detail={"error": exc.code, "message": exc.message}) from exc
    part = form.file("file")
    if part is None or (not part.filename and not part.size):
        message = "Chưa có tệp: gửi một tệp PDF, JPEG hoặc PNG trong trường “file”."
        raise HTTPException(
            422, detail={"error": "missing_file", "message": message, "fields": {"file": message}}
        )
    try:
        checked = documents.check(part.filename, part.data, max_bytes=cfg.max_bytes, too_big=part.too_large)
        async with _uow(request) as uow:
            kept = await keep_upload(uow, cfg, citizen.sub, checked, part.data)
    except DocumentRefused as exc:
        raise _refused(exc) from exc
    return Uploaded(
        id=kept["id"],
        sha256=kept["sha256"],
        size=kept["size"],
        content_type=kept["content_type"],
        filename=kept["filename"],
    )


async def _dossier_for(request: Request, code: str, reader: Principal) -> Any:
    """The dossier, if this reader may see it; 404 otherwise (never "exists, not yours")."""
    async with _uow(request) as uow:
        row = await uow.dossiers.get(code)
    if row is None or not _may_read(reader, row):
        raise HTTPException(404, detail={"error": "not_found", "message": f"Không tìm thấy hồ sơ {code}."})
    return row


@router.get(
    "/dossiers/{code}/documents",
    summary="The documents attached to a dossier (owner; operator or responsible agency of its province)",
)
async def list_documents(request: Request, code: str, reader: Reader) -> DossierDocuments:
    await _dossier_for(request, code, reader)
    async with _uow(request) as uow:
        rows = await uow.documents.of_dossier(code)
    return DossierDocuments(items=[_document_out(r) for r in rows])


@router.get(
    "/dossiers/{code}/documents/{document_id}/link",
    summary="An expiring download link for one of a dossier's documents (the owner; the handling agency of "
    "the dossier's province); DOSSIER_DOCUMENTS_LINK_SECONDS, 10 minutes",
)
async def document_link(request: Request, code: str, document_id: str, reader: Fetcher) -> DocumentLink:
    await _dossier_for(request, code, reader)
    async with _uow(request) as uow:
        row = await uow.documents.get(document_id)
    if row is None or row.dossier_code != code:
        message = "Không tìm thấy giấy tờ này trong hồ sơ."
        raise HTTPException(404, detail={"error": "not_found", "message": message})
    cfg = _config(request)
    expires = int(clock.now().timestamp()) + cfg.link_seconds
    base = (cfg.link_base_url or str(request.base_url)).rstrip("/")
    log.info("document.link_issued", document_id=document_id, dossier_code=code, role=reader.role)
    return DocumentLink(
        url=base + links.link_path(cfg.link_secret, document_id, expires),
        expires_at=datetime.fromtimestamp(expires, UTC),
    )


def _ascii_name(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(ch if ch.isalnum() or ch in "._- " else "_" for ch in plain).strip() or "tai-lieu"


@router.get(
    "/documents/{document_id}/content",
    response_class=Response,
    responses=DOCUMENT_BYTES,
    summary="Download a document with a link from …/link (no token: the signed link is the permission, "
    "until it expires)",
)
async def document_content(
    request: Request,
    document_id: str,
    expires: Annotated[int, Query()],
    signature: Annotated[str, Query(max_length=128)],
) -> Response:
    cfg = _config(request)
    reason = links.refusal(cfg.link_secret, document_id, expires, signature, int(clock.now().timestamp()))
    if reason:
        raise HTTPException(403, detail={"error": reason, "message": LINK_REFUSED[reason]})
    async with _uow(request) as uow:
        row = await uow.documents.get(document_id)
    try:
        if row is None:
            raise ObjectNotFound(document_id)
        data = await asyncio.to_thread(cfg.store.get, row.storage_key)
    except ObjectNotFound as exc:
        log.error("document.missing", document_id=document_id)
        raise HTTPException(404, detail={"error": "not_found", "message": "Không tìm thấy giấy tờ."}) from exc
    disposition = (
        f"attachment; filename=\"{_ascii_name(row.filename)}\"; filename*=UTF-8''{quote(row.filename)}"
    )
    headers = {
        "Content-Disposition": disposition,
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
    }
    return Response(data, media_type=row.content_type, headers=headers)
