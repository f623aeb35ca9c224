"""deploy/keycloak/realm-dvc.json is what deploy/keycloak/realm.py renders from the agency registry, and it
says what the SSO design says: one agency client per system × agency code × province with hardcoded claims
and aud=dossier only; web clients with PKCE S256 and no password grant; test users valid. No Keycloak
needed."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

from dvc_contracts import agencies, units

ROOT = Path(__file__).resolve().parents[2]
REALM = json.loads((ROOT / "deploy" / "keycloak" / "realm-dvc.json").read_text(encoding="utf-8"))
CLIENTS = {c["clientId"]: c for c in REALM["clients"]}


def _hardcoded(client: dict[str, Any]) -> dict[str, str]:
    return {
        m["config"]["claim.name"]: m["config"]["claim.value"]
        for m in client["protocolMappers"]
        if m["protocolMapper"] == "oidc-hardcoded-claim-mapper"
    }


def test_realm_file_is_rendered_from_the_registry() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "deploy.keycloak.realm", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_one_client_per_system_agency_and_province() -> None:
    expected = {
        (s.id, code, province)
        for s in agencies.SYSTEMS
        for code in s.agency_codes
        for province in (s.provinces if s.provinces is not None else [None])
    }
    found = set()
    for client in CLIENTS.values():
        claims = _hardcoded(client)
        if claims.get("role") != "agency":
            continue
        assert client["serviceAccountsEnabled"] and not client["standardFlowEnabled"]
        assert not client["directAccessGrantsEnabled"] and not client["publicClient"]
        assert [s for s in client["defaultClientScopes"] if s not in ("basic", "dvc")] == ["dossier"]
        system = agencies.by_id(claims["agency_system"])
        assert system.covers(claims["agency"], claims.get("province", ""))
        found.add((system.id, claims["agency"], claims.get("province")))
    assert found == expected


def test_web_clients_use_pkce_and_no_password_grant() -> None:
    for client_id in ("portal", "reporting"):
        c = CLIENTS[client_id]
        assert c["standardFlowEnabled"] and not c["implicitFlowEnabled"]
        assert not c["directAccessGrantsEnabled"] and not c["serviceAccountsEnabled"]
        assert c["attributes"]["pkce.code.challenge.method"] == "S256"
        assert all(u.startswith(("http://127.0.0.1:", "http://localhost:")) for u in c["redirectUris"])
    assert REALM["accessTokenLifespan"] == 300


def test_users_are_valid() -> None:
    for user in REALM["users"]:
        assert uuid.UUID(user["id"])  # Keycloak's ids are UUIDs (the sub); a citizen's number is a claim
        attrs = user["attributes"]
        assert attrs["role"] == user["realmRoles"]
        if "serviceAccountClientId" in user:
            continue
        assert attrs["loa"][0] in ("1", "2")
        if attrs["role"] == ["citizen"]:
            assert len(attrs["citizen_id"][0]) == 12 and attrs["citizen_id"][0].isdigit()
        for code in attrs.get("province", []):
            assert code in units.CURRENT_CODES
