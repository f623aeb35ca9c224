"""A small OpenID Provider for fast tests (the kit's dvckit.oidc_client, the portal's sign-in), speaking
Keycloak's shapes: discovery, JWKS, the token endpoint (authorization_code with PKCE S256 checked,
refresh_token rotating one use each, HTTP Basic client authentication). The browser's visit to the
authorization endpoint is :meth:`FakeProvider.authorize` (the test plays the person signing in); the tests read
what the client sent from ``exchanges`` and ``refreshes``. Mount :meth:`FakeProvider.app` with
``httpx.ASGITransport``."""

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


@dataclass
class FakeProvider:
    keys: DevKeys
    expires_in: int = 300
    person: dict[str, Any] = field(default_factory=lambda: dict(PERSON))
    wrong_nonce: bool = False  # the ID token carries another nonce (a replayed or injected token)
    id_token_azp: str = CLIENT_ID  # another: an ID token issued to another client
    token_type: str = "Bearer"
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    refresh_tokens: set[str] = field(default_factory=set)  # the live ones (a used one is gone: rotation)
    exchanges: list[dict[str, str]] = field(default_factory=list)
    refreshes: list[str] = field(default_factory=list)
    issued: list[str] = field(default_factory=list)  # access tokens

    def authorize(self, url: str) -> tuple[str, dict[str, str]]:
        """The person signs in at the provider: the redirect back (callback path + query) and the request's
        parameters."""
        q = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        assert url.startswith(f"{ISSUER}/protocol/openid-connect/auth?")
        code = secrets.token_urlsafe(16)
        self.codes[code] = q
        back = urlsplit(q["redirect_uri"])
        return f"{back.path}?{urlencode({'code': code, 'state': q['state'], 'session_state': 'x'})}", q

    def _sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.keys.private_pem, algorithm="RS256", headers={"kid": self.keys.kid})

    def _tokens(self, nonce: str | None) -> dict[str, Any]:
        now = int(time.time())
        common = {
            "iss": ISSUER,
            "sub": SUB,
            "iat": now,
            "exp": now + self.expires_in,
            "azp": self.id_token_azp,
        }
        access = self._sign(
            common
            | {
                "aud": [CLIENT_ID, "catalog", "dossier", "payment", "feedback"],
                "typ": "Bearer",
                "azp": CLIENT_ID,
            }
            | self.person
        )
        id_claims = common | {"aud": CLIENT_ID, "typ": "ID", "name": self.person.get("name")}
        if nonce is not None:
            id_claims["nonce"] = "someone-else" if self.wrong_nonce else nonce
        refresh = secrets.token_urlsafe(24)
        self.refresh_tokens.add(refresh)
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

    def app(self) -> FastAPI:
        app = FastAPI()
        base = f"{ISSUER}/protocol/openid-connect"

        @app.get("/realms/dvc/.well-known/openid-configuration")
        async def discovery() -> dict[str, Any]:
            return {
                "issuer": ISSUER,
                "authorization_endpoint": f"{base}/auth",
                "token_endpoint": f"{base}/token",
                "jwks_uri": f"{base}/certs",
                "end_session_endpoint": f"{base}/logout",
                "code_challenge_methods_supported": ["plain", "S256"],
            }

        @app.get("/realms/dvc/protocol/openid-connect/certs")
        async def certs() -> dict[str, Any]:
            return self.keys.jwks

        @app.post("/realms/dvc/protocol/openid-connect/token")
        async def token(request: Request) -> JSONResponse:
            scheme, _, creds = request.headers.get("authorization", "").partition(" ")
            if scheme != "Basic" or base64.b64decode(creds).decode() != f"{CLIENT_ID}:{CLIENT_SECRET}":
                return JSONResponse({"error": "unauthorized_client"}, 401)
            form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
            if form.get("grant_type") == "authorization_code":
                self.exchanges.append(form)
                asked = self.codes.pop(form.get("code", ""), None)
                if asked is None or asked["redirect_uri"] != form.get("redirect_uri"):
                    return JSONResponse({"error": "invalid_grant"}, 400)
                digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
                if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != asked["code_challenge"]:
                    return JSONResponse(
                        {"error": "invalid_grant", "error_description": "PKCE verification failed"}, 400
                    )
                return JSONResponse(self._tokens(asked["nonce"]))
            if form.get("grant_type") == "refresh_token":
                used = form.get("refresh_token", "")
                self.refreshes.append(used)
                if used not in self.refresh_tokens:
                    return JSONResponse(
                        {"error": "invalid_grant", "error_description": "Token is not active"}, 400
                    )
                self.refresh_tokens.discard(used)
                return JSONResponse(self._tokens(None))
            return JSONResponse({"error": "unsupported_grant_type"}, 400)

        return app
