"""A real OpenID Provider for the SSO tests: Keycloak (deploy/keycloak) with the realm ``dvc`` imported, one
per test module. Skipped only where Java 21+ or Maven (to fetch Keycloak from Maven Central) is missing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dvckit import keycloak


@pytest.fixture(scope="module")
def kc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[keycloak.Keycloak]:
    reason = keycloak.unavailable_reason()
    if reason:
        pytest.skip(f"Keycloak cannot run here: {reason}")
    keycloak.fetch()
    keycloak.template()  # made once per Keycloak version + realm file; later starts copy it
    with keycloak.Keycloak(tmp_path_factory.mktemp("keycloak")) as server:
        yield server
