"""The development credentials of the realm file ``deploy/keycloak/realm-dvc.json`` (clients' secrets, test
users' passwords and subjects), for tests and ``make run``'s start-up banner."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any, Final

from dvckit.dev.keycloak_dist import DEPLOY

REALM_FILE: Final = DEPLOY / "realm-dvc.json"


def realm_definition(realm_file: Path = REALM_FILE) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(realm_file.read_text(encoding="utf-8"))
    return data


def client_secret(client_id: str, realm_file: Path = REALM_FILE) -> str:
    """The development secret of a client of the realm file."""
    for client in realm_definition(realm_file)["clients"]:
        if client["clientId"] == client_id:
            return str(client["secret"])
    raise KeyError(f"no client {client_id!r} in {realm_file}")


def _user(username: str, realm_file: Path) -> dict[str, Any]:
    for user in realm_definition(realm_file)["users"]:
        if user["username"] == username:
            return dict(user)
    raise KeyError(f"no user {username!r} in {realm_file}")


def user_password(username: str, realm_file: Path = REALM_FILE) -> str:
    """The development password of a test user of the realm file."""
    return str(_user(username, realm_file)["credentials"][0]["value"])


def subject(username_or_client_id: str, realm_file: Path = REALM_FILE) -> str:
    """The ``sub`` of a test user's tokens, or of an agency client's (its service account's id)."""
    with contextlib.suppress(KeyError):
        return str(_user(username_or_client_id, realm_file)["id"])
    return str(_user(f"service-account-{username_or_client_id}", realm_file)["id"])


def test_users_line() -> str:
    people = [u for u in realm_definition()["users"] if "serviceAccountClientId" not in u]
    listed = ", ".join(
        f"{u['username']} ({u['attributes']['role'][0]} {u['attributes'].get('province', ['-'])[0]})"
        for u in people
    )
    return f"{listed}; password {user_password(people[0]['username'])}" if people else "(none)"
