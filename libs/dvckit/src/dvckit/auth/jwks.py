"""A JWKS's keys (:mod:`dvckit.auth.jwt`): its signing keys by key id, a token's key id, and when to fetch the
set again for a key id it does not have (:class:`KeyRefetch`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import jwt

from dvckit.logging import get_logger

log = get_logger("dvckit.auth")
JWKS_REFRESH_EVERY = 30.0  # seconds: a key id a fetch did not find is not looked up again sooner
JWKS_MIN_REFETCH = 1.0  # seconds: at most one JWKS fetch per second, whatever the key ids


class KeyRefetch:
    """When to fetch a JWKS again for a key id the cached set does not have (issue 17: a key rotation at the
    provider must not fail a request). A key id never looked up is fetched at once — the first token signed
    with a new key — unless a fetch happened less than ``min_interval`` ago; a key id a fetch did not find is
    looked up again only after ``refresh_every``. Made-up key ids thus cost the provider at most one request
    per ``min_interval``, and a real new key is trusted from its first token (the old rule, one fetch per 30 s
    for any unknown key id, refused a new key for up to 30 s after the previous fetch)."""

    def __init__(
        self,
        *,
        refresh_every: float = JWKS_REFRESH_EVERY,
        min_interval: float = JWKS_MIN_REFETCH,
        monotonic: Callable[[], float] = time.monotonic,
        fetched: bool = True,
    ) -> None:
        self.refresh_every, self.min_interval, self.monotonic = refresh_every, min_interval, monotonic
        self.fetched_at = monotonic() if fetched else -float("inf")
        self._missing: dict[str, float] = {}  # key id → when a fetch did not find it

    def due(self, kid: str) -> bool:
        now = self.monotonic()
        since = now - self.fetched_at
        if since < self.min_interval:
            return False
        missed = self._missing.get(kid)
        return missed is None or now - missed >= self.refresh_every

    def done(self, kid: str, found: bool | None) -> None:
        """A fetch for ``kid`` was made now: ``found`` whether the key was in it, None when it failed (the
        provider unreachable: tried again after ``min_interval``)."""
        now = self.fetched_at = self.monotonic()
        if found is None:
            return
        if found:
            self._missing.pop(kid, None)
            return
        if len(self._missing) >= 1000:  # made-up ids: keep the memory small
            self._missing.clear()
        self._missing[kid] = now


def _signing_keys(jwks: dict[str, Any]) -> dict[str, jwt.PyJWK]:
    """The JWKS's signature keys by kid; encryption keys (an identity provider may publish both) and keys
    this library cannot load are left out, with a log line, instead of failing the whole set."""
    keys: dict[str, jwt.PyJWK] = {}
    for k in jwks.get("keys", []):
        if k.get("use", "sig") != "sig" or not k.get("kid"):
            continue
        try:
            keys[k["kid"]] = jwt.PyJWK(k)
        except jwt.PyJWTError as exc:
            log.warning("auth.jwk_skipped", kid=k.get("kid"), error=str(exc)[:200])
    return keys


def _kid(token: str) -> str | None:
    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except jwt.PyJWTError:
        return None
    return kid if isinstance(kid, str) else None
