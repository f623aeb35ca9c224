"""Apache Kafka on loopback as a cluster of processes, for the cluster tests (``tests/cluster``)."""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import struct
import time
from pathlib import Path

from dvckit.dev import apache_kafka
from dvckit.dev.broker_kinds import HOST, KAFKA_START_TIMEOUT, STOP_TIMEOUT, DevBrokerError
from dvckit.dev.broker_process import free_port, signal_group, spawn, tail, terminate
from dvckit.dev.broker_wire import ProtocolError, kafka_brokers


class DevCluster:
    """Apache Kafka on loopback as ``nodes`` processes, each broker and controller (every node a voter), with
    the replication of deploy/ (RF 3, min ISR 2) — for the cluster tests. ``kill(i)`` SIGKILLs node ``i``
    (1-based), ``restart(i)`` brings it back on the same ports and storage."""

    def __init__(self, base_dir: Path, nodes: int = 3) -> None:
        ports = [free_port() for _ in range(2 * nodes)]
        self.nodes = apache_kafka.cluster_nodes(Path(base_dir), ports[:nodes], ports[nodes:])
        self.bootstrap = ",".join(f"{HOST}:{n.port}" for n in self.nodes)
        self.started_seconds: dict[int, float] = {}

    def __enter__(self) -> DevCluster:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def node(self, node_id: int) -> apache_kafka.Node:
        return self.nodes[node_id - 1]

    def start(self) -> str:
        apache_kafka.fetch()
        for node in self.nodes:  # formatting is a JVM each: one at a time, before any node starts
            node.format()
        atexit.register(self.stop)
        for node in self.nodes:
            self._launch(node)
        for node in self.nodes:
            self._wait(node)
        return self.bootstrap

    def _launch(self, node: apache_kafka.Node) -> None:
        node.proc = spawn(node.command(), dict(os.environ), node.log_path)
        node.started_at = time.perf_counter()

    def _wait(self, node: apache_kafka.Node, timeout: float = KAFKA_START_TIMEOUT) -> None:
        """Until the node answers and its metadata lists every node of the cluster."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not node.alive():
                raise DevBrokerError(
                    f"kafka node {node.node_id} exited; log {node.log_path}:\n{tail(node.log_path)}"
                )
            with contextlib.suppress(OSError, ProtocolError, struct.error):
                if len(kafka_brokers(HOST, node.port, timeout=1.0)) == len(self.nodes):
                    self.started_seconds[node.node_id] = time.perf_counter() - node.started_at
                    return
            time.sleep(0.1)
        raise DevBrokerError(
            f"kafka node {node.node_id} not ready within {timeout:.0f} s; log {node.log_path}"
        )

    def kill(self, node_id: int) -> None:
        """SIGKILL node ``node_id`` (no controlled shutdown), like :meth:`DevBroker.kill`."""
        node = self.node(node_id)
        if node.alive():
            assert node.proc is not None
            signal_group(node.proc, signal.SIGKILL)
            node.proc.wait(STOP_TIMEOUT)

    def restart(self, node_id: int) -> None:
        node = self.node(node_id)
        terminate(node.proc, timeout=30.0)
        self._launch(node)
        self._wait(node)

    def stop(self) -> None:
        for node in self.nodes:
            if node.alive():
                assert node.proc is not None
                signal_group(node.proc, signal.SIGTERM)
        for node in self.nodes:
            terminate(node.proc, timeout=30.0)
        atexit.unregister(self.stop)
