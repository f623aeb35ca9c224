"""The kit's one paging style: bounds on limit/offset, next links that walk the whole list once, totals."""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import Depends, FastAPI, Request, Response

from dvckit.paging import MAX_LIMIT, Page, Paging, cursor_paged, decode_cursor, encode_cursor, paged
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


def keyset_app(log: list[int]) -> FastAPI:
    """``log``: an audit trail, newest (highest id) first; it may grow while a client walks it."""
    a = FastAPI()
    install_problem_handlers(a)

    @a.get("/trail")
    async def trail(
        request: Request, p: Annotated[Paging, Depends(cursor_paged(100))], kind: str = "x"
    ) -> Page[str]:
        after = p.cursor_values(int)
        newest_first = sorted(log, reverse=True)
        rows = [i for i in newest_first if not after or i < after[0]][p.offset : p.offset + p.probe]
        return p.keyset_page(request, rows, lambda i: f"#{i}", key=lambda i: (i,))

    return a


async def test_a_list_paged_by_key_walks_every_item_once_while_it_grows() -> None:
    log = list(range(1, 538))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(keyset_app(log)), base_url="http://t") as http:
        first = (await http.get("/trail", params={"kind": "y"})).json()
        assert first["items"][:2] == ["#537", "#536"] and (first["limit"], first["offset"]) == (100, 0)
        assert first["next"].startswith("/trail?kind=y&limit=100&cursor="), "filters kept, no offset"
        log.extend([538, 539])  # written while the client reads: they belong to the pages already read
        seen, pages = await walk(http, first["next"])
        assert first["items"] + seen == [f"#{i}" for i in range(537, 0, -1)], "none repeated, none skipped"
        assert [len(p["items"]) for p in pages] == [100, 100, 100, 100, 37] and pages[-1]["next"] is None
        assert all(p["offset"] == 0 and p["total"] is None for p in pages)
        by_offset = (await http.get("/trail", params={"offset": 100, "limit": 2})).json()
        assert by_offset["items"] == ["#439", "#438"] and "cursor=" in by_offset["next"], (
            "offsets still served"
        )


async def test_a_cursor_that_is_not_ours_is_a_problem() -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(keyset_app([1, 2])), base_url="http://t"
    ) as http:
        other_shape = encode_cursor(("2026-12-05", "a"))
        for params in ({"cursor": "%%%"}, {"cursor": "bm90IGpzb24"}, {"cursor": other_shape},
                       {"cursor": encode_cursor((1,)), "offset": 5}):  # fmt: skip
            r = await http.get("/trail", params=params)
            assert r.status_code == 422, params
            assert r.json()["code"] == "invalid_cursor" and r.json()["errors"][0]["field"] in {
                "cursor",
                "offset",
            }
    assert decode_cursor(encode_cursor(("2026-12-05T09:00:00+00:00", "id-ư"))) == (
        "2026-12-05T09:00:00+00:00",
        "id-ư",
    )
