"""Keycloak, the development OpenID Provider of ``make run`` and the SSO tests, assembled from Maven Central.

``deploy/keycloak/pom.xml`` pins the version; :func:`fetch` unpacks the distribution zip
(``org.keycloak:keycloak-quarkus-dist``) into a cache (``DVC_KEYCLOAK_CACHE``, default
``<repo>/.run/keycloak``) with ``mvn dependency:unpack`` — nothing is fetched from anywhere else. Keycloak
needs Java 21 or newer: :func:`java_home` takes ``DVC_KEYCLOAK_JAVA_HOME``, else ``JAVA_HOME``, else the
newest JDK under /usr/lib/jvm, whichever is 21+.

A :class:`Keycloak` is one ``kc.sh start-dev`` process on 127.0.0.1 (dev-file storage, local caches, health on
the management port) with the realm of ``deploy/keycloak/realm-dvc.json`` imported. Its data lives in its own
directory (a small home of symlinks to the shared distribution), so several can run at once. A fresh data
directory starts from a *template*: the database of one instance that imported the realm and stopped cleanly,
made once per Keycloak version + realm file (:func:`template`): that first start (dev-mode build, schema,
import) takes 36-62 s, a start from the template 5-8 s, 5-6 s with the JVM's AOT cache (:func:`aot_cache`,
Java 25+), measured in deploy/keycloak/README.md. The template holds the realm's signing keys, so instances
made from one template share them until a key is rotated.

    python -m dvckit.keycloak start --port 8080     # foreground; Ctrl-C stops it

The code is in :mod:`dvckit.dev.keycloak_server` (the server, the template), :mod:`dvckit.dev.keycloak_conf`
(host, realm, JVM options, URLs), :mod:`dvckit.dev.keycloak_dist` (Java, the distribution) and
:mod:`dvckit.dev.keycloak_realm` (the realm's users and clients); this module re-exports their names and is
the command line.

In production any OpenID Provider is configured by its issuer URL alone; this is for development and tests.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

from dvckit.dev.keycloak_conf import _H2 as _H2
from dvckit.dev.keycloak_conf import ADMIN_PASSWORD, ADMIN_USER, HOST, REALM, aot_cache, free_port
from dvckit.dev.keycloak_conf import JAVA_OPTS as JAVA_OPTS
from dvckit.dev.keycloak_conf import _group_alive as _group_alive
from dvckit.dev.keycloak_conf import _stamp as _stamp
from dvckit.dev.keycloak_dist import (
    KeycloakUnavailable,
    available,
    cache_dir,
    fetch,
    java_home,
    unavailable_reason,
    version,
)
from dvckit.dev.keycloak_dist import java_version as java_version
from dvckit.dev.keycloak_dist import locked as locked
from dvckit.dev.keycloak_realm import (
    REALM_FILE,
    client_secret,
    realm_definition,
    subject,
    test_users_line,
    user_password,
)
from dvckit.dev.keycloak_server import Keycloak, template
from dvckit.dev.keycloak_server import _train_aot as _train_aot

__all__ = [
    "HOST", "REALM", "REALM_FILE", "Keycloak", "KeycloakUnavailable", "aot_cache", "available", "cache_dir",
    "client_secret", "fetch", "free_port", "java_home", "realm_definition", "subject", "template",
    "unavailable_reason", "user_password", "version",
]  # fmt: skip


# --- command line -------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dvckit.keycloak", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("start", help="run Keycloak in the foreground (Ctrl-C stops it)")
    run.add_argument("--port", type=int, default=8080)
    run.add_argument("--management-port", type=int, default=9000, help="health: /health/ready")
    run.add_argument("--data-dir", type=Path, default=None, help="default: <cache>/run")
    sub.add_parser("fetch", help="fetch the distribution from Maven Central (once)")
    sub.add_parser("check", help="exit 0 when Java 21+ and Maven (or the cache) are here, else say why")
    args = parser.parse_args(argv)
    if args.command == "check":
        reason = unavailable_reason()
        print(reason or f"ok: Java at {java_home()}, Keycloak {version()}")
        return 1 if reason else 0
    if args.command == "fetch":
        print(fetch())
        return 0
    kc = Keycloak(args.data_dir or cache_dir() / "run", args.port, args.management_port)
    stopping = False

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    kc.start()
    try:
        took = kc.wait_ready()
        print(
            f"Keycloak {version()} ready in {took:.1f} s\n  issuer   {kc.issuer}\n  jwks     {kc.jwks_url}\n"
            f"  token    {kc.token_url}\n  health   {kc.health_url}\n  admin    {kc.base_url}/admin "
            f"({ADMIN_USER}/{ADMIN_PASSWORD})\n  users    {test_users_line()}\n  log      {kc.log_path}",
            flush=True,
        )
        while not stopping and kc.alive():
            time.sleep(0.5)
    except KeycloakUnavailable as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        kc.stop()
    return 0 if stopping else 1


if __name__ == "__main__":
    raise SystemExit(main())
