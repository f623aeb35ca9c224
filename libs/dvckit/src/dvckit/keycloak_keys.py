"""The signing-key rotation of a running development Keycloak, at its old path: the code is
:mod:`dvckit.dev.keycloak_keys`, whose names this module re-exports. A service's code never imports it
(tests/test_dev_boundary.py)."""

from __future__ import annotations

from dvckit.dev.keycloak_keys import KEY_PROVIDER, Keycloak, active_kid, new_rsa_pem, rotate_signing_key

__all__ = ["KEY_PROVIDER", "Keycloak", "active_kid", "new_rsa_pem", "rotate_signing_key"]
