"""Reading the submission form (multipart with its files, or a plain urlencoded form) within limits counted as
the body arrives, and forwarding each chosen file to the dossier service with the citizen's token.

The submission route is exempt from the portal's 256 KiB body limit (``dvckit.limits``); its own is one file of
``PORTAL_DOCUMENTS_MAX_BYTES`` per required document plus 256 KiB of form."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from fastapi import HTTPException, Request

from dvc_portal.adapters.upstream import ServiceError
from dvc_portal.domain import documents
from dvc_portal.entrypoints.context import portal
from dvckit.logging import get_logger
from dvckit.multipart import BodyTooLarge, FilePart, MultipartError, read_form

log = get_logger("dvc_portal.uploads")
SUBMIT_PATHS = (r"/thu-tuc/[^/]+/nop-ho-so",)
FORM_BYTES = 256 * 1024


async def _bounded_body(request: Request, limit: int) -> bytes:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge(limit)
    return bytes(body)


async def read_submission(
    request: Request, documents_wanted: int
) -> tuple[dict[str, str], dict[str, FilePart]]:
    """The form's text fields and its files by input name."""
    max_file = portal(request).settings.documents_max_bytes
    content_type = request.headers.get("content-type", "")
    try:
        if content_type.startswith("multipart/"):
            form = await read_form(
                request.stream(),
                content_type,
                max_total_bytes=documents_wanted * max_file + FORM_BYTES,
                max_file_bytes=max_file,
                max_files=max(1, documents_wanted),
                max_fields=200,
                max_field_bytes=16 * 1024,
            )
            return form.fields, {f.field: f for f in form.files}
        text = (await _bounded_body(request, FORM_BYTES)).decode("utf-8", errors="replace")
        return dict(parse_qsl(text, keep_blank_values=True, max_num_fields=200)), {}
    except BodyTooLarge as exc:
        raise HTTPException(
            413, detail=f"Hồ sơ gửi lên quá lớn: mỗi giấy tờ tối đa {_mb(max_file)}."
        ) from exc
    except MultipartError as exc:
        raise HTTPException(400, detail=exc.message) from exc


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.10g} MB".replace(".", ",")


async def forward_files(
    request: Request,
    token: str,
    procedure: dict[str, Any],
    kept: dict[str, tuple[str, str]],
    files: dict[str, FilePart],
) -> dict[str, str]:
    """Upload each chosen file (``kept`` gains what the dossier service holds now); errors by input id, in the
    dossier service's words. A 401 (the session's token expired) is raised to the caller."""
    services = portal(request).services
    max_file = portal(request).settings.documents_max_bytes
    errors: dict[str, str] = {}
    for d in documents.required(procedure):
        part = files.get(d.input_id)
        if part is None or (not part.filename and not part.size):
            continue  # nothing chosen: keep what the form held, if anything
        kept.pop(d.code, None)
        if part.too_large:
            errors[d.input_id] = documents.too_large(part.filename, max_file)
            continue
        try:
            up = await services.upload_document(token, part.filename or d.name, part.data)
        except ServiceError as exc:
            if exc.status == 401:
                raise
            errors[d.input_id] = exc.message
            log.info("portal.document_refused", document=d.code, error=exc.error)
            continue
        kept[d.code] = (str(up["id"]), str(up.get("filename") or part.filename))
    return errors
