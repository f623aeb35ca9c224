"""The JDK and the Keycloak distribution of the development OpenID Provider, at its old path: the code is
:mod:`dvckit.dev.keycloak_dist`, whose names this module re-exports. A service's code never imports it
(tests/test_dev_boundary.py)."""

from __future__ import annotations

from dvckit.dev.keycloak_dist import (
    DEPLOY,
    MIN_JAVA,
    POM,
    KeycloakUnavailable,
    available,
    cache_dir,
    fetch,
    java_home,
    java_version,
    locked,
    unavailable_reason,
    version,
)

__all__ = [
    "DEPLOY",
    "MIN_JAVA",
    "POM",
    "KeycloakUnavailable",
    "available",
    "cache_dir",
    "fetch",
    "java_home",
    "java_version",
    "locked",
    "unavailable_reason",
    "version",
]
