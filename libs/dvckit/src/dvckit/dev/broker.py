"""Development and test Kafka broker provisioning, shared by ``make run`` and the pytest fixtures: which kind
(:func:`~dvckit.dev.broker_kinds.resolve_kind`) and what each can do: :mod:`dvckit.dev.broker_kinds`. These are
development and test brokers, never production.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from dvckit.dev import apache_kafka, broker_kafka, broker_tansu
from dvckit.dev.broker_kinds import (
    HOST,
    KAFKA_START_TIMEOUT,
    NON_IDEMPOTENT_KINDS,
    S3_BUCKET,
    START_TIMEOUT,
    STOP_TIMEOUT,
    DevBrokerError,
    EarlyExit,
    resolve_kind,
)
from dvckit.dev.broker_process import binary_version, free_port, port_is_free, signal_group, spawn, terminate
from dvckit.dev.broker_wire import wait_kafka


class DevBroker:
    """A Kafka-protocol broker for development and tests. Context manager: ``with DevBroker() as b: b.bootstrap``.

    ``kind=None`` picks as described in :mod:`dvckit.dev.broker_kinds`. ``port`` defaults to a free port (ignored
    for ``external``). ``data_dir`` is used by noida (default: a temporary directory removed on stop).
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
            terminate(self._proc)
            terminate(self._moto)
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
            signal_group(self._proc, signal.SIGKILL)
            self._proc.wait(STOP_TIMEOUT)

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
                container.restart(timeout=int(STOP_TIMEOUT))
                self._wait_kafka(None, self._port_or_fail(), timeout=60.0)
                return
            terminate(self._proc)
            self._proc = None
            self._launch_binary()

    def describe(self) -> str:
        """One line for logs: kind, bootstrap, binary version and path, storage, pid, log."""
        if self.kind == "external":
            return f"external broker at {self.bootstrap or os.environ.get('KAFKA_BOOTSTRAP', '?')} (KAFKA_BOOTSTRAP)"
        if self.kind == "testcontainers":
            image = broker_kafka.kafka_image()
            return f"testcontainers {image} at {self.bootstrap or '(not started)'}; storage: container filesystem"
        state = f"pid {self.pid}" if self._proc is not None and self._proc.poll() is None else "not running"
        if self.kind == "kafka":
            return broker_kafka.describe_kafka(self.bootstrap, state, self.storage, self.log_path)
        if self._binary is None:
            self._binary = (
                broker_tansu.tansu_binary() if self.kind != "noida" else broker_tansu.noida_binary()
            )
        if self._version is None:
            self._version = binary_version(self._binary, "version" if self.kind == "noida" else "--version")
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
        broker_kafka.require_testcontainers()
        port = self.port or free_port()
        self.port = port
        image = broker_kafka.kafka_image()
        container = broker_kafka.kafka_container(port, image)
        self._container = container
        container.start()
        self.bootstrap = f"{HOST}:{port}"
        self.storage = f"container {image}"
        self._wait_kafka(None, port, timeout=60.0)

    def _prepare_binary(self) -> None:
        """The log file, the storage directory and the binary (or the jars) of a binary kind; moto for tansu-s3."""
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
            self._binary = broker_tansu.noida_binary()
            self.storage = f"{self.data_dir}/kafka.json"
        else:
            self._binary = broker_tansu.tansu_binary()
            if self.kind == "tansu-s3":
                broker_tansu.check_moto()
                self._start_moto()
                self.storage = f"s3://{S3_BUCKET}/ on moto http://{HOST}:{self._moto_port}"
            else:
                self.storage = "memory://tansu/"

    def _start_binary(self) -> None:
        self._prepare_binary()
        attempts = 1 if self._port_given else 3
        for attempt in range(attempts):
            if self.port is None or (attempt and not self._port_given):
                self.port = free_port()
            try:
                self._launch_binary()
                return
            except EarlyExit:
                if attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    def _launch_binary(self) -> None:
        port = self._port_or_fail()
        assert self.log_path is not None
        if not port_is_free(port):
            raise EarlyExit(
                f"port {HOST}:{port} is in use (another developer's broker?): pass another port "
                "(dvc-devbroker run --port N) or point KAFKA_BOOTSTRAP at the running broker"
            )
        env = dict(os.environ)
        if self.kind == "kafka":
            self._launch_kafka(port, env)
            return
        assert self._binary is not None
        cwd: Path | None = None
        if self.kind == "noida":
            cwd = self.data_dir
            cmd = broker_tansu.noida_command(self._binary, port, self.data_dir)
        else:
            cmd = broker_tansu.tansu_command(self._binary, self.kind, port, self._moto_port, env)
        self._proc = spawn(cmd, env, self.log_path, cwd)
        self.bootstrap = f"{HOST}:{port}"
        self._wait_kafka(self._proc, port, timeout=START_TIMEOUT)

    def _launch_kafka(self, port: int, env: dict[str, str]) -> None:
        """Format the storage once (a fresh cluster id per data_dir), then start the node on ``port``."""
        assert self.data_dir is not None and self.log_path is not None
        node = self._kafka_node = broker_kafka.single_node(self._kafka_node, self.data_dir, port)
        node.format()
        self._proc = node.proc = spawn(node.command(), env, self.log_path)
        self.bootstrap = f"{HOST}:{port}"
        self._wait_kafka(self._proc, port, timeout=KAFKA_START_TIMEOUT)

    def _wait_kafka(self, proc: subprocess.Popen[bytes] | None, port: int, timeout: float) -> None:
        """Wait for the port, then for an ApiVersions + Metadata round trip advertising HOST:port."""
        wait_kafka(self.kind, proc, port, timeout, self.log_path)

    def _start_moto(self) -> None:
        assert self.log_path is not None
        self._moto, self._moto_port = broker_tansu.start_moto(self.log_path)
