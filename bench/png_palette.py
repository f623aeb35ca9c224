"""A screenshot as a small palette PNG, in pure Python (no imaging library in the project): decode an 8-bit RGB(A)
PNG, keep its 255 most frequent colours (a UI's flat colours; anti-aliased edges go to the nearest kept one),
write an 8-bit indexed PNG at zlib level 9. For the README's screenshots, a few seconds for a phone-sized page."""

from __future__ import annotations

import struct
import zlib
from collections import Counter

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunks(data: bytes) -> dict[bytes, bytes]:
    out: dict[bytes, bytes] = {}
    pos = len(SIGNATURE)
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        out[kind] = out.get(kind, b"") + data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    return out


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def decode(data: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGB bytes) of an 8-bit, non-interlaced RGB or RGBA PNG."""
    assert data.startswith(SIGNATURE), "not a PNG"
    chunks = _chunks(data)
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert depth == 8 and colour in (2, 6) and not interlace, "8-bit RGB(A), not interlaced"
    bpp = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(chunks[b"IDAT"]), width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                line[i] = (line[i] + _paeth(a, b, c)) & 255
        prev = line
        rows.append(bytes(line) if bpp == 3 else bytes(v for i, v in enumerate(line) if i % 4 != 3))
    return width, height, rows


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def palette_png(data: bytes, colours: int = 255) -> bytes:
    width, height, rows = decode(data)
    pixels = [row[i : i + 3] for row in rows for i in range(0, len(row), 3)]
    kept = [c for c, _ in Counter(pixels).most_common(colours)]
    index: dict[bytes, int] = {c: i for i, c in enumerate(kept)}

    def nearest(c: bytes) -> int:
        found = index.get(c)
        if found is None:
            found = min(
                range(len(kept)), key=lambda i: sum((x - y) ** 2 for x, y in zip(c, kept[i], strict=True))
            )
            index[c] = found
        return found

    raw = bytearray()
    for y in range(height):
        raw.append(0)
        raw += bytes(nearest(p) for p in pixels[y * width : (y + 1) * width])
    header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)
    return (
        SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"PLTE", b"".join(kept))
        + _chunk(b"IDAT", zlib.compress(bytes(raw), 9))
        + _chunk(b"IEND", b"")
    )
