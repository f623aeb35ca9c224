"""The portal's tokens from a real OpenID Provider (Keycloak, realm deploy/keycloak/realm-dvc.json) through
the kit's TokenVerifier, as every service validates them: JWKS from the provider, issuer, audience per
service, expiry (5-minute access tokens), and a refresh of the JWKS when a token names a key the verifier
has not seen (key rotation).

- an agency system's client gets a token by client credentials: role=agency with its agency and province;
- that token is refused by a service that is not its audience;
- a citizen signs in with the authorization code flow + PKCE over plain HTTP (the login form, as a browser
  posts it): name and level of assurance come through; without the code verifier no token is issued;
- operators sign in to the dashboard with their province (none: national);
- after a new signing key takes over, a verifier made before the rotation accepts old and new tokens."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import html
import re
import secrets
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import jwt
import pytest

from dvc_contracts import agencies
from dvckit.auth.jwt import JWKS_MIN_REFETCH, Principal, TokenError, TokenVerifier
from dvckit.keycloak import Keycloak, client_secret, subject, user_password
from dvckit.keycloak_keys import rotate_signing_key

# the first run on a machine fetches Keycloak and makes its template and AOT cache (~2 min) in the fixture
pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]
REDIRECTS = {
    "portal": "http://127.0.0.1:8006/auth/callback",
    "reporting": "http://127.0.0.1:8000/auth/callback",
}
HA_NOI_GTVT = "agency-ha-noi-so-gtvt-01"


def verifier(kc: Keycloak, audience: str, **kwargs: Any) -> TokenVerifier:
    return TokenVerifier.from_source(
        jwks_file=None, jwks_url=kc.jwks_url, issuer=kc.issuer, audience=audience, **kwargs
    )


def claims(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def client_token(kc: Keycloak, client_id: str) -> str:
    r = httpx.post(
        kc.token_url,
        data={"grant_type": "client_credentials"},
        auth=(client_id, client_secret(client_id)),
        timeout=30,
    )
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def pkce() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge)"""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign_in(kc: Keycloak, client_id: str, username: str, challenge: str, scope: str = "openid") -> str:
    """A person signs in as a browser would: the authorization request, the login form posted back; returns
    the code of the redirect to the client. Keycloak marks its cookies Secure (SameSite=None); browsers send
    those to http://127.0.0.1 and localhost (trustworthy origins), http.cookiejar does not, so they are sent
    here by hand."""
    state = secrets.token_urlsafe(16)
    with httpx.Client(timeout=30) as browser:
        page = browser.get(
            kc.auth_url,
            params={
                "client_id": client_id,
                "redirect_uri": REDIRECTS[client_id],
                "response_type": "code",
                "scope": scope,
                "state": state,
                "nonce": secrets.token_urlsafe(16),
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            },
        )
        assert page.status_code == 200, page.text[:500]
        form = re.search(r'<form[^>]*id="kc-form-login"[^>]*action="([^"]+)"', page.text)
        assert form, page.text[:2000]
        cookies = "; ".join(f"{c.name}={c.value}" for c in browser.cookies.jar)
        done = browser.post(
            html.unescape(form.group(1)),
            data={"username": username, "password": user_password(username), "credentialId": ""},
            headers={"cookie": cookies},
        )
    assert done.status_code == 302, done.text[:2000]
    location = done.headers["location"]
    assert location.startswith(REDIRECTS[client_id]), location
    query = parse_qs(urlparse(location).query)
    assert query["state"] == [state] and query["iss"] == [kc.issuer]
    return query["code"][0]


def exchange(kc: Keycloak, client_id: str, code: str, code_verifier: str | None) -> httpx.Response:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECTS[client_id]}
    if code_verifier is not None:
        data["code_verifier"] = code_verifier
    return httpx.post(kc.token_url, data=data, auth=(client_id, client_secret(client_id)), timeout=30)


# --- agency systems: client credentials ---------------------------------------------------------------------


def test_agency_client_credentials_token_is_an_agency_principal(kc: Keycloak) -> None:
    dossier = verifier(kc, "dossier")
    token = client_token(kc, HA_NOI_GTVT)
    assert dossier.verify(token) == Principal(
        sub=subject(HA_NOI_GTVT), role="agency", agency="SO-GTVT", province="01"
    )
    assert claims(token)["exp"] - claims(token)["iat"] == 300
    # a nationwide system (BHXH): no province claim, so dossier's ingest takes it for any province
    bhxh = dossier.verify(client_token(kc, "agency-bhxh-bhxh"))
    assert (bhxh.role, bhxh.agency, bhxh.province) == ("agency", "BHXH", None)
    # every client of the registry's Hà Nội system reports as exactly its own agency code
    system = agencies.by_id("ha-noi")
    for code in sorted(system.agency_codes):
        p = dossier.verify(client_token(kc, f"agency-ha-noi-{code.lower()}-01"))
        assert (p.role, p.agency, p.province) == ("agency", code, "01")
        assert system.covers(p.agency or "", p.province or "")


def test_token_for_another_audience_is_refused(kc: Keycloak) -> None:
    token = client_token(kc, HA_NOI_GTVT)
    assert claims(token)["aud"] == "dossier"
    with pytest.raises(TokenError, match=r"[Aa]udience"):
        verifier(kc, "payment").verify(token)
    with pytest.raises(TokenError, match=r"[Ii]ssuer"):
        TokenVerifier.from_source(
            jwks_file=None,
            jwks_url=kc.jwks_url,
            issuer="https://other.example/realms/dvc",
            audience="dossier",
        ).verify(token)
    wrong_secret = httpx.post(
        kc.token_url,
        data={"grant_type": "client_credentials"},
        auth=(HA_NOI_GTVT, "not-the-secret"),
        timeout=30,
    )
    assert wrong_secret.status_code == 401


# --- people: authorization code + PKCE ----------------------------------------------------------------------


def test_citizen_signs_in_with_code_and_pkce(kc: Keycloak) -> None:
    code_verifier, challenge = pkce()
    code = sign_in(kc, "portal", "nguyenvanan", challenge)
    tokens = exchange(kc, "portal", code, code_verifier)
    assert tokens.status_code == 200, tokens.text
    access = tokens.json()["access_token"]
    citizen = Principal(
        sub=subject("nguyenvanan"),
        role="citizen",
        name="Nguyễn Văn An",
        phone="0912345678",
        loa=2,
        citizen_id="001099012345",
    )
    assert verifier(kc, "portal").verify(access) == citizen
    assert verifier(kc, "dossier").verify(access) == citizen  # the portal forwards it to the services
    assert claims(access)["loa"] == 2 and claims(access)["citizen_id"] == "001099012345"
    assert verifier(kc, "notify").verify(access) == citizen  # the citizen's own SMS opt-out
    with pytest.raises(TokenError, match=r"[Aa]udience"):
        verifier(kc, "reporting").verify(access)  # the operators' dashboard: not the portal's audience
    # the ID token (aud = portal) carries no role: never taken for an access token
    with pytest.raises(TokenError, match="role"):
        verifier(kc, "portal").verify(tokens.json()["id_token"])
    assert tokens.json()["refresh_token"]

    # without the code verifier, or with another one, the code buys nothing
    _, challenge = pkce()
    refused = exchange(kc, "portal", sign_in(kc, "portal", "nguyenvanan", challenge), None)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant", refused.text
    _, challenge = pkce()
    other, _ = pkce()
    refused = exchange(kc, "portal", sign_in(kc, "portal", "nguyenvanan", challenge), other)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant", refused.text


def test_basic_assurance_citizen_and_no_password_grant(kc: Keycloak) -> None:
    code_verifier, challenge = pkce()
    code = sign_in(kc, "portal", "tranthibinh", challenge, scope="openid profile email")
    tokens = exchange(kc, "portal", code, code_verifier)
    access = tokens.json()["access_token"]
    assert verifier(kc, "portal").verify(access).name == "Trần Thị Bình"
    assert claims(access)["loa"] == 1
    # the standard OpenID scopes a client library asks for by default are there too
    profile = claims(tokens.json()["id_token"])
    assert (profile["family_name"], profile["given_name"]) == ("Trần", "Thị Bình")
    assert profile["preferred_username"] == "tranthibinh"
    # web clients take no passwords directly (direct access grants are off)
    password = httpx.post(
        kc.token_url,
        data={"grant_type": "password", "username": "nguyenvanan", "password": user_password("nguyenvanan")},
        auth=("portal", client_secret("portal")),
        timeout=30,
    )
    assert password.status_code in (400, 401) and password.json()["error"] == "unauthorized_client"
    # an authorization request without PKCE is refused before any login form
    no_pkce = httpx.get(
        kc.auth_url,
        params={"client_id": "portal", "redirect_uri": REDIRECTS["portal"], "response_type": "code"},
        timeout=30,
    )
    assert no_pkce.status_code == 302 and "error=invalid_request" in no_pkce.headers["location"]


@pytest.mark.parametrize(
    ("username", "name", "province"),
    [
        ("levanhung", "Lê Văn Hùng", "01"),
        ("phamthilan", "Phạm Thị Lan", "79"),
        ("hoangvannam", "Hoàng Văn Nam", None),
    ],
)
def test_operators_sign_in_to_the_dashboard(
    kc: Keycloak, username: str, name: str, province: str | None
) -> None:
    code_verifier, challenge = pkce()
    tokens = exchange(kc, "reporting", sign_in(kc, "reporting", username, challenge), code_verifier)
    assert tokens.status_code == 200, tokens.text
    operator = verifier(kc, "reporting").verify(tokens.json()["access_token"])
    assert (operator.role, operator.name, operator.province) == ("operator", name, province)
    assert verifier(kc, "notify").verify(tokens.json()["access_token"]) == operator


# --- key rotation (last: it changes the realm's keys) ------------------------------------------------------


async def test_verifier_follows_key_rotation(kc: Keycloak) -> None:
    now = [0.0]
    dossier = verifier(kc, "dossier", monotonic=lambda: now[0])  # built before the rotation
    old = client_token(kc, HA_NOI_GTVT)
    old_kid = jwt.get_unverified_header(old)["kid"]
    assert dossier.verify(old).agency == "SO-GTVT"

    new_kid = await asyncio.to_thread(rotate_signing_key, kc)  # a higher-priority key signs from now on
    assert new_kid != old_kid
    async with httpx.AsyncClient(timeout=30) as client:
        r = await client.post(
            kc.token_url,
            data={"grant_type": "client_credentials"},
            auth=(HA_NOI_GTVT, client_secret(HA_NOI_GTVT)),
        )
    new = r.raise_for_status().json()["access_token"]
    assert jwt.get_unverified_header(new)["kid"] == new_kid
    with pytest.raises(TokenError, match="unknown signing key"):
        dossier.verify(new)  # cached keys only
    # the first token with the new key id makes the verifier fetch the JWKS at once (no 30 s wait: a rotation
    # fails no request), however recently it fetched — beyond the one-second floor between fetches
    now[0] += JWKS_MIN_REFETCH
    assert (await dossier.verify_async(new)).agency == "SO-GTVT"  # refetched the JWKS
    assert dossier.verify(old).agency == "SO-GTVT"  # the old key is still published: old tokens still pass
    assert dossier.verify(new).province == "01"
