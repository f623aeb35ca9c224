"""The kit's one paging style: bounds on limit/offset, next links that walk the whole list once, totals."""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import Depends, FastAPI, Request, Response

from dvckit.paging import MAX_LIMIT, Page, Paging, paged
from dvckit.problems import install_problem_handlers

ROWS = list(range(537))


def app() -> FastAPI:
    a = FastAPI()
    install_problem_handlers(a)

    @a.get("/counted")
    async def counted(request: Request, p: Annotated[Paging, Depends(paged())], kind: str = "x") -> Page[int]:
        return p.page(request, ROWS[p.offset : p.offset + p.limit], total=len(ROWS))

    @a.get("/probed")
    async def probed(request: Request, p: Annotated[Paging, Depends(paged(100))]) -> Page[int]:
        return p.page(request, ROWS[p.offset : p.offset + p.probe])

    @a.get("/export")
    async def export(request: Request, p: Annotated[Paging, Depends(paged())]) -> Response:
        e = p.export()
        rows = ROWS[e.offset : e.offset + e.limit]
        return Response(",".join(map(str, rows)), headers=e.headers(request, len(rows), len(ROWS)))

    return a


async def walk(http: httpx.AsyncClient, url: str) -> tuple[list[int], list[dict[str, object]]]:
    seen: list[int] = []
    pages = []
    next_url: str | None = url
    while next_url:
        r = await http.get(next_url)
        assert r.status_code == 200, r.text
        body = r.json()
        pages.append(body)
        seen += body["items"]
        next_url = body["next"]
    return seen, pages


async def test_next_links_walk_every_item_once_with_or_without_a_total() -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app()), base_url="http://t") as http:
        seen, pages = await walk(http, "/counted?kind=y&limit=100")
        assert seen == ROWS and len(pages) == 6
        assert pages[0]["next"] == "/counted?kind=y&limit=100&offset=100", "filters kept, relative"
        assert all(p["total"] == 537 for p in pages) and pages[-1]["next"] is None
        seen, pages = await walk(http, "/probed")
        assert seen == ROWS and [p["limit"] for p in pages] == [100] * 6, "the route's default page size"
        assert all(p["total"] is None for p in pages)
        exact = (await http.get("/probed", params={"limit": 137, "offset": 400})).json()
        assert len(exact["items"]) == 137 and exact["next"] is None, "no empty page after an exact fit"
        assert (await http.get("/counted", params={"offset": 600})).json() == {
            "items": [], "total": 537, "limit": 50, "offset": 600, "next": None,
        }  # fmt: skip


async def test_bounds_no_silent_cap_and_problems() -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app()), base_url="http://t") as http:
        big = (await http.get("/counted", params={"limit": 5000})).json()
        assert big["limit"] == MAX_LIMIT and len(big["items"]) == MAX_LIMIT, (
            "an old client's 5,000: served as 200"
        )
        assert big["next"] == f"/counted?limit={MAX_LIMIT}&offset={MAX_LIMIT}", "and told how to go on"
        for params in ({"limit": 0}, {"limit": 5001}, {"offset": -1}, {"offset": 1_000_001}, {"limit": "x"}):
            r = await http.get("/counted", params=params)
            assert r.status_code == 422, params
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.json()["errors"][0]["field"] in {"limit", "offset"}


def test_the_next_offset_stops_at_the_deepest_offset() -> None:
    assert Paging(200, 999_900).next_offset(200, total=None, more=True) is None
    assert Paging(50, 0).next_offset(50, total=50) is None
    assert Paging(50, 0).next_offset(50, total=51) == 50


async def test_a_file_export_takes_the_limit_asked_with_the_next_page_in_a_link_header() -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app()), base_url="http://t") as http:
        r = await http.get("/export", params={"limit": 500})
        assert len(r.text.split(",")) == 500 and r.headers["x-total-count"] == "537"
        assert r.headers["link"] == '</export?limit=500&offset=500>; rel="next"'
        r = await http.get("/export", params={"limit": 500, "offset": 500})
        assert len(r.text.split(",")) == 37 and "link" not in r.headers
