"""An OpenID Connect relying party (authorization code flow, PKCE S256, a confidential client), shared by the
citizens' portal and the operators' dashboard: the protocol only, with httpx and the kit's token verifier (the
sign-in kept server-side: dvckit.oidc_login). What a service keeps is what differs: routes, pages, role
checks, session tables.

- :meth:`OidcClient.authorization_url`: ``state``, ``nonce`` and the S256 challenge of a PKCE verifier that
  never leaves the server.
- :meth:`OidcClient.exchange` / :meth:`OidcClient.refresh`: the token endpoint (client secret by HTTP Basic);
  the access token verified as every service does (a :class:`~dvckit.auth.jwt.TokenVerifier`: the client's
  own, audience = this client, or the service's), the ID token after OIDC Core 3.1.3.7 (signature, ``iss``,
  ``aud``, ``exp``, ``azp``, the access token's ``sub``, on a sign-in the nonce).
- :meth:`OidcClient.end_session_url`: the provider's logout, with ``id_token_hint``.

Discovery is read on first use and kept (``metadata_ttl`` seconds when given; its ``issuer`` must be the
configured one); the ID token's keys follow a rotation at once (:class:`~dvckit.auth.jwt.KeyRefetch`).
Failures are :class:`OidcError` with a stable ``code``; :class:`ProviderUnavailable` (unreachable, 5xx) is the
one a session may outlive."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt

from dvckit.auth.jwt import KeyRefetch, Principal, TokenError, TokenVerifier

ID_TOKEN_ALGORITHMS = ["RS256", "PS256", "ES256"]
DEFAULT_EXPIRES_IN = 300  # seconds, when the provider does not say


class OidcError(Exception):
    """A sign-in or a renewal that cannot go on. ``code``: the token endpoint's OAuth error (``invalid_grant``
    …, ``http_<status>``) or one of ``token_type``, ``invalid_access_token``, ``no_id_token``,
    ``invalid_id_token``, ``nonce_mismatch``, ``no_pending_login``, ``state_mismatch``, ``issuer_mismatch``;
    ``detail``: for the logs, never for people."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}"[:300] if detail else code)
        self.code, self.detail = code, detail[:300]


class ProviderUnavailable(OidcError):
    """The provider cannot be reached, answers 5xx, or its discovery document names another issuer."""

    def __init__(self, detail: str) -> None:
        super().__init__("provider_unavailable", detail)


class TokenRefused(OidcError):
    """The token endpoint refused (``error``: its OAuth error, if any; ``status``: the HTTP status)."""

    def __init__(self, error: str | None, status: int, description: str | None = None) -> None:
        super().__init__(error or f"http_{status}", f"HTTP {status}: {description or error}")
        self.error, self.status = error, status


def new_secret() -> str:
    """A state, a nonce, a cookie's random id: 256 bits."""
    return secrets.token_urlsafe(32)


def new_verifier() -> str:  # a PKCE code verifier: 86 characters of the unreserved set (43 to 128 allowed)
    return secrets.token_urlsafe(64)


def pkce_challenge(verifier: str) -> str:
    """RFC 7636 S256: BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class Tokens:
    """What the token endpoint gave, checked: the access token's principal and the ID token's claims ({} when
    a refresh brought no ID token)."""

    access_token: str
    expires_in: int
    refresh_token: str | None
    id_token: str | None
    principal: Principal
    id_claims: dict[str, Any]

    def access_expires_at(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.expires_in)


class OidcClient:
    """The provider as one client sees it. ``transport`` lets tests stand in for the provider."""

    def __init__(
        self,
        issuer: str,
        client_id: str,
        client_secret: str,
        *,
        scope: str = "openid",
        timeout: float | httpx.Timeout = 10.0,
        metadata_ttl: float | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.issuer, self.client_id, self.scope = issuer.rstrip("/"), client_id, scope
        self._auth = httpx.BasicAuth(client_id, client_secret)
        self._http = httpx.AsyncClient(timeout=timeout, transport=transport)
        self._metadata_ttl = metadata_ttl
        self._meta: dict[str, Any] | None = None
        self._meta_at = 0.0  # time.monotonic() of the discovery
        self._keys: dict[str, jwt.PyJWK] = {}
        self._refetch = KeyRefetch(fetched=False)  # a new key id (a rotation) is fetched at once
        self._verifier: TokenVerifier | None = None
        self._lock = asyncio.Lock()

    async def aclose(self) -> None:
        await self._http.aclose()

    def _fresh(self) -> bool:
        ttl = self._metadata_ttl
        return self._meta is not None and (ttl is None or time.monotonic() - self._meta_at < ttl)

    async def metadata(self) -> dict[str, Any]:
        """The discovery document; its issuer must be the configured one."""
        if not self._fresh():
            async with self._lock:
                if not self._fresh():
                    meta = await self._get_json(f"{self.issuer}/.well-known/openid-configuration")
                    if meta.get("issuer") != self.issuer:
                        raise ProviderUnavailable(f"discovery names issuer {meta.get('issuer')!r}")
                    self._meta, self._meta_at = meta, time.monotonic()
        assert self._meta is not None
        return self._meta

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            r = await self._http.get(url)
            r.raise_for_status()
            data = r.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ProviderUnavailable(f"GET {url}: {exc!r}") from exc
        if not isinstance(data, dict):
            raise ProviderUnavailable(f"GET {url}: not a JSON object")
        return data

    async def _fetch_keys(self, kid: str) -> dict[str, Any]:
        jwks_uri = str((await self.metadata())["jwks_uri"])
        self._refetch.done(kid, found=None)
        jwks = await self._get_json(jwks_uri)
        self._keys = _signing_keys(jwks)
        self._refetch.done(kid, found=kid in self._keys)
        return jwks

    async def _key(self, kid: str) -> jwt.PyJWK | None:
        if kid not in self._keys and self._refetch.due(kid):  # a rotated key: fetch once more
            await self._fetch_keys(kid)
        return self._keys.get(kid)

    async def access_verifier(self) -> TokenVerifier:
        """This client's verifier of access tokens (the provider's JWKS, audience = this client)."""
        if self._verifier is None:
            jwks, url = await self._fetch_keys(""), str((await self.metadata())["jwks_uri"])
            self._verifier = TokenVerifier(jwks, issuer=self.issuer, audience=self.client_id, jwks_url=url)
        return self._verifier

    async def authorization_url(
        self, *, redirect_uri: str, state: str, nonce: str, verifier: str, **extra: str | None
    ) -> str:
        """The authorization request; ``extra`` parameters (``prompt``, ``ui_locales`` …) unless None."""
        endpoint = str((await self.metadata())["authorization_endpoint"])
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "scope": self.scope,
            "state": state,
            "nonce": nonce,
            "code_challenge": pkce_challenge(verifier),
            "code_challenge_method": "S256",
        } | {k: v for k, v in extra.items() if v is not None}
        return f"{endpoint}?{urlencode(query)}"

    async def exchange(
        self,
        *,
        code: str,
        redirect_uri: str,
        verifier: str,
        nonce: str,
        access_verifier: TokenVerifier | None = None,
    ) -> Tokens:
        """The code for tokens, proving with the PKCE verifier that the sign-in was ours; an ID token with
        this sign-in's nonce is required."""
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                "code_verifier": verifier}  # fmt: skip
        return await self._checked(await self._token(form), nonce, access_verifier)

    async def refresh(self, refresh_token: str, *, access_verifier: TokenVerifier | None = None) -> Tokens:
        """A new access token (and a rotated refresh token): the used refresh token is spent."""
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        return await self._checked(await self._token(form), None, access_verifier)

    async def end_session_url(self, id_token: str | None, post_logout_redirect_uri: str) -> str | None:
        """Where the browser goes to end the provider's session too (None: no such page, or unreachable)."""
        try:
            endpoint = (await self.metadata()).get("end_session_endpoint")
        except ProviderUnavailable:
            return None
        if not endpoint:
            return None
        query = {"post_logout_redirect_uri": post_logout_redirect_uri, "client_id": self.client_id}
        if id_token:
            query["id_token_hint"] = id_token
        return f"{endpoint}?{urlencode(query)}"

    async def _token(self, form: dict[str, str]) -> dict[str, Any]:
        endpoint = str((await self.metadata())["token_endpoint"])
        try:
            r = await self._http.post(endpoint, data=form, auth=self._auth)
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"token endpoint: {exc!r}") from exc
        if r.status_code >= 500:
            raise ProviderUnavailable(f"token endpoint: HTTP {r.status_code}")
        try:
            body: Any = r.json()
        except ValueError:
            body = {}
        if r.status_code != 200 or not isinstance(body, dict) or not body.get("access_token"):
            body = body if isinstance(body, dict) else {}
            error = str(body["error"]) if body.get("error") else None
            raise TokenRefused(error, r.status_code, body.get("error_description"))
        if str(body.get("token_type", "")).lower() != "bearer":
            raise OidcError("token_type", f"token_type {body.get('token_type')!r}")
        return body

    async def _checked(
        self, body: dict[str, Any], nonce: str | None, access_verifier: TokenVerifier | None
    ) -> Tokens:
        verifier = access_verifier or await self.access_verifier()
        try:
            principal = await verifier.verify_async(str(body["access_token"]))
        except TokenError as exc:
            raise OidcError("invalid_access_token", str(exc)) from exc
        id_token = str(body["id_token"]) if body.get("id_token") else None
        if id_token is None and nonce is not None:
            raise OidcError("no_id_token", "no ID token in the code exchange (scope openid?)")
        claims = await self.verify_id_token(id_token, nonce=nonce, sub=principal.sub) if id_token else {}
        try:
            expires_in = max(1, int(body.get("expires_in") or DEFAULT_EXPIRES_IN))
        except (TypeError, ValueError):
            expires_in = DEFAULT_EXPIRES_IN
        refresh_token = body.get("refresh_token")
        return Tokens(
            str(body["access_token"]), expires_in, str(refresh_token) if refresh_token else None, id_token,
            principal, claims,
        )  # fmt: skip

    async def verify_id_token(self, id_token: str, *, nonce: str | None, sub: str | None) -> dict[str, Any]:
        """The ID token's claims after OIDC Core 3.1.3.7: signature, iss, aud (this client), exp, azp, the
        subject of the access token, and the nonce of this sign-in (None on a refresh: no sign-in under way)."""
        try:
            key = await self._key(str(jwt.get_unverified_header(id_token).get("kid") or ""))
            if key is None:
                raise OidcError("invalid_id_token", "signed with an unknown key")
            claims: dict[str, Any] = jwt.decode(
                id_token, key.key, algorithms=ID_TOKEN_ALGORITHMS, audience=self.client_id, issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]}, leeway=30,
            )  # fmt: skip
        except jwt.PyJWTError as exc:
            raise OidcError("invalid_id_token", str(exc)) from exc
        azp, aud = claims.get("azp"), claims["aud"]
        several = isinstance(aud, list) and len(aud) > 1
        if (azp is not None or several) and azp != self.client_id:
            raise OidcError("invalid_id_token", "issued to another client (azp)")
        if sub is not None and claims["sub"] != sub:
            raise OidcError("invalid_id_token", "the ID token and the access token name different people")
        if nonce is not None and not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
            raise OidcError("nonce_mismatch", "the ID token's nonce is not this sign-in's")
        return claims


def _signing_keys(jwks: dict[str, Any]) -> dict[str, jwt.PyJWK]:
    keys: dict[str, jwt.PyJWK] = {}
    for k in jwks.get("keys", []):
        if not isinstance(k, dict) or k.get("use", "sig") != "sig" or not k.get("kid"):
            continue
        try:
            keys[str(k["kid"])] = jwt.PyJWK(k)
        except jwt.PyJWTError:
            continue
    return keys
