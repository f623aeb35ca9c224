"""Service processes for integration and e2e tests (:mod:`dvckit.dev.testing`): a service started with uvicorn
on a free port of 127.0.0.1, waited for until ready, stopped or killed."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx


@dataclass
class ServiceProcess:
    name: str
    port: int
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        cmd = [
            sys.executable, "-m", "uvicorn", "--factory", f"dvc_{self.name}.entrypoints.app:create_app",
            "--host", "127.0.0.1", "--port", str(self.port), "--no-access-log",
        ]  # fmt: skip
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(cmd, env=os.environ | self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float, *, broker: bool = True) -> None:
        """Until the service is ready (its database answers) and, with ``broker``, connected to the broker
        (readiness alone does not need the broker: dvckit.health)."""
        deadline = time.monotonic() + timeout
        paths = ["/readyz", "/readyz/broker"] if broker else ["/readyz"]
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}); log: {self.log_path}")
            try:
                if all(httpx.get(f"{self.url}{p}", timeout=1).status_code == 200 for p in paths):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{self.name} not ready after {timeout} s; log: {self.log_path}")

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, no consumer-group leave."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
