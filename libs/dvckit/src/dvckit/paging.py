"""One paging style for every list a service answers: ``limit``/``offset`` in the query, a :class:`Page` in the
response — ``items``, ``total`` where a count is cheap, the ``limit`` and ``offset`` applied, and ``next``, the
path and query of the following page (``None`` on the last one).

    @router.get("/things")
    async def things(request: Request, paging: Paging = Depends(paged())) -> Page[Thing]:
        rows, total = await repo.page(limit=paging.limit, offset=paging.offset)
        return paging.page(request, rows, total)

Without a total, fetch ``paging.probe`` rows (one more than the page): :meth:`Paging.page` keeps ``limit`` of them
and knows from the extra one whether a next page exists. Nothing is capped silently: a ``limit`` above
:data:`MAX_LIMIT` (older clients send up to 5,000) is served as :data:`MAX_LIMIT` and the response's ``limit``
says so, with ``next`` to go on; offsets stop at :data:`MAX_OFFSET` (deeper: narrow the filter). A file export
(CSV) may take up to :data:`ACCEPTED_LIMIT` rows a request (:meth:`Paging.export`), the next one in a ``Link``
header.

A list that grows without bound (an audit trail, every SMS ever sent) pages by key instead, in the same
:class:`Page`: :func:`cursor_paged` also reads ``cursor``, an opaque token naming the last item of the previous
page, and :meth:`Paging.keyset_page` puts it in ``next`` (``?limit=…&cursor=…``, no offset): each page is an
index seek however deep it is, and rows added meanwhile neither repeat nor skip items. ``offset`` keeps working
for the first pages (clients built against it), and a response made from a cursor says ``offset: 0``.

    @router.get("/audit")
    async def audit(request: Request, paging: Paging = Depends(cursor_paged())) -> Page[Entry]:
        after = paging.cursor_values(int)              # () on the first page
        rows = await repo.audit(after=after[0] if after else None, limit=paging.probe, offset=paging.offset)
        return paging.keyset_page(request, rows, Entry.of, key=lambda r: (r.id,))
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

from fastapi import Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field

DEFAULT_LIMIT: Final = 50
MAX_LIMIT: Final = 200
ACCEPTED_LIMIT: Final = (
    5000  # the largest limit any route took before paging: still accepted, served as MAX_LIMIT
)
MAX_OFFSET: Final = 1_000_000

T = TypeVar("T")
R = TypeVar("R")
Key = tuple[str | int, ...]
MAX_CURSOR: Final = 200  # characters of a cursor token


class Page(BaseModel, Generic[T]):
    """A page of a list. Follow ``next`` until it is ``None``; ``total`` counts every item of the list (with
    the same filters) where the service can count it cheaply, else it is ``None``."""

    items: list[T]
    total: int | None = Field(default=None, description="every item with these filters; None: not counted")
    limit: int = Field(description="the page size applied (at most 200)")
    offset: int = Field(description="items skipped before this page")
    next: str | None = Field(
        default=None, description="path and query of the next page (same filters); None: this is the last"
    )


@dataclass(frozen=True)
class Paging:
    """The page a request asks for, bounds applied."""

    limit: int
    offset: int
    requested: int = 0  # the limit asked for (≤ ACCEPTED_LIMIT); 0: the same as limit
    cursor: Key = ()  # the key of the previous page's last item (cursor_paged); (): from the start

    def export(self) -> Paging:
        """A file export's page (CSV): up to the limit asked for, at most ACCEPTED_LIMIT rows a request; the
        next one is named by :meth:`headers`, since a file has no ``next`` member."""
        return Paging(limit=max(self.requested, self.limit), offset=self.offset)

    def headers(self, request: Request, returned: int, total: int | None) -> dict[str, str]:
        """``Link: <…>; rel="next"`` (RFC 8288) and ``X-Total-Count`` for an answer that is not a :class:`Page`."""
        out = {"x-total-count": str(total)} if total is not None else {}
        following = self.next_offset(returned, total)
        if following is not None:
            out["link"] = f'<{next_link(request, self.limit, following)}>; rel="next"'
        return out

    @property
    def probe(self) -> int:
        """Rows to fetch when the list is not counted: one more than the page tells whether a next one exists."""
        return self.limit + 1

    def next_offset(self, returned: int, total: int | None, more: bool | None = None) -> int | None:
        """The next page's offset, or ``None`` when this page is the last (or the next would pass MAX_OFFSET)."""
        following = self.offset + min(returned, self.limit)
        if total is not None:
            more = following < total
        elif more is None:
            more = returned > self.limit
        return following if more and returned and following <= MAX_OFFSET else None

    def page(self, request: Request, rows: Sequence[T], total: int | None = None) -> Page[T]:
        """The response: without ``total``, ``rows`` may hold one more than ``limit`` (see :attr:`probe`)."""
        following = self.next_offset(len(rows), total)
        return Page[T](
            items=list(rows[: self.limit]),
            total=total,
            limit=self.limit,
            offset=self.offset,
            next=next_link(request, self.limit, following) if following is not None else None,
        )

    def cursor_values(self, *types: Callable[[Any], Any]) -> tuple[Any, ...]:
        """The cursor's key, each part converted by ``types`` (e.g. ``datetime.fromisoformat, str``); () without
        a cursor. A cursor of another shape is the caller's error: 422 ``invalid_cursor``."""
        if not self.cursor:
            return ()
        try:
            if len(self.cursor) != len(types):
                raise ValueError("cursor of another list")
            return tuple(t(v) for t, v in zip(types, self.cursor, strict=True))
        except (TypeError, ValueError) as exc:
            raise invalid_cursor() from exc

    def keyset_page(
        self, request: Request, rows: Sequence[R], item: Callable[[R], T], key: Callable[[R], Key]
    ) -> Page[T]:
        """The response of a list paged by key: ``rows`` fetched with :attr:`probe` (one more than the page),
        ``item`` makes an answer's item of a row, ``key`` the row's place in the order (the next cursor)."""
        page = rows[: self.limit]
        following = None
        if len(rows) > self.limit and page:
            url = request.url.remove_query_params("offset").include_query_params(
                limit=self.limit, cursor=encode_cursor(key(page[-1]))
            )
            following = f"{url.path}?{url.query}"
        return Page[T](
            items=[item(r) for r in page], total=None, limit=self.limit, offset=self.offset, next=following
        )


def encode_cursor(key: Key) -> str:
    """An opaque token for ``key`` (URL-safe base64 of its JSON)."""
    raw = json.dumps(list(key), separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str) -> Key:
    """The key ``token`` names; 422 ``invalid_cursor`` when it is not one this kit made."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise invalid_cursor() from exc
    if not isinstance(values, list) or not values or not all(type(v) in (str, int) for v in values):
        raise invalid_cursor()
    return tuple(values)


def invalid_cursor() -> HTTPException:
    return HTTPException(
        422,
        detail={
            "error": "invalid_cursor",
            "message": "Con trỏ trang (cursor) không hợp lệ: hãy dùng đúng giá trị trong liên kết next.",
            "fields": ["cursor"],
        },
    )


def next_link(request: Request, limit: int, offset: int) -> str:
    """This request's path and query with ``limit`` and ``offset`` replaced (relative, so proxies keep working)."""
    url = request.url.include_query_params(limit=limit, offset=offset)
    return f"{url.path}?{url.query}"


def paged(default: int = DEFAULT_LIMIT) -> Callable[..., Paging]:
    """A FastAPI dependency reading ``limit`` (1–200, default ``default``; up to 5,000 accepted and served as 200)
    and ``offset`` (0–1,000,000). ``default`` keeps a route's old page size where it had one."""
    if not 1 <= default <= MAX_LIMIT:
        raise ValueError(f"default page size {default} outside 1..{MAX_LIMIT}")

    def dependency(
        limit: int = Query(
            default,
            ge=1,
            le=ACCEPTED_LIMIT,
            description=f"items per page, 1–{MAX_LIMIT}; a larger value (up to {ACCEPTED_LIMIT}) is served as "
            f"{MAX_LIMIT} — the response's `limit` is the size applied and `next` goes on",
        ),
        offset: int = Query(
            0, ge=0, le=MAX_OFFSET, description="items to skip; follow `next` rather than counting"
        ),
    ) -> Paging:
        return Paging(limit=min(limit, MAX_LIMIT), offset=offset, requested=limit)

    return dependency


def cursor_paged(default: int = DEFAULT_LIMIT) -> Callable[..., Paging]:
    """:func:`paged` and ``cursor``: the token in the previous page's ``next`` (a list paged by key)."""
    by_offset = paged(default)

    def dependency(
        paging: Paging = Depends(by_offset),
        cursor: str | None = Query(
            None,
            min_length=1,
            max_length=MAX_CURSOR,
            description="where the page starts: the token in the previous page's `next` (then no `offset`)",
        ),
    ) -> Paging:
        if cursor is None:
            return paging
        if paging.offset:
            raise HTTPException(
                422,
                detail={
                    "error": "invalid_cursor",
                    "message": "Dùng cursor hoặc offset, không dùng cả hai.",
                    "fields": ["offset"],
                },
            )
        return Paging(limit=paging.limit, offset=0, requested=paging.requested, cursor=decode_cursor(cursor))

    return dependency
