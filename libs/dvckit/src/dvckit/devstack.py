"""``make run``'s helper (wait for Keycloak, the URLs), at its old path: the code is
:mod:`dvckit.dev.devstack`, whose names this module re-exports. A service's code never imports it
(tests/test_dev_boundary.py)."""

from __future__ import annotations

from dvckit.dev.devstack import (
    KEYCLOAK_HEALTH,
    KEYCLOAK_URL,
    SERVICES,
    cli,
    keycloak_ready,
    main,
    test_users,
    wait_healthy,
    wait_keycloak,
)

__all__ = [
    "KEYCLOAK_HEALTH",
    "KEYCLOAK_URL",
    "SERVICES",
    "keycloak_ready",
    "main",
    "test_users",
    "wait_healthy",
    "wait_keycloak",
]


if __name__ == "__main__":
    cli()
