"""What an uploaded document is, judged by its bytes only; and the expiring links to fetch one."""

from __future__ import annotations

import hashlib

import pytest

from dvc_dossier.domain import links
from dvc_dossier.domain.documents import DocumentRefused, check, clean_filename, megabytes, sniff

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 20
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 60 + b"This program cannot be run in DOS mode"
MB10 = 10 * 1024 * 1024


@pytest.mark.parametrize(
    ("data", "ctype"), [(PDF, "application/pdf"), (JPEG, "image/jpeg"), (PNG, "image/png")]
)
def test_the_three_types_are_known_by_their_bytes_whatever_the_name(data: bytes, ctype: str) -> None:
    doc = check("scan.exe", data, max_bytes=MB10)  # the name says nothing
    assert (doc.content_type, doc.size, doc.sha256) == (ctype, len(data), hashlib.sha256(data).hexdigest())
    assert doc.filename == "scan.exe"


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (EXE, "chương trình chạy được của Windows"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 40, "chương trình chạy được của Linux"),
        (b"PK\x03\x04" + b"\x00" * 30, "tệp nén ZIP"),
        (b"  <!DOCTYPE html><html><script>alert(1)</script>", "trang HTML"),
        (b"GIF89a" + b"\x00" * 10, "ảnh GIF"),
        (b"just some text", "loại tệp khác"),
        (b" %PDF-1.7", "loại tệp khác"),  # the magic must open the file
    ],
)
def test_anything_else_is_refused_saying_what_it_is(data: bytes, says: str) -> None:
    with pytest.raises(DocumentRefused) as refused:
        check("giay-khai-sinh.pdf", data, max_bytes=MB10)
    assert refused.value.status == 415 and refused.value.code == "unsupported_file_type"
    assert says in refused.value.message and "“giay-khai-sinh.pdf”" in refused.value.message
    assert "PDF, JPEG hoặc PNG" in refused.value.message


def test_empty_and_too_large_files_are_refused() -> None:
    with pytest.raises(DocumentRefused) as empty:
        check("a.pdf", b"", max_bytes=MB10)
    assert (empty.value.status, empty.value.code) == (422, "empty_file") and "rỗng" in empty.value.message
    with pytest.raises(DocumentRefused) as big:
        check("a.pdf", PDF + b"\x00" * 100, max_bytes=len(PDF))
    assert (big.value.status, big.value.code) == (413, "file_too_large")
    with pytest.raises(DocumentRefused) as flagged:  # the reader counted past the limit and kept nothing
        check("b.pdf", b"", max_bytes=MB10, too_big=True)
    assert "vượt quá giới hạn 10 MB mỗi tệp" in flagged.value.message


def test_sniff_and_sizes() -> None:
    assert sniff(PDF[:5]) == "application/pdf" and sniff(b"%PDF") is None and sniff(b"") is None
    assert megabytes(MB10) == "10 MB" and megabytes(MB10 + MB10 // 20) == "10,5 MB"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("C:\\Users\\an\\Giấy khai sinh.pdf", "Giấy khai sinh.pdf"),
        ("../../etc/passwd", "passwd"),
        ("a\x00b\r\nc.png", "abc.png"),
        ("Gia\u0301y.pdf", "Giáy.pdf"),  # decomposed → NFC
        ("x" * 300, "x" * 200),
    ],
)
def test_filenames_are_cleaned_for_display(raw: str, shown: str) -> None:
    assert clean_filename(raw) == shown


def test_a_nameless_upload_gets_a_name_from_its_type() -> None:
    assert check("", PNG, max_bytes=MB10).filename == "tai-lieu.png"


SECRET = b"k" * 32


def test_a_link_opens_until_it_expires() -> None:
    path = links.link_path(SECRET, "doc-1", 1_000_600)
    sig = path.split("signature=")[1]
    assert path.startswith("/v1/documents/doc-1/content?expires=1000600&signature=")
    assert links.refusal(SECRET, "doc-1", 1_000_600, sig, now=1_000_000) is None
    assert links.refusal(SECRET, "doc-1", 1_000_600, sig.upper(), now=1_000_599) is None
    assert links.refusal(SECRET, "doc-1", 1_000_600, sig, now=1_000_600) == "link_expired"


@pytest.mark.parametrize(
    ("document_id", "expires", "secret"),
    [("doc-2", 1_000_600, SECRET), ("doc-1", 9_999_999, SECRET), ("doc-1", 1_000_600, b"other" * 8)],
)
def test_a_changed_id_expiry_or_key_breaks_the_signature(
    document_id: str, expires: int, secret: bytes
) -> None:
    sig = links.signature(SECRET, "doc-1", 1_000_600)
    assert links.refusal(secret, document_id, expires, sig, now=0) == "invalid_signature"


@pytest.mark.parametrize("sig", ["", "00" * 32, "ê" * 64, "zz"])
def test_garbage_signatures_are_refused(sig: str) -> None:
    assert links.refusal(SECRET, "doc-1", 1_000_600, sig, now=0) == "invalid_signature"
