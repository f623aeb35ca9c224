"""The client IP behind proxies: only configured proxies are believed; the right-most untrusted hop wins."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from dvckit.client_ip import TrustedProxies, parse_address

INGRESS = TrustedProxies.parse("10.0.0.0/8, 192.168.4.7, fd00::/8")


def test_without_trusted_proxies_the_header_is_never_read() -> None:
    assert TrustedProxies().client_ip("203.0.113.5", ["198.51.100.1"]) == "203.0.113.5"


def test_a_spoofed_header_from_an_untrusted_peer_is_ignored() -> None:
    assert INGRESS.client_ip("203.0.113.66", ["1.2.3.4, 10.0.0.1"]) == "203.0.113.66"


def test_through_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client() -> None:
    # The client wrote "1.2.3.4" itself; the ingress appended the address it really saw.
    assert INGRESS.client_ip("10.1.2.3", ["1.2.3.4, 198.51.100.9"]) == "198.51.100.9"
    # Two of our proxies in a row (a load balancer, then the ingress): both are skipped.
    assert INGRESS.client_ip("10.1.2.3", ["1.2.3.4, 198.51.100.9, 192.168.4.7"]) == "198.51.100.9"
    # Several header lines are one list, in order.
    assert INGRESS.client_ip("10.1.2.3", ["1.2.3.4", "198.51.100.9"]) == "198.51.100.9"


def test_only_proxies_all_the_way_gives_the_left_most_proxy() -> None:
    assert INGRESS.client_ip("10.1.2.3", ["10.9.9.9"]) == "10.9.9.9"
    assert INGRESS.client_ip("10.1.2.3", []) == "10.1.2.3"


def test_garbage_where_a_proxy_entry_should_be_stops_at_the_last_trusted_hop() -> None:
    assert INGRESS.client_ip("10.1.2.3", ["1.2.3.4, not-an-ip"]) == "10.1.2.3"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("203.0.113.5", "203.0.113.5"),
        (" 203.0.113.5:4431 ", "203.0.113.5"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("2001:db8::1", "2001:db8::1"),
        ("::ffff:198.51.100.9", "198.51.100.9"),
        ("unknown", None),
        ("", None),
    ],
)
def test_addresses_as_proxies_write_them(raw: str, expected: str | None) -> None:
    parsed = parse_address(raw)
    assert (str(parsed) if parsed else None) == expected


def test_ipv6_proxies_and_clients() -> None:
    assert INGRESS.client_ip("fd00::5", ["2001:db8::77"]) == "2001:db8::77"


def test_a_bad_configuration_is_refused() -> None:
    with pytest.raises(ValueError):
        TrustedProxies.parse("10.0.0.0/33")


def test_from_a_request() -> None:
    scope = {
        "type": "http",
        "client": ("10.0.0.4", 5555),
        "headers": [(b"x-forwarded-for", b"6.6.6.6, 198.51.100.20")],
    }
    assert INGRESS.of(Request(scope)) == "198.51.100.20"
    assert TrustedProxies().of(Request(scope)) == "10.0.0.4"
    assert TrustedProxies().of(Request({"type": "http", "headers": []})) == "unknown"
