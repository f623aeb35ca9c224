"""The helpers of the portal-pages bench (bench/portal_pages.py, bench/portal_weight.py, bench/png_palette.py),
on a small stand-in site: the Server-Timing figures read, the page weighed with each of its assets once (the
stylesheet's url()s included, another site's and data: URLs left out), a refused page failing the run, and the
README screenshot's palette PNG holding the same pixels."""

from __future__ import annotations

import struct
import zlib

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response

from bench import png_palette, portal_pages
from bench.portal_weight import weight

PAGE = """<!doctype html><html><head><link rel="stylesheet" href="/static/a.css">
<link rel="icon" href="data:,"><script src="https://cdn.example/x.js"></script></head>
<body><img src="/static/logo.png" alt="x"><a href="/not-an-asset">x</a></body></html>"""
CSS = "body { background: url('/static/bg.png') } .x { background: url(/static/logo.png) }"


def site() -> FastAPI:
    app = FastAPI()

    @app.get("/")
    async def home() -> Response:
        return HTMLResponse(PAGE, headers={"server-timing": 'app;dur=12.5, upstream;dur=8.0;desc="1 calls"'})

    @app.get("/static/a.css")
    async def css() -> Response:
        return Response(CSS, media_type="text/css")

    @app.get("/static/{name}.png")
    async def png(name: str) -> Response:
        return Response(b"P" * (100 if name == "logo" else 50), media_type="image/png")

    @app.get("/het-han")
    async def refused() -> Response:
        return HTMLResponse("no", status_code=503)

    return app


def test_server_timing_and_percentiles() -> None:
    assert portal_pages.server_times('app;dur=12.5, upstream;dur=8.0;desc="1 calls"') == (12.5, 8.0)
    assert portal_pages.server_times("app;dur=0.4") == (0.4, 0.0)
    values = [float(v) for v in range(1, 101)]
    assert (portal_pages.pct(values, 0.5), portal_pages.pct(values, 0.95)) == (51.0, 95.0)


async def test_latencies_and_weight_on_a_stand_in_site() -> None:
    transport = httpx.ASGITransport(app=site())
    async with httpx.AsyncClient(transport=transport, base_url="http://portal.test") as client:
        figures = await portal_pages.latencies(client, lambda: "/", 10)
        assert figures["server_p95_ms"] == 12.5 and figures["upstream_p95_ms"] == 8.0
        assert figures["own_p95_ms"] == 4.5 and figures["client_p95_ms"] > 0
        with pytest.raises(httpx.HTTPStatusError):  # a page that is not 200 stops the run
            await portal_pages.latencies(client, lambda: "/het-han", 1)

    w = await weight("http://portal.test", "/", httpx.Cookies(), transport)
    assert sorted(a["url"] for a in w["assets"]) == ["/static/a.css", "/static/bg.png", "/static/logo.png"]
    assert w["decoded_bytes"] == len(PAGE.encode()) + len(CSS) + 100 + 50  # logo.png counted once
    assert w["html_bytes"] == len(PAGE.encode()) and w["bytes"] >= w["html_bytes"]


def _rgb_png(width: int, height: int, pixel: object) -> bytes:
    raw = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width))  # type: ignore[operator]
        for y in range(height)
    )

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        png_palette.SIGNATURE
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def test_palette_png_keeps_the_pixels_of_a_flat_picture() -> None:
    colours = [(255, 255, 255), (128, 20, 30), (0, 0, 0)]
    source = _rgb_png(30, 20, lambda x, y: colours[(x // 10 + y) % 3])
    small = png_palette.palette_png(source)
    chunks = png_palette._chunks(small)
    width, height, depth, colour_type = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (width, height, depth, colour_type) == (30, 20, 8, 3)
    palette = [tuple(chunks[b"PLTE"][i : i + 3]) for i in range(0, len(chunks[b"PLTE"]), 3)]
    raw = zlib.decompress(chunks[b"IDAT"])
    for y in range(height):
        row = raw[y * (width + 1) + 1 : (y + 1) * (width + 1)]
        assert [palette[i] for i in row] == [colours[(x // 10 + y) % 3] for x in range(width)]
