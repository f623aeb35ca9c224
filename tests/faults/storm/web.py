"""HTTP as a patient client: a request that fails for a reason that passes (a connection refused or cut by a
killed instance, 5xx, 503 while PostgreSQL restarts, 429) is tried again, on the next instance of the service."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from typing import Any

import httpx

from dvckit.auth.jwt import DevKeys, issue_token

PASSING = frozenset({429, 500, 502, 503, 504})


class GaveUp(RuntimeError):
    pass


class Web:
    def __init__(self, limit: int = 200) -> None:
        self.http = httpx.AsyncClient(timeout=20, limits=httpx.Limits(max_connections=limit))
        self.turn = itertools.count()
        self.failures: Counter[str] = (
            Counter()
        )  # passing failures seen (tried again): "http 503", "no answer"

    async def call(
        self, method: str, urls: list[str], path: str, *, patience: float = 900.0, **kw: Any
    ) -> httpx.Response:
        """The first answer that is not a passing failure (the caller judges 2xx/4xx)."""
        deadline = time.monotonic() + patience
        while True:
            url = urls[next(self.turn) % len(urls)]
            try:
                r = await self.http.request(method, f"{url}{path}", **kw)
                if r.status_code not in PASSING:
                    return r
                self.failures[f"http {r.status_code}"] += 1
                wait = float(r.headers.get("retry-after", "0.5")) if r.status_code == 429 else 0.5
            except httpx.HTTPError:
                self.failures["http no answer"] += 1
                wait = 0.5
            if time.monotonic() + wait > deadline:
                raise GaveUp(f"{method} {path}: no answer within {patience:.0f} s")
            await asyncio.sleep(wait)

    async def close(self) -> None:
        await self.http.aclose()


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def signed(keys: DevKeys, **claims: Any) -> dict[str, str]:
    """An Authorization header; signed in a thread (an RSA signature is milliseconds of the event loop)."""
    return bearer(await asyncio.to_thread(issue_token, keys, **claims))
