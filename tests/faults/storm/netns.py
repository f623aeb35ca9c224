"""A network namespace of the harness's own, joined to the host by a veth pair, for one broker node: cutting
the link (the namespace side set down) partitions that node from everything else — packets are dropped in
silence, as on a real network, not refused. Only what this module created is ever touched, and
:meth:`Cage.close` removes it (idempotent; also registered with atexit)."""

from __future__ import annotations

import atexit
import ipaddress
import os
import random
import shutil
import subprocess
import uuid


def available() -> bool:
    """Root and ``ip``: a namespace can be made (tried for real by :meth:`Cage.open`)."""
    return os.geteuid() == 0 and shutil.which("ip") is not None


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
    if check and done.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {done.stderr.strip()}")
    return done


def _free_subnet() -> ipaddress.IPv4Network:
    """A /30 in 10.213.0.0/16 that no address of this host is in."""
    used = _ip("-4", "-o", "addr", "show").stdout
    while True:
        net = ipaddress.IPv4Network(f"10.213.{random.randrange(256)}.{random.randrange(0, 256, 4)}/30")
        if f"inet {net[1]}/" not in used and f"inet {net[2]}/" not in used:
            return net


class Cage:
    """``host_ip``: the host end (the other brokers and every client bind/connect there); ``inner_ip``: the
    caged node's address; ``prefix``: put before a command to run it inside the namespace."""

    def __init__(self) -> None:
        tag = uuid.uuid4().hex[:6]
        self.name, self.outer, self.inner = f"dvcfs-{tag}", f"dvcfs{tag}o", f"dvcfs{tag}i"
        net = _free_subnet()
        self.host_ip, self.inner_ip = str(net[1]), str(net[2])
        self._opened = False

    @property
    def prefix(self) -> list[str]:
        return ["ip", "netns", "exec", self.name]

    def open(self) -> Cage:
        atexit.register(self.close)
        self._opened = True
        _ip("netns", "add", self.name)
        _ip("link", "add", self.outer, "type", "veth", "peer", "name", self.inner)
        _ip("link", "set", self.inner, "netns", self.name)
        _ip("addr", "add", f"{self.host_ip}/30", "dev", self.outer)
        _ip("link", "set", self.outer, "up")
        for args in (("addr", "add", f"{self.inner_ip}/30", "dev", self.inner), ("link", "set", "lo", "up")):
            _ip("netns", "exec", self.name, "ip", *args)
        self.heal()
        return self

    def cut(self) -> None:
        """The caged node's side of the link goes down: nothing in or out, silently."""
        _ip("netns", "exec", self.name, "ip", "link", "set", self.inner, "down")

    def heal(self) -> None:
        _ip("netns", "exec", self.name, "ip", "link", "set", self.inner, "up")

    def close(self) -> None:
        if not self._opened:
            return
        self._opened = False
        _ip("link", "del", self.outer, check=False)  # the peer goes with it
        _ip("netns", "del", self.name, check=False)
        atexit.unregister(self.close)
