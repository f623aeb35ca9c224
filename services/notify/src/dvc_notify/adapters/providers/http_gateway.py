"""What the two HTTP brandname gateways (``gw_rest``, ``gw_form``) share: a pooled client with a short connect
timeout, a POST whose transport failures and overload answers are a temporary result (ambiguous when the request
may have reached the gateway: it may have been accepted), how they describe themselves, and closing."""

from __future__ import annotations

from typing import Any

import httpx

from dvc_notify.domain.status import SubmitResult


class HttpGateway:
    name: str
    api: str  # for the provider status page
    idempotent = True  # both deduplicate our message id, sent as the client reference

    def __init__(self, base_url: str, *, timeout: float, concurrency: int, fake: bool) -> None:
        self.base_url = base_url.rstrip("/")
        self.fake = fake
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(2.0, timeout)),
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
        )

    async def post(self, path: str, **kwargs: Any) -> httpx.Response | SubmitResult:
        """The gateway's answer, or the temporary result a retry (or another gateway) should follow."""
        try:
            r = await self.client.post(self.base_url + path, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            return SubmitResult("temporary", code="connect_error", detail=type(exc).__name__)
        except httpx.TimeoutException as exc:  # the request went out: it may have been accepted
            return SubmitResult("temporary", code="timeout", detail=type(exc).__name__, ambiguous=True)
        except httpx.HTTPError as exc:
            return SubmitResult("temporary", code="http_error", detail=type(exc).__name__, ambiguous=True)
        if r.status_code == 429 or r.status_code >= 500:
            return SubmitResult("temporary", code=f"http_{r.status_code}", ambiguous=r.status_code == 504)
        return r

    def describe(self) -> dict[str, Any]:
        return {"kind": "http", "api": self.api, "url": self.base_url, "fake": self.fake}

    async def close(self) -> None:
        await self.client.aclose()
