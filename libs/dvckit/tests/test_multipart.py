"""dvckit.multipart: a multipart form read chunk by chunk, whatever the chunk boundaries, within its limits."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from dvckit.multipart import BodyTooLarge, MultipartError, read_form

BOUNDARY = "----dvcBoundary7MA4YWxk"
CT = f"multipart/form-data; boundary={BOUNDARY}"


def body(*parts: tuple[str, str | None, bytes], boundary: str = BOUNDARY) -> bytes:
    out = b"preamble ignored\r\n"
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"' + (
            f'; filename="{filename}"' if filename is not None else ""
        )
        out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        if filename is not None:
            out += b"Content-Type: application/octet-stream\r\n"
        out += b"\r\n" + data + b"\r\n"
    return out + f"--{boundary}--\r\nepilogue".encode()


async def chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


PAYLOAD = b"%PDF-1.7\r\n--not-the-boundary\r\n" + bytes(range(256)) * 40 + b"\r\n-"


@pytest.mark.parametrize("size", [1, 7, 64, 1000, 1 << 20])
async def test_files_and_fields_survive_any_chunking(size: int) -> None:
    raw = body(("note", None, "Giấy khai sinh".encode()), ("file", "giấy tờ.pdf", PAYLOAD))
    form = await read_form(
        chunks(raw, size), CT, max_total_bytes=1 << 20, max_file_bytes=1 << 16, max_files=2
    )
    assert form.fields == {"note": "Giấy khai sinh"}
    part = form.file("file")
    assert (
        part is not None
        and part.filename == "giấy tờ.pdf"
        and part.declared_type == "application/octet-stream"
    )
    assert part.data == PAYLOAD and part.size == len(PAYLOAD) and not part.too_large


async def test_a_file_over_its_limit_is_counted_not_kept_and_the_rest_is_read() -> None:
    raw = body(("a", "big.pdf", b"x" * 5000), ("b", "small.png", b"y" * 10), ("name", None, b"An"))
    form = await read_form(chunks(raw, 100), CT, max_total_bytes=10_000, max_file_bytes=1000, max_files=3)
    big, small = form.files
    assert (big.too_large, big.size, big.data) == (True, 5000, b"")
    assert (small.too_large, small.data) == (False, b"y" * 10)
    assert form.fields == {"name": "An"}


async def test_the_whole_body_stops_at_its_limit_while_streaming() -> None:
    read = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal read
        yield f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\n'.encode()
        while True:
            read += 1
            yield b"z" * 1024

    with pytest.raises(BodyTooLarge):
        await read_form(endless(), CT, max_total_bytes=10 * 1024, max_file_bytes=1024)
    assert read <= 10  # stopped as soon as the limit was passed, not at the end of the body


@pytest.mark.parametrize(
    ("content_type", "raw", "code"),
    [
        ("application/json", b"{}", "not_multipart"),
        ("multipart/form-data", b"", "not_multipart"),
        (
            CT,
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="f"\r\n\r\nabc'.encode(),
            "malformed_multipart",
        ),
        (CT, f"--{BOUNDARY}\r\nNo-Colon-Here\r\n\r\nabc\r\n--{BOUNDARY}--".encode(), "malformed_multipart"),
        (
            CT,
            f"--{BOUNDARY}\r\nContent-Disposition: inline\r\n\r\nabc\r\n--{BOUNDARY}--".encode(),
            "malformed_multipart",
        ),
        (CT, body(("a", "1.pdf", b"1"), ("b", "2.pdf", b"2")), "too_many_files"),
        (CT, body(("note", None, b"n" * 5000)), "field_too_large"),
    ],
)
async def test_unreadable_forms_are_refused(content_type: str, raw: bytes, code: str) -> None:
    with pytest.raises(MultipartError) as refused:
        await read_form(chunks(raw, 10), content_type, max_total_bytes=1 << 20, max_file_bytes=1 << 16,
                        max_field_bytes=4096)  # fmt: skip
    assert refused.value.code == code and refused.value.message
