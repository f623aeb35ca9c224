"""JWT (RS256) with a JWKS: roles citizen / agency / operator.

Claims: sub, role, name, optional agency (agency code) and province (province code for a province
operator), iss, aud, iat, exp. Locally a dev key pair lives in .run/dev-jwt/ (``make token``).
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

Role = Literal["citizen", "agency", "operator"]
ROLES: tuple[Role, ...] = ("citizen", "agency", "operator")


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
        k: v for k, v in (("name", name), ("agency", agency), ("province", province), ("phone", phone)) if v
    }
    return jwt.encode(claims, keys.private_pem, algorithm="RS256", headers={"kid": keys.kid})


class TokenVerifier:
    def __init__(self, jwks: dict[str, Any], *, issuer: str, audience: str) -> None:
        self._keys = {k["kid"]: jwt.PyJWK(k) for k in jwks.get("keys", [])}
        self._issuer = issuer
        self._audience = audience

    @classmethod
    def from_source(
        cls, *, jwks_file: str | None, jwks_url: str | None, issuer: str, audience: str
    ) -> TokenVerifier:
        if jwks_url:
            jwks = httpx.get(jwks_url, timeout=10).raise_for_status().json()
        elif jwks_file and Path(jwks_file).exists():
            jwks = json.loads(Path(jwks_file).read_text())
        else:
            jwks = {"keys": []}
        return cls(jwks, issuer=issuer, audience=audience)

    def verify(self, token: str) -> Principal:
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
            province=claims.get("province"),
            phone=claims.get("phone"),
        )
