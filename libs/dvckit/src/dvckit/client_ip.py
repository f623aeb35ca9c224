"""The client's IP address behind reverse proxies, believing only the proxies we run.

Each proxy appends the address it received the request from to ``X-Forwarded-For``, so the list reads
``<whatever the client wrote>, …, <what our proxies saw>``. Only the right-hand part written by trusted proxies
can be believed: start from the TCP peer and walk the list from the right while the hop is a trusted proxy; the
first hop that is not one is the client. A peer that is not a trusted proxy is the client itself (whatever
header it sent), and with no proxy configured the header is never read.

    proxies = TrustedProxies.parse("10.0.0.0/8, 192.168.4.7")
    proxies.client_ip("10.1.2.3", ["198.51.100.9, 203.0.113.5"])  → "203.0.113.5"
    proxies.client_ip("203.0.113.66", ["1.2.3.4"])                  → "203.0.113.66" (not a proxy: ignored)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

from starlette.requests import HTTPConnection

Address = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network
UNKNOWN = "unknown"


def parse_address(value: str) -> Address | None:
    """An address as proxies write it: ``203.0.113.5``, ``2001:db8::1``, ``[2001:db8::1]:443``, ``1.2.3.4:80``."""
    text = value.strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ip_address(text)
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


class TrustedProxies:
    def __init__(self, networks: Iterable[Network] = ()) -> None:
        self.networks: tuple[Network, ...] = tuple(networks)

    @classmethod
    def parse(cls, spec: str | Sequence[str]) -> TrustedProxies:
        """A comma-separated (or listed) set of CIDR blocks or single addresses; ValueError on a bad entry."""
        items = spec.split(",") if isinstance(spec, str) else spec
        return cls(ip_network(item.strip(), strict=False) for item in items if item.strip())

    def trusts(self, address: Address | None) -> bool:
        return address is not None and any(address in net for net in self.networks)

    def client_ip(self, peer: str | None, forwarded_for: Iterable[str] = ()) -> str:
        """The right-most address that is not a trusted proxy, starting from the TCP ``peer``.
        ``forwarded_for``: the X-Forwarded-For header values, in the order received."""
        current = parse_address(peer or "")
        if current is None:
            return peer or UNKNOWN
        hops = [hop for value in forwarded_for for hop in value.split(",") if hop.strip()]
        while self.trusts(current) and hops:
            previous = parse_address(hops.pop())
            if previous is None:  # garbage where a proxy's entry should be: stop at the last proxy we trust
                break
            current = previous
        return str(current)

    def of(self, conn: HTTPConnection) -> str:
        """The client of a Starlette/FastAPI request."""
        peer = conn.client.host if conn.client else None
        return self.client_ip(peer, conn.headers.getlist("x-forwarded-for"))
