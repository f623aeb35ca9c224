"""The development realm's credentials, at its old path: the code is :mod:`dvckit.dev.keycloak_realm`, whose
names this module re-exports. A service's code never imports it (tests/test_dev_boundary.py)."""

from __future__ import annotations

from dvckit.dev.keycloak_realm import (
    DEPLOY,
    REALM_FILE,
    client_secret,
    realm_definition,
    subject,
    test_users_line,
    user_password,
)

__all__ = [
    "DEPLOY",
    "REALM_FILE",
    "client_secret",
    "realm_definition",
    "subject",
    "test_users_line",
    "user_password",
]
