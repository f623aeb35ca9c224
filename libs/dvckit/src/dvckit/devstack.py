"""`make run` helper: wait until every service answers /healthz, print the URLs, then wait for Ctrl-C."""

from __future__ import annotations

import os
import signal
import threading
import time

import httpx
from rich.console import Console
from rich.table import Table

SERVICES = {
    "reporting": 8000,
    "catalog": 8001,
    "dossier": 8002,
    "payment": 8003,
    "feedback": 8004,
    "notify": 8005,
    "portal": 8006,
}


def wait_healthy(timeout: float = 120.0) -> dict[str, bool]:
    deadline = time.monotonic() + timeout
    status = dict.fromkeys(SERVICES, False)
    while time.monotonic() < deadline and not all(status.values()):
        for name, port in SERVICES.items():
            if not status[name]:
                try:
                    status[name] = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
                except httpx.HTTPError:
                    pass
        time.sleep(0.5)
    return status


def main() -> None:
    console = Console()
    status = wait_healthy()
    table = Table(title="Cổng DVC — local stack")
    for col in ("service", "URL", "health", "API docs"):
        table.add_column(col)
    for name, port in SERVICES.items():
        url = f"http://127.0.0.1:{port}"
        table.add_row(name, url, "ok" if status[name] else "NOT UP", f"{url}/docs")
    console.print(table)
    console.print(f"Kafka broker: {os.environ.get('KAFKA_BOOTSTRAP', '127.0.0.1:9092')}")
    console.print("Tokens: make token ROLE=citizen | ROLE=operator | ROLE=agency AGENCY=BCA-CSGT")
    console.print("Stop: Ctrl-C here, or `make stop` from another terminal.")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()


if __name__ == "__main__":
    main()
