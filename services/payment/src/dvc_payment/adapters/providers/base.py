"""The provider port: what the payment service needs from a gateway, whatever its wire format.

Each adapter speaks its gateway's protocol (redirect URL or JSON API, its own signature scheme) and turns
signed callbacks and status answers into a ``Notice``. Signatures are checked with a constant-time compare
before anything is read into the domain.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

import httpx

from dvckit.logging import current_correlation_id

Outcome = Literal["success", "failed", "pending"]


class CallbackRejected(Exception):
    """A callback that must not be applied: ``reason`` in bad_signature | stale | malformed | wrong_merchant."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class ProviderError(Exception):
    """The provider could not be reached or answered something unusable (retry later)."""


@dataclass(frozen=True)
class CheckoutRequest:
    ref: str  # our order reference (one per attempt)
    payment_id: str
    amount_vnd: int
    description: str
    return_url: str  # where the citizen's browser comes back to (absolute)
    notify_url: str  # where the provider sends the signed callback (relative: the in-process sandbox)
    created_at: datetime
    expires_at: datetime
    client_ip: str


@dataclass(frozen=True)
class Checkout:
    pay_url: str  # the provider's pay page; relative when it is the local sandbox


@dataclass(frozen=True)
class CallbackInput:
    method: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class Notice:
    """A provider's verified statement about one order (from a callback or a status query)."""

    ref: str
    outcome: Outcome
    amount_vnd: int | None = None
    provider_txn_id: str | None = None
    reason: str | None = None  # failures: declined, insufficient_funds, cancelled, timeout, not_found …
    occurred_at: datetime | None = None  # when the provider says the money moved (None: it does not say)
    dedup_keys: tuple[str, ...] = field(default=())  # replay guard; the txn+outcome key is always added

    def outcome_key(self) -> str:
        return f"{self.ref}:{self.provider_txn_id or '-'}:{self.outcome}"


@dataclass(frozen=True)
class AttemptInfo:
    ref: str
    amount_vnd: int
    provider_txn_id: str | None
    created_at: datetime
    description: str


@dataclass(frozen=True)
class RefundResult:
    ok: bool
    provider_refund_id: str | None = None
    reason: str | None = None


class Provider(Protocol):
    name: str
    display_name: str

    async def checkout(self, req: CheckoutRequest) -> Checkout: ...

    def verify_callback(self, cb: CallbackInput, now: datetime) -> Notice:
        """Verify the signature (and freshness) first; raise CallbackRejected."""
        ...

    def callback_reply(self, outcome: str) -> tuple[int, dict[str, object] | None]:
        """HTTP status and body the provider expects for an outcome (applied, replayed, bad_signature …)."""
        ...

    async def query(self, attempt: AttemptInfo) -> Notice: ...

    async def refund(
        self, attempt: AttemptInfo, refund_id: str, amount_vnd: int, reason: str
    ) -> RefundResult: ...


# --- signing -----------------------------------------------------------------------------------------------


def hmac_hex(secret: str, message: str | bytes, algo: str = "sha256") -> str:
    raw = message.encode() if isinstance(message, str) else message
    return hmac.new(secret.encode(), raw, getattr(hashlib, algo)).hexdigest()


def same_signature(expected: str, given: str | None) -> bool:
    """Constant-time compare of hex signatures (case-insensitive)."""
    if not given:
        return False
    return hmac.compare_digest(expected.lower().encode(), given.strip().lower().encode())


# --- HTTP -------------------------------------------------------------------------------------------------


class HttpPort:
    """Outgoing HTTP to providers. A relative URL is the local sandbox, served in-process by this same app
    (a real HTTP exchange over ASGI: no socket, no port to configure); an absolute URL is a real gateway."""

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._remote = httpx.AsyncClient(timeout=timeout)
        self._local: httpx.AsyncClient | None = None

    def bind_local(self, app: object) -> None:
        self._local = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
            base_url="http://payment.internal",
            timeout=self._timeout,
        )

    async def request(
        self, method: str, url: str, *, headers: Mapping[str, str] | None = None, **kwargs: object
    ) -> httpx.Response:
        client = self._remote
        if url.startswith("/"):
            if self._local is None:
                raise ProviderError(f"relative provider URL {url!r} but no local sandbox")
            client = self._local
        hdrs = dict(headers or {})
        cid = current_correlation_id()
        if cid:
            hdrs.setdefault("x-correlation-id", cid)
        try:
            return await client.request(method, url, headers=hdrs, **kwargs)  # type: ignore[arg-type]
        except httpx.HTTPError as exc:
            raise ProviderError(f"{method} {url.split('?')[0]}: {exc.__class__.__name__}") from exc

    async def aclose(self) -> None:
        await self._remote.aclose()
        if self._local is not None:
            await self._local.aclose()


def json_or_error(resp: httpx.Response, what: str) -> dict[str, object]:
    if resp.status_code >= 500:
        raise ProviderError(f"{what}: HTTP {resp.status_code}")
    try:
        body = resp.json()
    except ValueError as exc:
        raise ProviderError(f"{what}: not JSON (HTTP {resp.status_code})") from exc
    if not isinstance(body, dict):
        raise ProviderError(f"{what}: unexpected body")
    return body
