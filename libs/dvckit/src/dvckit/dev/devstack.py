"""`make run` helper: wait until every service answers /healthz, print the URLs (the portal's sign-in at
Keycloak and its test users), then wait for Ctrl-C. ``python -m dvckit.devstack wait-keycloak`` waits until the
development OpenID Provider is ready (the services fetch its keys when they start)."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

import httpx
from rich.console import Console
from rich.table import Table

from dvckit.dev import keycloak

SERVICES = {
    "reporting": 8000,
    "catalog": 8001,
    "dossier": 8002,
    "payment": 8003,
    "feedback": 8004,
    "notify": 8005,
    "portal": 8006,
}
KEYCLOAK_URL = "http://127.0.0.1:8080"
KEYCLOAK_HEALTH = "http://127.0.0.1:9000/health/ready"  # the management port of the Procfile's keycloak


def keycloak_ready() -> bool:
    try:
        return httpx.get(KEYCLOAK_HEALTH, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def wait_keycloak(timeout: float = 900.0) -> int:
    """Exit status 0 once Keycloak is ready. Its first start on a machine fetches it from Maven Central and
    makes the realm's template (a few minutes); later ones take 5-10 s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if keycloak_ready():
            return 0
        time.sleep(0.5)
    print(
        f"Keycloak not ready after {timeout:.0f} s ({KEYCLOAK_HEALTH}): see .run/keycloak/run/keycloak.log",
        file=sys.stderr,
    )
    return 1


def test_users() -> list[tuple[str, str, str]]:
    """(username, name, what) of the realm file's people, for the banner."""
    people = []
    for u in keycloak.realm_definition()["users"]:
        if "serviceAccountClientId" in u:
            continue
        a = u.get("attributes", {})
        role = a.get("role", ["?"])[0]
        what = f"{role}, loa {a.get('loa', ['?'])[0]}"
        if a.get("province"):
            what += f", province {a['province'][0]}"
        people.append((u["username"], a.get("full_name", [""])[0], what))
    return people


def wait_healthy(timeout: float = 900.0) -> dict[str, bool]:
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
    table.add_row(
        "keycloak",
        KEYCLOAK_URL,
        "ok" if keycloak_ready() else "NOT UP",
        f"{KEYCLOAK_URL}/admin (admin/admin)",
    )
    console.print(table)
    console.print(f"Kafka broker: {os.environ.get('KAFKA_BOOTSTRAP', '127.0.0.1:9092')}")
    users = test_users()
    password = keycloak.user_password(users[0][0]) if users else "?"
    console.print(
        f"Sign in to the portal: http://127.0.0.1:{SERVICES['portal']}/dang-nhap (at Keycloak, realm dvc)"
    )
    console.print(f"Test users (password {password}):")
    for username, name, what in users:
        console.print(f"  {username:<14} {name} ({what})")
    console.print(
        "Tokens: make token ROLE=citizen | ROLE=operator | ROLE=agency AGENCY=BCA-CSGT (trusted beside Keycloak's)"
    )
    console.print("Stop: Ctrl-C here, or `make stop` from another terminal.")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()


def cli() -> None:
    """``python -m dvckit.devstack [wait-keycloak]``."""
    if sys.argv[1:] == ["wait-keycloak"]:
        raise SystemExit(wait_keycloak())
    main()


if __name__ == "__main__":
    cli()
