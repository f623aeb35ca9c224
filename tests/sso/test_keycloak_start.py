"""Keycloak's start-up mends what is ours to mend: a port another process took between choosing it and
Keycloak's bind (CI saw "Address already in use" on the management port) means new ports and one more
start, not a failed test session; an exit for any other cause still fails with the cause in the message,
not hidden under the JVM's AOT warnings."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from dvckit import keycloak

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]


@pytest.fixture()
def taken_port() -> Iterator[int]:
    with socket.socket() as s:
        s.bind((keycloak.HOST, 0))
        s.listen()
        yield int(s.getsockname()[1])


@pytest.fixture(scope="module", autouse=True)
def _template() -> None:
    reason = keycloak.unavailable_reason()
    if reason:
        pytest.skip(f"Keycloak cannot run here: {reason}")
    keycloak.fetch()
    keycloak.template()


def test_a_chosen_port_taken_before_the_bind_is_chosen_again(tmp_path: Path, taken_port: int) -> None:
    kc = keycloak.Keycloak(tmp_path)
    kc.management_port = taken_port  # as if another process bound it after free_port() chose it
    with kc:
        assert kc.management_port != taken_port
        assert httpx.get(kc.health_url, timeout=5).status_code == 200
        assert "Address already in use" in kc.log_tail(chars=None)  # the first start met the clash


def test_ports_given_by_the_caller_are_not_changed(tmp_path: Path, taken_port: int) -> None:
    kc = keycloak.Keycloak(tmp_path, port=keycloak.free_port(), management_port=taken_port)
    with pytest.raises(keycloak.KeycloakUnavailable) as failed, kc:
        pass
    assert "Address already in use" in str(failed.value)
    assert "][aot]" not in str(failed.value)
    assert kc.proc is None  # stopped, nothing left running
