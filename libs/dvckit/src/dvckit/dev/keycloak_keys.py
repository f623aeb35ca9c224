"""Rotating a realm's signing key at a running Keycloak through its admin REST API (tests: a key rotation at
the provider must not fail a request or log anyone out).

A new ``rsa`` key provider with a priority above every existing one takes over signing at once; the old key
stays published (tokens it signed still verify until they expire). The key is made here and imported:
Keycloak's own ``rsa-generated`` provider makes it in the JVM, seconds on the C1-only JVM of the tests."""

from __future__ import annotations

import time
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from dvckit.dev.keycloak import Keycloak

KEY_PROVIDER = "org.keycloak.keys.KeyProvider"


def new_rsa_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return pem.decode()


def _admin(kc: Keycloak) -> httpx.Client:
    headers = {"authorization": f"Bearer {kc.admin_token()}"}
    return httpx.Client(base_url=kc.admin_url, headers=headers, timeout=30)


def active_kid(kc: Keycloak, algorithm: str = "RS256") -> str:
    """The key id the realm signs new tokens with."""
    with _admin(kc) as admin:
        keys: dict[str, Any] = admin.get("/keys").raise_for_status().json()
    return str(keys["active"][algorithm])


def rotate_signing_key(kc: Keycloak, *, name: str = "rsa-rotated", timeout: float = 30.0) -> str:
    """Add an RS256 key above every other and wait until the realm signs with it; returns its key id."""
    before = active_kid(kc)
    with _admin(kc) as admin:
        realm_id = admin.get("").raise_for_status().json()["id"]
        providers = admin.get("/components", params={"type": KEY_PROVIDER}).raise_for_status().json()
        top = max((int((p.get("config") or {}).get("priority", ["0"])[0]) for p in providers), default=0)
        created = admin.post(
            "/components",
            json={
                "name": f"{name}-{int(time.time() * 1000)}",
                "providerId": "rsa",
                "providerType": KEY_PROVIDER,
                "parentId": realm_id,
                "config": {
                    "privateKey": [new_rsa_pem()],
                    "priority": [str(top + 100)],  # above every key: it signs from now on
                    "enabled": ["true"],
                    "active": ["true"],
                    "algorithm": ["RS256"],
                },
            },
        )
        if created.status_code != 201:
            raise RuntimeError(
                f"Keycloak refused the new key provider: {created.status_code} {created.text[:300]}"
            )
    deadline = time.monotonic() + timeout
    while (kid := active_kid(kc)) == before:
        if time.monotonic() > deadline:
            raise TimeoutError("Keycloak still signs with the old key")
        time.sleep(0.2)
    return kid
