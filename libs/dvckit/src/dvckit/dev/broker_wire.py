"""Talking Kafka to a development broker: a round trip over a plain socket (ApiVersions v0, then Metadata v0/v1)
that works from sync code, also inside a running event loop, and checks the advertised listener; waiting until
a starting broker answers it; creating topics (aiokafka's admin client)."""

from __future__ import annotations

import asyncio
import socket
import struct
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path

from dvckit.dev.broker_kinds import HOST, DevBrokerError, EarlyExit
from dvckit.dev.broker_process import tail


class ProtocolError(Exception):
    pass


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ProtocolError("connection closed by broker")
        buf += chunk
    return bytes(buf)


def _kafka_request(
    sock: socket.socket, api_key: int, version: int, correlation_id: int, body: bytes
) -> bytes:
    client_id = b"dvc-devbroker"
    header = struct.pack(">hhih", api_key, version, correlation_id, len(client_id)) + client_id
    message = header + body
    sock.sendall(struct.pack(">i", len(message)) + message)
    (size,) = struct.unpack(">i", _recv_exact(sock, 4))
    data = _recv_exact(sock, size)
    (got,) = struct.unpack_from(">i", data)
    if got != correlation_id:
        raise ProtocolError(f"correlation id {got} != {correlation_id}")
    return data[4:]


def _read_string(data: bytes, pos: int) -> tuple[str | None, int]:
    (length,) = struct.unpack_from(">h", data, pos)
    pos += 2
    if length < 0:
        return None, pos
    return data[pos : pos + length].decode(), pos + length


def kafka_brokers(host: str, port: int, timeout: float = 2.0) -> list[tuple[int, str, int]]:
    """The broker list from a Metadata response, after an ApiVersions handshake."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.settimeout(timeout)
        data = _kafka_request(sock, 18, 0, 1, b"")  # ApiVersions v0
        (error,) = struct.unpack_from(">h", data)
        if error:
            raise ProtocolError(f"ApiVersions error code {error}")
        (count,) = struct.unpack_from(">i", data, 2)
        versions = {}
        for i in range(count):
            key, low, high = struct.unpack_from(">hhh", data, 6 + 6 * i)
            versions[key] = (low, high)
        low, high = versions.get(3, (0, 0))
        version = max(low, 1) if high >= 1 else 0
        # a broker with only newer Metadata versions than we parse: the handshake is our round trip
        if version > min(high, 8):
            return []
        # v1+: an empty topic array asks for no topics (v0: all topics, fine too); v4+: allow_auto_topic_creation
        body = struct.pack(">i", 0) + (b"\x00" if version >= 4 else b"")
        data = _kafka_request(sock, 3, version, 2, body)
        pos = 4 if version >= 3 else 0  # throttle_time_ms
        (count,) = struct.unpack_from(">i", data, pos)
        pos += 4
        brokers = []
        for _ in range(count):
            (node_id,) = struct.unpack_from(">i", data, pos)
            broker_host, pos = _read_string(data, pos + 4)
            (broker_port,) = struct.unpack_from(">i", data, pos)
            pos += 4
            if version >= 1:
                _rack, pos = _read_string(data, pos)
            brokers.append((node_id, broker_host or "", broker_port))
        return brokers


def wait_kafka(
    kind: str, proc: subprocess.Popen[bytes] | None, port: int, timeout: float, log_path: Path | None
) -> None:
    """Wait for the port, then for an ApiVersions + Metadata round trip advertising HOST:port; ``proc`` (the
    starting broker, None for a container) exiting meanwhile is an :class:`EarlyExit`."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise EarlyExit(
                f"{kind} exited with code {proc.returncode} while starting on port {port}; "
                f"log {log_path}:\n{tail(log_path) if log_path else ''}"
            )
        try:
            brokers = kafka_brokers(HOST, port, timeout=1.0)
        except (OSError, ProtocolError, struct.error) as exc:
            last = exc
            time.sleep(0.02)
            continue
        if brokers and not any(p == port for _, _, p in brokers):
            raise DevBrokerError(f"broker on port {port} advertises {brokers}, not {HOST}:{port}")
        if brokers or kind != "kafka":  # Kafka answers before its broker has registered
            return
        time.sleep(0.05)
        continue
    log = f"; log {log_path}:\n{tail(log_path)}" if log_path else ""
    raise DevBrokerError(f"{kind} did not answer on {HOST}:{port} within {timeout:.0f} s ({last}){log}")


async def ensure_topics(
    bootstrap: str, topics: Iterable[tuple[str, int]], replication: int = 1, timeout: float = 15.0
) -> None:
    """Create topics ``(name, partitions)`` that do not exist yet; retries while the broker warms up."""
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic
    from aiokafka.errors import KafkaError, TopicAlreadyExistsError, for_code

    wanted = {name: partitions for name, partitions in topics}
    if not wanted:
        return
    deadline = time.monotonic() + timeout
    delay = 0.1
    while True:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
        try:
            await admin.start()
            response = await admin.create_topics(
                [NewTopic(name, partitions, replication) for name, partitions in wanted.items()]
            )
            failures: dict[str, str] = {}
            for entry in response.topic_errors:
                name, code = entry[0], entry[1]
                if code in (0, TopicAlreadyExistsError.errno):
                    wanted.pop(name, None)
                    continue
                message = entry[2] if len(entry) > 2 and entry[2] else ""
                failures[name] = f"{for_code(code).__name__} {message}".strip()
            if not wanted:
                return
            error: Exception = DevBrokerError(f"create_topics failed: {failures or sorted(wanted)}")
        except KafkaError as exc:
            error = exc
        finally:
            await admin.close()
        if time.monotonic() + delay >= deadline:
            raise DevBrokerError(f"could not create topics on {bootstrap}: {error}") from error
        await asyncio.sleep(delay)
        delay = min(delay * 2, 1.0)
