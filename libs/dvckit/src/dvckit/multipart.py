"""A streaming ``multipart/form-data`` reader with limits counted while the body arrives (RFC 7578).

FastAPI's forms need python-multipart and spool whole files before a route sees them; uploads here are read
chunk by chunk from the request stream instead: the whole body stops at ``max_total_bytes`` (``BodyTooLarge``,
raised as soon as it is passed), a file past ``max_file_bytes`` keeps being counted but its bytes are dropped
(``FilePart.too_large``: the caller says which field was too large and the rest of the form is kept), text
fields stop at ``max_field_bytes``. Nothing is written anywhere: the caller decides what to keep.

Routes that read their body this way are exempt from the app-wide body limit (``dvckit.limits``) and
enforce their own.
"""

from __future__ import annotations

import email.message
import email.utils
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

MAX_HEADER_BYTES = 16 * 1024


class MultipartError(ValueError):
    """Not a readable multipart form; ``code`` for the problem, ``message`` in Vietnamese."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class BodyTooLarge(MultipartError):
    def __init__(self, limit: int) -> None:
        super().__init__("body_too_large", f"Nội dung gửi lên vượt quá {limit:,} byte.".replace(",", "."))
        self.limit = limit


@dataclass
class FilePart:
    field: str
    filename: str  # as the browser sent it ("" when the input was left empty)
    declared_type: str  # the sender's Content-Type: shown to nobody, trusted by nobody
    data: bytes = b""  # empty when too large
    size: int = 0  # bytes received, also when too large
    too_large: bool = False


@dataclass
class Form:
    fields: dict[str, str] = field(default_factory=dict)
    files: list[FilePart] = field(default_factory=list)

    def file(self, name: str) -> FilePart | None:
        return next((f for f in self.files if f.field == name), None)


def boundary_of(content_type: str | None) -> bytes:
    msg = email.message.Message()
    msg["content-type"] = content_type or ""
    boundary = msg.get_param("boundary") if msg.get_content_type() == "multipart/form-data" else None
    if not isinstance(boundary, str) or not 1 <= len(boundary) <= 70:
        raise MultipartError("not_multipart", "Yêu cầu phải gửi dạng multipart/form-data (kèm boundary).")
    return boundary.encode("latin-1", "replace")


def _disposition(raw: bytes) -> tuple[str, str | None, str]:
    """The part's field name, its filename (None for a text field) and its declared content type."""
    msg = email.message.Message()
    for line in raw.decode("utf-8", "replace").split("\r\n"):
        header, sep, value = line.partition(":")
        if not sep:
            raise MultipartError("malformed_multipart", "Phần đầu của một mục trong biểu mẫu không hợp lệ.")
        msg[header.strip()] = value.strip()
    if msg.get_content_disposition() != "form-data":
        raise MultipartError(
            "malformed_multipart", "Mỗi mục của biểu mẫu phải có Content-Disposition: form-data."
        )
    param = msg.get_param("name", header="content-disposition")
    name = email.utils.collapse_rfc2231_value(param) if param else None
    filename = msg.get_filename()
    if not name:
        raise MultipartError("malformed_multipart", "Một mục của biểu mẫu không có tên (name).")
    return name, filename, msg.get_content_type() if msg["content-type"] else ""


class _Reader:
    def __init__(
        self, boundary: bytes, max_file: int, max_field: int, max_files: int, max_fields: int
    ) -> None:
        self.first, self.next = b"--" + boundary, b"\r\n--" + boundary
        self.max_file, self.max_field, self.max_files, self.max_fields = (
            max_file,
            max_field,
            max_files,
            max_fields,
        )
        self.buf = bytearray()
        self.state = "preamble"
        self.form = Form()
        self.part: FilePart | None = None
        self.text: tuple[str, bytearray] | None = None
        self.kept = bytearray()

    def feed(self, chunk: bytes) -> None:
        self.buf += chunk
        while self.state != "done" and self._step():
            pass
        if self.state == "done":
            self.buf.clear()  # the epilogue is ignored

    def _step(self) -> bool:
        """One move of the state machine; False when more bytes are needed."""
        if self.state == "preamble":
            i = self.buf.find(self.first)
            if i < 0:
                del self.buf[: max(0, len(self.buf) - len(self.first))]
                return False
            del self.buf[: i + len(self.first)]
            self.state = "delimiter"
        elif self.state == "delimiter":
            if len(self.buf) < 2:
                return False
            end = bytes(self.buf[:2])
            if end not in (b"--", b"\r\n"):
                raise MultipartError("malformed_multipart", "Ranh giới (boundary) của biểu mẫu không hợp lệ.")
            del self.buf[:2]
            self.state = "done" if end == b"--" else "headers"
        elif self.state == "headers":
            i = self.buf.find(b"\r\n\r\n")
            if i < 0:
                if len(self.buf) > MAX_HEADER_BYTES:
                    raise MultipartError(
                        "malformed_multipart", "Phần đầu của một mục trong biểu mẫu quá dài."
                    )
                return False
            self._start(bytes(self.buf[:i]))
            del self.buf[: i + 4]
            self.state = "body"
        else:  # body
            i = self.buf.find(self.next)
            if i < 0:
                safe = len(self.buf) - len(self.next)
                if safe > 0:
                    self._data(bytes(self.buf[:safe]))
                    del self.buf[:safe]
                return False
            self._data(bytes(self.buf[:i]))
            del self.buf[: i + len(self.next)]
            self._end()
            self.state = "delimiter"
        return True

    def _start(self, raw: bytes) -> None:
        name, filename, declared = _disposition(raw)
        if filename is not None:
            if len(self.form.files) >= self.max_files:
                raise MultipartError("too_many_files", f"Mỗi lần gửi tối đa {self.max_files} tệp.")
            self.part = FilePart(name, filename, declared)
            self.kept = bytearray()
        else:
            if len(self.form.fields) >= self.max_fields:
                raise MultipartError("too_many_fields", f"Biểu mẫu có quá {self.max_fields} mục.")
            self.text = (name, bytearray())

    def _data(self, data: bytes) -> None:
        if self.part is not None:
            self.part.size += len(data)
            self.part.too_large = self.part.too_large or self.part.size > self.max_file
            if self.part.too_large:
                self.kept = bytearray()  # counted, not kept
            else:
                self.kept += data
        elif self.text is not None:
            self.text[1].extend(data)
            if len(self.text[1]) > self.max_field:
                raise MultipartError("field_too_large", f"Mục {self.text[0]!r} của biểu mẫu quá dài.")

    def _end(self) -> None:
        if self.part is not None:
            self.part.data = bytes(self.kept)
            self.form.files.append(self.part)
        elif self.text is not None:
            self.form.fields[self.text[0]] = self.text[1].decode("utf-8", "replace")
        self.part, self.text, self.kept = None, None, bytearray()


async def read_form(
    chunks: AsyncIterator[bytes],
    content_type: str | None,
    *,
    max_total_bytes: int,
    max_file_bytes: int,
    max_files: int = 1,
    max_fields: int = 50,
    max_field_bytes: int = 64 * 1024,
) -> Form:
    """Read a multipart form from ``chunks`` (``request.stream()``) within the limits."""
    reader = _Reader(boundary_of(content_type), max_file_bytes, max_field_bytes, max_files, max_fields)
    total = 0
    async for chunk in chunks:
        total += len(chunk)
        if total > max_total_bytes:
            raise BodyTooLarge(max_total_bytes)
        reader.feed(chunk)
    if reader.state != "done":
        raise MultipartError(
            "malformed_multipart", "Biểu mẫu gửi lên không đầy đủ (thiếu ranh giới kết thúc)."
        )
    return reader.form
