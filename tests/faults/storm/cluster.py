"""The three-node Apache Kafka cluster of the storm: dvckit's :class:`DevCluster` (RF 3, min ISR 2, every node a
broker and a voter), with one node optionally in a network namespace (:mod:`.netns`) so the network can be cut
under it. Then every node listens on the veth pair's addresses instead of loopback: the caged node on the inner
address, the others on the host end (a local address of this host, so clients and nodes reach it as usual)."""

from __future__ import annotations

import contextlib
import os
import struct
import time
from pathlib import Path

from dvckit import apache_kafka
from dvckit.devbroker import (
    _KAFKA_START_TIMEOUT,
    DevBrokerError,
    DevCluster,
    _kafka_brokers,
    _ProtocolError,
    _signal_group,
    _spawn,
    _tail,
)

from .netns import Cage

LOOPBACK = apache_kafka.HOST


class StormCluster(DevCluster):
    def __init__(self, base_dir: Path, cage: Cage | None = None, caged_node: int = 3) -> None:
        super().__init__(base_dir)
        self.cage, self.caged_node = cage, caged_node
        self.hosts = {n.node_id: LOOPBACK for n in self.nodes}
        if cage is not None:
            self.hosts = {n.node_id: cage.host_ip for n in self.nodes} | {caged_node: cage.inner_ip}
            self._readdress()
        self.bootstrap = ",".join(f"{self.hosts[n.node_id]}:{n.port}" for n in self.nodes)

    def _readdress(self) -> None:
        """Replace 127.0.0.1:<port> by each node's own address in every setting and format argument."""
        swaps = {}
        for n in self.nodes:
            for port in (n.port, n.controller_port):
                swaps[f"{LOOPBACK}:{port}"] = f"{self.hosts[n.node_id]}:{port}"

        def swap(text: str) -> str:
            for old, new in swaps.items():
                text = text.replace(old, new)
            return text

        for n in self.nodes:
            n.settings = {k: swap(v) for k, v in n.settings.items()}
            n.format_args = [swap(a) for a in n.format_args]

    def _launch(self, node: apache_kafka.Node) -> None:
        prefix = self.cage.prefix if self.cage and node.node_id == self.caged_node else []
        node.proc = _spawn([*prefix, *node.command()], dict(os.environ), node.log_path)
        node.started_at = time.perf_counter()

    def _wait(self, node: apache_kafka.Node, timeout: float = _KAFKA_START_TIMEOUT) -> None:
        """Until the node answers on its address and its metadata lists every node of the cluster."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not node.alive():
                raise DevBrokerError(f"kafka node {node.node_id} exited:\n{_tail(node.log_path)}")
            with contextlib.suppress(OSError, _ProtocolError, struct.error):
                if len(_kafka_brokers(self.hosts[node.node_id], node.port, timeout=1.0)) == len(self.nodes):
                    self.started_seconds[node.node_id] = time.perf_counter() - node.started_at
                    return
            time.sleep(0.2)
        raise DevBrokerError(f"kafka node {node.node_id} not ready within {timeout:.0f} s ({node.log_path})")

    def kill_all(self) -> None:
        """The whole cluster SIGKILLed at once (an outage, not a shutdown)."""
        for node in self.nodes:
            if node.alive():
                assert node.proc is not None
                _signal_group(node.proc, 9)
        for node in self.nodes:
            if node.proc is not None:
                node.proc.wait(10)

    def start_all(self) -> None:
        """Every node launched before any is waited for: one alone has no quorum and never gets ready."""
        for node in self.nodes:
            self._launch(node)
        for node in self.nodes:
            self._wait(node)
