"""JWT (RS256) with a JWKS: roles citizen / agency / operator.

Claims: sub, role, name, optional agency (agency code) and province (province code for a province
operator), iss, aud, iat, exp. Locally a dev key pair lives in .run/dev-jwt/ (``make token``). A JWKS's keys
and when to fetch it again: :mod:`dvckit.auth.jwks`.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from dvc_contracts import units
from dvckit.auth.jwks import JWKS_MIN_REFETCH, JWKS_REFRESH_EVERY, KeyRefetch, _kid, _signing_keys
from dvckit.logging import get_logger
from dvckit.settings import AuthSettings

Role = Literal["citizen", "agency", "operator"]
DEV_ISSUER = "cong-dvc"  # `make token`'s issuer and audience
ROLES: tuple[Role, ...] = ("citizen", "agency", "operator")
log = get_logger("dvckit.auth")


class TokenError(Exception):
    pass


@dataclass(frozen=True)
class Principal:
    sub: str
    role: Role
    name: str | None = None
    agency: str | None = None
    province: str | None = None
    phone: str | None = None
    loa: int | None = None  # level of assurance of the account (1 basic, 2 high: identity checked in person)
    citizen_id: str | None = None  # the 12-digit personal id, when the provider gives it (sub may be opaque)


@dataclass(frozen=True)
class DevKeys:
    private_pem: bytes
    kid: str
    jwks: dict[str, Any]


def load_or_create_dev_keys(directory: Path | str) -> DevKeys:
    """Read (or create once) a development RSA key pair and its JWKS under ``directory``."""
    d = Path(directory)
    key_file, jwks_file = d / "private.pem", d / "jwks.json"
    if key_file.exists() and jwks_file.exists():
        jwks = json.loads(jwks_file.read_text())
        return DevKeys(key_file.read_bytes(), jwks["keys"][0]["kid"], jwks)
    d.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    kid = uuid.uuid4().hex[:16]
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwks = {"keys": [jwk | {"kid": kid, "alg": "RS256", "use": "sig"}]}
    key_file.write_bytes(pem)
    key_file.chmod(0o600)
    jwks_file.write_text(json.dumps(jwks, indent=2))
    return DevKeys(pem, kid, jwks)


def issue_token(
    keys: DevKeys,
    *,
    sub: str,
    role: Role,
    name: str | None = None,
    agency: str | None = None,
    province: str | None = None,
    phone: str | None = None,
    loa: int | None = 2,
    issuer: str = "cong-dvc",
    audience: str = "cong-dvc",
    ttl_seconds: int = 8 * 3600,
) -> str:
    if role not in ROLES:
        raise TokenError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": sub,
        "role": role,
        "iss": issuer,
        "aud": audience,
        "iat": now,
        "exp": now + ttl_seconds,
    }
    claims |= {
        k: v
        for k, v in (
            ("name", name),
            ("agency", agency),
            ("province", province),
            ("phone", phone),
            ("loa", loa),
        )
        if v
    }
    return jwt.encode(claims, keys.private_pem, algorithm="RS256", headers={"kid": keys.kid})


class TokenVerifier:
    """Verifies RS256 tokens against a JWKS. Built from a URL (the identity provider's), it follows key
    rotation: a token signed with a key the cached JWKS does not have makes ``verify_async`` fetch the JWKS
    again before refusing (:class:`KeyRefetch`: a new key id at once, at most one fetch per ``min_refetch``
    seconds, a key id already missed again after ``refresh_every``; concurrent requests share one fetch)."""

    def __init__(
        self,
        jwks: dict[str, Any],
        *,
        issuer: str,
        audience: str,
        jwks_url: str | None = None,
        refresh_every: float = JWKS_REFRESH_EVERY,
        monotonic: Callable[[], float] = time.monotonic,
        also: Sequence[TokenVerifier] = (),
        min_refetch: float = JWKS_MIN_REFETCH,
    ) -> None:
        self._also = {
            v.issuer: v for v in also
        }  # other issuers trusted beside this one (make token's, in dev)
        self._keys = _signing_keys(jwks)
        self._issuer = issuer
        self._audience = audience
        self._jwks_url = jwks_url
        # the JWKS handed in counts as the first fetch
        self._refetch = KeyRefetch(refresh_every=refresh_every, min_interval=min_refetch, monotonic=monotonic)
        self._refreshing = asyncio.Lock()

    @classmethod
    def from_source(
        cls,
        *,
        jwks_file: str | None,
        jwks_url: str | None,
        issuer: str,
        audience: str,
        refresh_every: float = JWKS_REFRESH_EVERY,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> TokenVerifier:
        if jwks_url:
            jwks = httpx.get(jwks_url, timeout=10).raise_for_status().json()
        elif jwks_file and Path(jwks_file).exists():
            jwks = json.loads(Path(jwks_file).read_text())
        else:
            jwks = {"keys": []}
        return cls(
            jwks,
            issuer=issuer,
            audience=audience,
            jwks_url=jwks_url or None,
            refresh_every=refresh_every,
            monotonic=monotonic,
        )

    @property
    def issuer(self) -> str:
        return self._issuer

    @classmethod
    def from_settings(cls, auth: AuthSettings) -> TokenVerifier:
        """The provider's verifier (``AUTH_ISSUER``, ``AUTH_JWKS_URL`` or ``AUTH_JWKS_FILE``, ``AUTH_AUDIENCE``),
        trusting `make token`'s key set beside it when ``AUTH_DEV_JWKS_FILE`` is set (development only)."""
        also = []
        if auth.dev_jwks_file:
            also.append(
                cls.from_source(
                    jwks_file=auth.dev_jwks_file, jwks_url=None, issuer=DEV_ISSUER, audience=DEV_ISSUER
                )
            )
        primary = cls.from_source(
            jwks_file=auth.jwks_file, jwks_url=auth.jwks_url, issuer=auth.issuer, audience=auth.audience
        )
        primary._also = {v.issuer: v for v in also if v.issuer != primary.issuer}
        return primary

    def _for(self, token: str) -> TokenVerifier:
        """The verifier for the token's issuer: this one, or one of ``also``."""
        if self._also:
            try:
                iss = jwt.decode(token, options={"verify_signature": False}).get("iss")
            except jwt.PyJWTError:
                return self
            return self._also.get(iss, self) if isinstance(iss, str) else self
        return self

    async def verify_async(self, token: str) -> Principal:
        """``verify``, after refreshing the JWKS if the token names a key it does not have (see the class)."""
        chosen = self._for(token)
        if chosen is not self:
            return await chosen.verify_async(token)
        kid = _kid(token)
        if self._jwks_url and kid and kid not in self._keys:
            await self._refresh(kid)
        return self.verify(token)

    async def _refresh(self, kid: str) -> None:
        async with self._refreshing:
            if kid in self._keys or not self._refetch.due(kid):
                return  # fetched by the request this one waited for, or a moment ago
            try:
                async with httpx.AsyncClient(timeout=5) as client:
                    jwks = (await client.get(str(self._jwks_url))).raise_for_status().json()
                keys = _signing_keys(jwks)
            except (httpx.HTTPError, ValueError, TypeError, AttributeError) as exc:
                self._refetch.done(kid, found=None)
                log.warning("auth.jwks_refresh_failed", url=self._jwks_url, error=repr(exc)[:300])
                return
            self._keys = keys  # a key the provider dropped is no longer trusted
            self._refetch.done(kid, found=kid in keys)
            log.info("auth.jwks_refreshed", url=self._jwks_url, kids=sorted(keys))

    def verify(self, token: str) -> Principal:
        """Against the cached keys only (no network): async callers use ``verify_async``."""
        chosen = self._for(token)
        if chosen is not self:
            return chosen.verify(token)
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = self._keys.get(kid or "")
            if key is None:
                raise TokenError("unknown signing key")
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise TokenError(str(exc)) from exc
        if claims.get("role") not in ROLES:
            raise TokenError("token has no valid role")
        return Principal(
            sub=claims["sub"],
            role=claims["role"],
            name=claims.get("name"),
            agency=claims.get("agency"),
            province=_current_province(claims.get("province")),
            phone=claims.get("phone"),
            loa=claims["loa"] if isinstance(claims.get("loa"), int) else None,
            citizen_id=claims.get("citizen_id") if isinstance(claims.get("citizen_id"), str) else None,
        )


def _current_province(code: Any) -> str | None:
    """Tokens speak today's units: a province claim naming a unit merged on 1 July 2025 is read as the province
    it now belongs to (a code neither edition knows is kept, and scopes nothing real)."""
    if not isinstance(code, str) or not code:
        return None
    return units.today(code)
