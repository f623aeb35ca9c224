"""The OpenID Provider (authorization code flow with PKCE S256, a confidential client), with httpx and the
kit's token verifier: no OIDC library needed for these few steps.

- :meth:`Provider.authorization_url`: where the browser goes, with ``state`` (ties the callback to the
  sign-in the portal started), ``nonce`` (ties the ID token to it) and the PKCE challenge (the code is useless
  without the verifier, which never leaves the server).
- :meth:`Provider.exchange`: code + verifier → tokens (client secret by HTTP Basic); the ID token is checked
  (signature with the provider's keys, ``iss``, ``aud`` = this client, ``exp``, ``nonce``, ``azp``) and the
  access token is verified as every service does (:class:`dvckit.auth.jwt.TokenVerifier`, audience = this
  client; the services check their own name in the same ``aud`` list).
- :meth:`Provider.refresh`: a new access token (and rotated refresh token) before the old one expires.
- :meth:`Provider.logout_url`: the provider's ``end_session_endpoint`` with ``id_token_hint`` and
  ``post_logout_redirect_uri``.

The discovery document (``<issuer>/.well-known/openid-configuration``) is read on first use and kept; its
``issuer`` must be the configured one exactly."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt

from dvckit.auth.jwt import KeyRefetch, Principal, TokenError, TokenVerifier
from dvckit.logging import get_logger

log = get_logger("dvc_portal.oidc")


class ProviderError(Exception):
    """The provider refused or could not be reached; ``code`` is its OAuth error (``invalid_grant`` …)."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def pkce_challenge(verifier: str) -> str:
    """RFC 7636 S256: BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class Tokens:
    access_token: str
    expires_in: int
    refresh_token: str | None
    id_token: str | None
    principal: Principal
    id_claims: dict[str, Any]


class Provider:
    def __init__(
        self,
        issuer: str,
        client_id: str,
        client_secret: str,
        *,
        scope: str = "openid",
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.issuer = issuer
        self.client_id = client_id
        self.scope = scope
        self._auth = httpx.BasicAuth(client_id, client_secret)
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 3.0)), transport=transport
        )
        self._config: dict[str, Any] | None = None
        self._keys: dict[str, jwt.PyJWK] = {}
        self._refetch = KeyRefetch()  # a new key id (a rotation) is fetched at once
        self._verifier: TokenVerifier | None = None
        self._lock = asyncio.Lock()

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- discovery and keys ----------------------------------------------------------------------------

    async def config(self) -> dict[str, Any]:
        if self._config is None:
            async with self._lock:
                if self._config is None:
                    url = f"{self.issuer}/.well-known/openid-configuration"
                    found = await self._get_json(url)
                    if found.get("issuer") != self.issuer:
                        raise ProviderError(f"the discovery document names issuer {found.get('issuer')!r}")
                    jwks = await self._get_json(str(found["jwks_uri"]))
                    self._keys = _keys(jwks)
                    self._refetch.done("", found=None)
                    self._verifier = TokenVerifier(
                        jwks, issuer=self.issuer, audience=self.client_id, jwks_url=str(found["jwks_uri"])
                    )
                    self._config = found
        return self._config

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            r = await self._http.get(url)
            r.raise_for_status()
            data: dict[str, Any] = r.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ProviderError(f"{url}: {exc!r}"[:300]) from exc
        return data

    async def _key(self, kid: str | None) -> jwt.PyJWK:
        key = self._keys.get(kid or "")
        if key is None and self._refetch.due(kid or ""):  # a rotated key: fetch once more
            self._refetch.done(kid or "", found=None)
            self._keys = _keys(await self._get_json(str((await self.config())["jwks_uri"])))
            key = self._keys.get(kid or "")
            self._refetch.done(kid or "", found=key is not None)
        if key is None:
            raise TokenError("ID token signed with an unknown key")
        return key

    # --- the flow --------------------------------------------------------------------------------------

    async def authorization_url(self, *, redirect_uri: str, state: str, nonce: str, verifier: str) -> str:
        endpoint = str((await self.config())["authorization_endpoint"])
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "scope": self.scope,
            "state": state,
            "nonce": nonce,
            "code_challenge": pkce_challenge(verifier),
            "code_challenge_method": "S256",
            "ui_locales": "vi",
        }
        return f"{endpoint}?{urlencode(query)}"

    async def exchange(self, *, code: str, redirect_uri: str, verifier: str, nonce: str) -> Tokens:
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        }
        return await self._tokens(data, nonce=nonce)

    async def refresh(self, refresh_token: str) -> Tokens:
        return await self._tokens({"grant_type": "refresh_token", "refresh_token": refresh_token}, nonce=None)

    async def logout_url(self, *, id_token: str | None, post_logout_redirect_uri: str) -> str | None:
        """The provider's end-session URL, or None when it has none (the local session is still ended)."""
        endpoint = (await self.config()).get("end_session_endpoint")
        if not endpoint:
            return None
        query = {"post_logout_redirect_uri": post_logout_redirect_uri, "client_id": self.client_id}
        if id_token:
            query["id_token_hint"] = id_token
        return f"{endpoint}?{urlencode(query)}"

    async def _tokens(self, data: dict[str, str], *, nonce: str | None) -> Tokens:
        endpoint = str((await self.config())["token_endpoint"])
        try:
            r = await self._http.post(endpoint, data=data, auth=self._auth)
        except httpx.HTTPError as exc:
            raise ProviderError(f"token endpoint unreachable: {exc!r}"[:300]) from exc
        try:
            body: dict[str, Any] = r.json()
        except ValueError:
            body = {}
        if r.status_code != 200 or "access_token" not in body:
            raise ProviderError(
                f"token endpoint answered {r.status_code}: {body.get('error_description') or body.get('error')}",
                code=str(body.get("error") or r.status_code),
            )
        id_token = body.get("id_token")
        id_claims: dict[str, Any] = {}
        if id_token:
            id_claims = await self.check_id_token(str(id_token), nonce=nonce)
        elif nonce is not None:
            raise ProviderError("no ID token in the code exchange (scope openid?)")
        assert self._verifier is not None
        try:
            principal = await self._verifier.verify_async(str(body["access_token"]))
        except TokenError as exc:
            raise ProviderError(f"access token refused: {exc}") from exc
        if id_claims and id_claims.get("sub") != principal.sub:
            raise ProviderError("the ID token and the access token name different people")
        return Tokens(
            access_token=str(body["access_token"]),
            expires_in=int(body.get("expires_in") or 300),
            refresh_token=body.get("refresh_token"),
            id_token=str(id_token) if id_token else None,
            principal=principal,
            id_claims=id_claims,
        )

    async def check_id_token(self, id_token: str, *, nonce: str | None) -> dict[str, Any]:
        """The ID token's claims after OIDC Core 3.1.3.7: signature, iss, aud (this client), exp, azp, and the
        nonce of this sign-in (on a refresh, the provider's nonce is not checked: no sign-in is under way)."""
        try:
            header = jwt.get_unverified_header(id_token)
            key = await self._key(header.get("kid"))
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key.key,
                algorithms=["RS256", "PS256", "ES256"],
                audience=self.client_id,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
                leeway=30,
            )
        except (jwt.PyJWTError, TokenError) as exc:
            raise ProviderError(f"ID token refused: {exc}") from exc
        azp = claims.get("azp")
        if azp is not None and azp != self.client_id:
            raise ProviderError("ID token issued to another client (azp)")
        if nonce is not None and not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
            raise ProviderError("ID token nonce does not match this sign-in")
        return claims


def _keys(jwks: dict[str, Any]) -> dict[str, jwt.PyJWK]:
    keys: dict[str, jwt.PyJWK] = {}
    for k in jwks.get("keys", []):
        if k.get("use", "sig") != "sig" or not k.get("kid"):
            continue
        try:
            keys[str(k["kid"])] = jwt.PyJWK(k)
        except jwt.PyJWTError:
            continue
    return keys
