"""What a portal page weighs without cache (bench/portal_pages.py): by a fresh HTTP client that fetches the page and
every asset it references, and, where Debian's chromium/chromium-driver are installed, by a fresh headless browser
(an empty cache) signed in as the bench's citizen, weighed by the browser itself (Navigation and Resource Timing:
``transferSize``, what crossed the network, and ``decodedBodySize``); and a phone-sized screenshot of one page
(the README's)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from bench.png_palette import palette_png
from dvckit.browser import CHROMEDRIVER, CHROMIUM, chromium, wait

ASSET = re.compile(r"""<(?:link|script|img|source)\b[^>]*?\b(?:href|src)=["']([^"']+)["']""", re.I)
CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)["']?\s*\)""")


async def weight(
    base: str, path: str, cookies: httpx.Cookies, transport: httpx.AsyncBaseTransport | None = None
) -> dict[str, Any]:
    """The page and every asset it references (on this site), fetched once each by a fresh client (no cache):
    bytes on the wire (``num_bytes_downloaded``, compressed if the server compresses) and decoded."""
    headers = {"accept-encoding": "gzip, br"}
    async with httpx.AsyncClient(base_url=base, cookies=cookies, headers=headers, transport=transport) as c:
        page = await c.get(path)
        page.raise_for_status()
        wire, decoded = page.num_bytes_downloaded, len(page.content)
        todo = [urljoin(base + path, u) for u in ASSET.findall(page.text)]
        seen: set[str] = set()
        assets = []
        while todo:
            url = todo.pop()
            if url in seen or urlsplit(url).netloc != urlsplit(base).netloc or url.startswith("data:"):
                continue
            seen.add(url)
            r = await c.get(url)
            r.raise_for_status()
            wire, decoded = wire + r.num_bytes_downloaded, decoded + len(r.content)
            assets.append({"url": urlsplit(url).path, "bytes": r.num_bytes_downloaded})
            if "css" in r.headers.get("content-type", ""):
                todo += [urljoin(url, u) for u in CSS_URL.findall(r.text) if not u.startswith("data:")]
    return {
        "bytes": wire,
        "decoded_bytes": decoded,
        "html_bytes": page.num_bytes_downloaded,
        "assets": assets,
    }


WEIGH = """const nav = performance.getEntriesByType('navigation')[0];
const res = performance.getEntriesByType('resource');
return {transfer: nav.transferSize + res.reduce((n, r) => n + r.transferSize, 0),
        decoded: nav.decodedBodySize + res.reduce((n, r) => n + r.decodedBodySize, 0),
        resources: res.map((r) => r.name)};"""


def available() -> bool:
    return Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()


def _signed_in(driver: Any, base: str, session: str) -> None:
    driver.get(base + "/healthz")  # a page of the site, so the cookie can be set for it
    driver.add_cookie({"name": "dvc_portal_session", "value": session, "path": "/", "httpOnly": True})


def weigh(base: str, session: str, paths: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Per page: bytes transferred and decoded as the browser counts them, loaded with an empty cache."""
    out = {}
    for name, path in paths.items():
        with chromium(window="412,915") as driver:  # a new profile each time: nothing cached
            _signed_in(driver, base, session)
            driver.get(base + path)
            wait(driver, lambda d: d.execute_script("return document.readyState") == "complete")
            out[name] = driver.execute_script(WEIGH)
    return out


def screenshot(base: str, session: str, path: str, target: Path, selector: str = "#saga-title") -> int:
    """A phone-sized screenshot of ``path`` scrolled to ``selector``, as a small palette PNG. Returns its bytes."""
    with chromium(window="412,915") as driver:
        _signed_in(driver, base, session)
        driver.get(base + path)
        element = wait(driver, lambda d: d.find_element("css selector", selector))
        driver.execute_script(
            "arguments[0].scrollIntoView({block: 'start'}); window.scrollBy(0, -80);", element
        )
        png = driver.get_screenshot_as_png()
    small = palette_png(png)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(small)
    return len(small)
