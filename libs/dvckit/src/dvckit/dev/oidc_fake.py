"""A small OpenID Provider for fast tests (the kit's dvckit.oidc_client, the portal's and the dashboard's
sign-ins), speaking Keycloak's shapes: discovery, JWKS, the token endpoint (authorization_code with PKCE S256
checked, refresh_token rotating one use each, HTTP Basic client authentication), end_session. The browser's
visit to the authorization endpoint is :meth:`FakeProvider.authorize` (the test plays the person signing in:
``person``, or one of ``people`` by user name); the tests read what the client sent from ``token_requests``
(every form), ``exchanges`` (the code's) and ``refreshes`` (the refresh tokens used). Mount
:meth:`FakeProvider.app` with ``httpx.ASGITransport``."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from dvckit.auth.jwt import DevKeys

ISSUER = "http://sso.test/realms/dvc"
CLIENT_ID = "portal"
CLIENT_SECRET = "test-portal-secret"
SUB = "5b1f9a52-3c2e-5d8e-9a7b-0c1d2e3f4a5b"  # opaque, as Keycloak's
PERSON = {"name": "Nguyễn Văn An", "citizen_id": "001099012345", "loa": 2, "role": "citizen"}
SERVICES = ["catalog", "dossier", "payment", "feedback"]  # the access token's other audiences


@dataclass
class FakeProvider:
    keys: DevKeys
    expires_in: int = 300
    person: dict[str, Any] = field(default_factory=lambda: dict(PERSON))
    people: dict[str, dict[str, Any]] = field(default_factory=dict)  # user name → claims (sub: sub-<name>)
    issuer: str = ISSUER
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    endpoints: str = "/protocol/openid-connect"  # under the issuer: /auth, /token, /certs, /logout
    audiences: list[str] = field(default_factory=lambda: list(SERVICES))
    send_iss: bool = False  # the redirect back names the issuer (RFC 9207)
    wrong_nonce: bool = False  # the ID token carries another nonce (a replayed or injected token)
    id_token_azp: str | None = None  # another client's: an ID token issued to another client
    token_type: str = "Bearer"
    codes: dict[str, tuple[dict[str, str], str | None]] = field(default_factory=dict)
    refresh_tokens: dict[str, str | None] = field(default_factory=dict)  # live ones → user (used: gone)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    exchanges: list[dict[str, str]] = field(default_factory=list)
    refreshes: list[str] = field(default_factory=list)
    issued: list[str] = field(default_factory=list)  # access tokens

    def answer(self, url: str, user: str | None = None) -> dict[str, str]:
        """The person (``user`` of ``people``, else ``person``) signs in at the provider: the query of the
        redirect back to the client."""
        q = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        assert url.startswith(f"{self.issuer}{self.endpoints}/auth?"), url
        assert q["response_type"] == "code" and q["client_id"] == self.client_id
        code = secrets.token_urlsafe(16)
        self.codes[code] = (q, user)
        back = {"code": code, "state": q["state"], "session_state": "x"}
        return back | ({"iss": self.issuer} if self.send_iss else {})

    def authorize(self, url: str, user: str | None = None) -> tuple[str, dict[str, str]]:
        """:meth:`answer` as the redirect back (callback path + query), and the request's parameters (the test
        may change them, as if the provider had been sent others)."""
        back = self.answer(url, user)
        asked, _ = self.codes[back["code"]]
        return f"{urlsplit(asked['redirect_uri']).path}?{urlencode(back)}", asked

    def _sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.keys.private_pem, algorithm="RS256", headers={"kid": self.keys.kid})

    def _tokens(self, user: str | None, nonce: str | None) -> dict[str, Any]:
        claims = dict(self.people[user]) if user is not None else dict(self.person)
        sub = claims.pop("sub", f"sub-{user}" if user is not None else SUB)
        now = int(time.time())
        common = {"iss": self.issuer, "sub": sub, "iat": now, "exp": now + self.expires_in}
        aud = [self.client_id, *self.audiences]
        access = self._sign(common | {"aud": aud, "typ": "Bearer", "azp": self.client_id} | claims)
        azp = self.id_token_azp or self.client_id
        id_claims = common | {"aud": self.client_id, "azp": azp, "typ": "ID", "name": claims.get("name")}
        if nonce is not None:
            id_claims["nonce"] = "someone-else" if self.wrong_nonce else nonce
        refresh = secrets.token_urlsafe(24)
        self.refresh_tokens[refresh] = user
        self.issued.append(access)
        return {
            "access_token": access,
            "expires_in": self.expires_in,
            "refresh_expires_in": 1800,
            "refresh_token": refresh,
            "token_type": self.token_type,
            "id_token": self._sign(id_claims),
            "scope": "openid",
        }

    def revoke_all(self) -> None:
        """The person's session at the provider ended (logout elsewhere, idle timeout, an administrator)."""
        self.refresh_tokens.clear()

    def _grant(self, form: dict[str, str]) -> JSONResponse:
        if form.get("grant_type") == "authorization_code":
            self.exchanges.append(form)
            asked, user = self.codes.pop(form.get("code", ""), ({}, None))
            if not asked or asked["redirect_uri"] != form.get("redirect_uri"):
                return JSONResponse({"error": "invalid_grant"}, 400)
            digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != asked["code_challenge"]:
                return JSONResponse(
                    {"error": "invalid_grant", "error_description": "PKCE verification failed"}, 400
                )
            return JSONResponse(self._tokens(user, asked["nonce"]))
        if form.get("grant_type") == "refresh_token":
            used = form.get("refresh_token", "")
            self.refreshes.append(used)
            if used not in self.refresh_tokens:
                return JSONResponse(
                    {"error": "invalid_grant", "error_description": "Token is not active"}, 400
                )
            return JSONResponse(self._tokens(self.refresh_tokens.pop(used), None))
        return JSONResponse({"error": "unsupported_grant_type"}, 400)

    def app(self) -> FastAPI:
        app = FastAPI()
        base = f"{self.issuer}{self.endpoints}"
        path = urlsplit(base).path

        @app.get(f"{urlsplit(self.issuer).path}/.well-known/openid-configuration")
        async def discovery() -> dict[str, Any]:
            return {
                "issuer": self.issuer,
                "authorization_endpoint": f"{base}/auth",
                "token_endpoint": f"{base}/token",
                "jwks_uri": f"{base}/certs",
                "end_session_endpoint": f"{base}/logout",
                "code_challenge_methods_supported": ["plain", "S256"],
            }

        @app.get(f"{path}/certs")
        async def certs() -> dict[str, Any]:
            return self.keys.jwks

        @app.post(f"{path}/token")
        async def token(request: Request) -> JSONResponse:
            scheme, _, creds = request.headers.get("authorization", "").partition(" ")
            if (
                scheme != "Basic"
                or base64.b64decode(creds).decode() != f"{self.client_id}:{self.client_secret}"
            ):
                return JSONResponse({"error": "unauthorized_client"}, 401)
            form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
            self.token_requests.append(form)
            return self._grant(form)

        return app
