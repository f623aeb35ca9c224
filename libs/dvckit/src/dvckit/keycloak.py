"""Keycloak, the development OpenID Provider, at its old path: the code is :mod:`dvckit.dev.keycloak`, whose
names this module re-exports. A service's code never imports it (tests/test_dev_boundary.py)."""

from __future__ import annotations

from dvckit.dev.keycloak import ADMIN_PASSWORD as ADMIN_PASSWORD
from dvckit.dev.keycloak import ADMIN_USER as ADMIN_USER
from dvckit.dev.keycloak import (
    HOST,
    REALM,
    REALM_FILE,
    Keycloak,
    KeycloakUnavailable,
    aot_cache,
    available,
    cache_dir,
    client_secret,
    fetch,
    free_port,
    java_home,
    realm_definition,
    subject,
    template,
    unavailable_reason,
    user_password,
    version,
)
from dvckit.dev.keycloak import JAVA_OPTS as JAVA_OPTS
from dvckit.dev.keycloak import java_version as java_version
from dvckit.dev.keycloak import locked as locked
from dvckit.dev.keycloak import main as main
from dvckit.dev.keycloak import test_users_line as test_users_line

__all__ = [
    "HOST", "REALM", "REALM_FILE", "Keycloak", "KeycloakUnavailable", "aot_cache", "available", "cache_dir",
    "client_secret", "fetch", "free_port", "java_home", "realm_definition", "subject", "template",
    "unavailable_reason", "user_password", "version",
]  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
