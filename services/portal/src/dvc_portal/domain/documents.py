"""The submission form's documents: one file input per document the procedure requires (the catalog's
``required_documents``). The dossier service judges and keeps each file (``POST /v1/documents``); the form
remembers what it already holds (hidden ``<input>-id`` / ``<input>-ten``), so a page shown again for a typo does
not ask for the files once more. Pure: no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

MAX_DOCUMENTS = 20
ACCEPT = ".pdf,.jpg,.jpeg,.png"
_ID = re.compile(r"^[0-9a-f-]{36}$")
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


@dataclass(frozen=True)
class DocumentInput:
    code: str
    name: str
    mandatory: bool
    error: str | None = None
    kept_id: str = ""  # an upload the dossier service holds for this form already
    kept_name: str = ""

    @property
    def input_id(self) -> str:
        return "doc-" + _UNSAFE.sub("-", self.code)


def required(procedure: dict[str, Any]) -> list[DocumentInput]:
    docs = [d for d in procedure.get("required_documents") or [] if isinstance(d, dict) and d.get("code")]
    return [
        DocumentInput(str(d["code"]), str(d.get("name") or d["code"]), bool(d.get("mandatory", True)))
        for d in docs[:MAX_DOCUMENTS]
    ]


def kept_from_form(procedure: dict[str, Any], fields: dict[str, str]) -> dict[str, tuple[str, str]]:
    """What the page said the dossier service holds already, by document code (ids of the right shape only:
    the dossier service checks that each is this citizen's own, unused upload)."""
    kept = {}
    for d in required(procedure):
        document_id = fields.get(f"{d.input_id}-id", "")
        if _ID.match(document_id):
            kept[d.code] = (document_id, fields.get(f"{d.input_id}-ten", "")[:200])
    return kept


def inputs(
    procedure: dict[str, Any], kept: dict[str, tuple[str, str]], errors: dict[str, str]
) -> list[DocumentInput]:
    out = []
    for d in required(procedure):
        kept_id, kept_name = kept.get(d.code, ("", ""))
        out.append(DocumentInput(d.code, d.name, d.mandatory, errors.get(d.input_id), kept_id, kept_name))
    return out


def references(procedure: dict[str, Any], kept: dict[str, tuple[str, str]]) -> list[dict[str, str]]:
    """The ``documents`` of ``POST /dossiers``, in the catalog's order, each with its document type code."""
    return [
        {"document_id": kept[d.code][0], "name": d.name, "code": d.code}
        for d in required(procedure)
        if d.code in kept
    ]


def online_only(procedure: dict[str, Any]) -> bool:
    """A level-4 procedure is filed and handled entirely online: its mandatory documents come with the form
    (the dossier service refuses the submission otherwise); at level 3 the originals are shown at the counter."""
    return procedure.get("service_level") == 4


def missing_message(name: str) -> str:
    return (
        f"Chưa có tệp “{name}”. Đây là giấy tờ bắt buộc khi nộp hồ sơ trực tuyến: hãy chọn tệp PDF, JPEG "
        "hoặc PNG của giấy tờ này."
    )


def missing(procedure: dict[str, Any], kept: dict[str, tuple[str, str]]) -> dict[str, str]:
    """The mandatory documents of a level-4 procedure the form holds no upload for, by input id."""
    if not online_only(procedure):
        return {}
    return {
        d.input_id: missing_message(d.name) for d in required(procedure) if d.mandatory and d.code not in kept
    }


def too_large(filename: str, max_bytes: int) -> str:
    size = f"{max_bytes / (1024 * 1024):.10g}".replace(".", ",")
    return (
        f"Tệp “{filename}” vượt quá giới hạn {size} MB mỗi tệp. Hãy giảm dung lượng (quét ở độ phân giải "
        "thấp hơn hoặc nén PDF) rồi chọn lại."
    )


def errors_from_dossier(
    procedure: dict[str, Any], kept: dict[str, tuple[str, str]], detail: dict[str, Any]
) -> dict[str, str]:
    """A refused ``documents.<i>.document_id`` of the submission, on the input of the i-th document sent; the
    refused upload is forgotten (``kept`` loses it), so the citizen chooses the file again. A missing mandatory
    document (``documents.<code>``, 422 ``missing_documents``) goes on that document's input."""
    sent = [d for d in required(procedure) if d.code in kept]
    by_code = {d.code: d for d in required(procedure)}
    errors = {}
    for name in detail.get("fields") or []:
        m = re.fullmatch(r"documents\.(\d+)\.document_id", str(name))
        if m and int(m.group(1)) < len(sent):
            d = sent[int(m.group(1))]
            errors[d.input_id] = str(detail.get("message") or "Giấy tờ này cần được tải lên lại.")
            kept.pop(d.code, None)
        elif detail.get("error") == "missing_documents" and str(name).removeprefix("documents.") in by_code:
            d = by_code[str(name).removeprefix("documents.")]
            errors[d.input_id] = missing_message(d.name)
    return errors
