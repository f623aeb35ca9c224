"""A citizen's uploaded document: what is accepted, judged by the bytes alone (pure rules, no I/O).

The type comes from the file's first bytes (its magic number): ``%PDF-`` (PDF), ``FF D8 FF`` (JPEG), the PNG
signature. The filename and the Content-Type the sender declared are never trusted: a Windows or Linux program
renamed ``giay-to.pdf``, a ZIP, an HTML page or an empty file is refused, with the reason in Vietnamese.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Final

ACCEPTED: Final = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
EXTENSIONS: Final = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
_MAGIC: Final = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
# what a refused file looks like, to say so (first match wins)
_LOOKS_LIKE: Final = (
    (b"MZ", "một chương trình chạy được của Windows"),
    (b"\x7fELF", "một chương trình chạy được của Linux"),
    (b"PK\x03\x04", "một tệp nén ZIP (hoặc tài liệu Word/Excel)"),
    (b"Rar!", "một tệp nén RAR"),
    (b"GIF8", "một ảnh GIF"),
    (b"#!", "một tệp lệnh (script)"),
)
MAX_FILENAME = 200


class DocumentRefused(Exception):
    """An upload that is not kept: ``status`` (413, 415, 422), ``code`` and a Vietnamese ``message``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class CheckedDocument:
    filename: str
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class DocumentRef:
    """A document named in a submission: an uploaded id, what the citizen says it is and, optionally, which of
    the procedure's ``required_documents`` it is (its code)."""

    document_id: str
    name: str
    code: str | None = None


def sniff(data: bytes) -> str | None:
    """The content type the bytes show, among the accepted ones; None for anything else."""
    return next((ctype for magic, ctype in _MAGIC if data.startswith(magic)), None)


def _looks_like(data: bytes) -> str:
    head = data[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<?xml", b"<svg")):
        return "một trang HTML/XML"
    return next((what for magic, what in _LOOKS_LIKE if data.startswith(magic)), "một loại tệp khác")


def megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.10g} MB".replace(".", ",")


def too_large(filename: str, max_bytes: int) -> DocumentRefused:
    shown = f"Tệp “{filename}”" if filename else "Tệp"
    return DocumentRefused(
        413, "file_too_large", f"{shown} vượt quá giới hạn {megabytes(max_bytes)} mỗi tệp. Hãy giảm dung lượng "
        "(quét ở độ phân giải thấp hơn hoặc nén PDF) rồi tải lên lại.",
    )  # fmt: skip


def clean_filename(raw: str) -> str:
    """The name to show: last path component, no control characters, NFC, at most 200 characters."""
    name = re.split(r"[\\/]", raw)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    return name.strip()[:MAX_FILENAME]


def check(filename: str, data: bytes, *, max_bytes: int, too_big: bool = False) -> CheckedDocument:
    """Accept ``data`` as a PDF, JPEG or PNG of at most ``max_bytes``, or raise ``DocumentRefused``."""
    name = clean_filename(filename)
    if too_big or len(data) > max_bytes:
        raise too_large(name, max_bytes)
    if not data:
        raise DocumentRefused(422, "empty_file", f"Tệp “{name}” rỗng (0 byte). Hãy chọn lại tệp giấy tờ.")
    content_type = sniff(data)
    if content_type is None:
        raise DocumentRefused(
            415, "unsupported_file_type", f"Tệp “{name}” không phải PDF, JPEG hoặc PNG: nội dung của nó là "
            f"{_looks_like(data)}, dù tên tệp là gì. Chỉ nhận giấy tờ dạng PDF, JPEG hoặc PNG.",
        )  # fmt: skip
    if not name:
        name = f"tai-lieu.{EXTENSIONS[content_type]}"
    return CheckedDocument(name, content_type, len(data), hashlib.sha256(data).hexdigest())
