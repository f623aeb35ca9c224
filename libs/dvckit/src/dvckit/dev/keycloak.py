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

In production any OpenID Provider is configured by its issuer URL alone; this is for development and tests.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Final

import httpx

from dvckit.dev.keycloak_dist import (
    KeycloakUnavailable,
    available,
    cache_dir,
    fetch,
    java_home,
    java_version,
    locked,
    unavailable_reason,
    version,
)
from dvckit.dev.keycloak_realm import (
    REALM_FILE,
    client_secret,
    realm_definition,
    subject,
    test_users_line,
    user_password,
)

__all__ = [
    "HOST", "REALM", "REALM_FILE", "Keycloak", "KeycloakUnavailable", "aot_cache", "available", "cache_dir",
    "client_secret", "fetch", "free_port", "java_home", "realm_definition", "subject", "template",
    "unavailable_reason", "user_password", "version",
]  # fmt: skip

HOST: Final = "127.0.0.1"
REALM: Final = "dvc"
ADMIN_USER: Final = "admin"  # the master realm's bootstrap admin: development only, loopback only
ADMIN_PASSWORD: Final = "admin"
# Keycloak's own defaults (kc.sh) with a small heap, the serial collector and C1 only: RSS ~0.3-0.4 GB on a
# 2-core machine. C1 only: without the AOT cache a start costs ~9.5 CPU-s instead of ~16 (with it, the same
# either way); a sign-in (PBKDF2) costs ~15 % more CPU, which a dev server does not notice.
JAVA_OPTS: Final = (
    "-Xms64m", "-Xmx320m", "-XX:+UseSerialGC", "-XX:MetaspaceSize=96M", "-XX:MaxMetaspaceSize=256m",
    "-XX:TieredStopAtLevel=1", "-Xss512k", "-XX:+ExitOnOutOfMemoryError", "-Dfile.encoding=UTF-8",
    "-Dsun.stdout.encoding=UTF-8", "-Dsun.err.encoding=UTF-8", "-Dstdout.encoding=UTF-8",
    "-Dstderr.encoding=UTF-8", "-Djava.security.egd=file:/dev/urandom", "-Djava.net.preferIPv4Stack=true",
)  # fmt: skip
_H2: Final = Path("home") / "data" / "h2"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _stamp(realm_file: Path) -> str:
    """What a data directory was made from: the Keycloak version, the realm file, the admin account."""
    digest = hashlib.sha256(f"{version()}\n{ADMIN_USER}:{ADMIN_PASSWORD}\n".encode())
    digest.update(realm_file.read_bytes())
    return digest.hexdigest()[:16]


def template(realm_file: Path = REALM_FILE) -> Path:
    """The template data directory for this version + realm file, made once (first start, import, clean
    stop); a stale one is replaced. On Java 25+ the JVM's AOT cache is then trained once on a start from it
    (:func:`aot_cache`). Returns the template's h2 database directory."""
    cache, stamp = cache_dir(), _stamp(realm_file)
    root = cache / "templates" / stamp
    with locked(cache / "template.lock"):
        if not (root / ".complete").exists():
            for old in (cache / "templates").glob("*"):
                shutil.rmtree(old, ignore_errors=True)
            with Keycloak(root, realm_file=realm_file, use_template=False, aot=False):
                pass
            (root / ".complete").write_text(stamp)
        aot = aot_cache()
        if aot is not None and not aot.exists() and not aot.with_name(aot.name + ".tried").exists():
            _train_aot(root / _H2, aot, realm_file)
        return root / _H2


def aot_cache() -> Path | None:
    """The JVM's ahead-of-time cache of Keycloak's start (JEP 483/514/515: classes loaded and linked, method
    profiles), for this Keycloak and this JDK; None before Java 25. Starting with it costs ~25 % less CPU
    and ~1/3 less time (deploy/keycloak/README.md); a cache the JVM finds unusable is ignored with a warning.
    ``DVC_KEYCLOAK_AOT=0`` turns it off."""
    if os.environ.get("DVC_KEYCLOAK_AOT", "1") == "0":
        return None
    home = java_home()
    major = java_version(home / "bin" / "java") if home else None
    if home is None or major is None or major < 25:
        return None
    jvm = hashlib.sha256(f"{home}\n{' '.join(JAVA_OPTS)}".encode()).hexdigest()[:8]  # the JDK and its flags
    return cache_dir() / "aot" / f"keycloak-{version()}-java{major}-{jvm}.aot"


def _train_aot(h2: Path, aot: Path, realm_file: Path) -> None:
    """One start from the template with -XX:AOTCacheOutput (the JVM writes the cache when it exits), tried
    once: a JVM that cannot make it leaves a ``.tried`` mark and Keycloak starts without."""
    aot.parent.mkdir(parents=True, exist_ok=True)
    for old in aot.parent.glob("*.aot*"):
        old.unlink()
    scratch = aot.parent / "training"
    shutil.rmtree(scratch, ignore_errors=True)
    (scratch / _H2).parent.mkdir(parents=True)
    shutil.copytree(h2, scratch / _H2)
    partial = aot.with_name(aot.name + ".partial")
    kc = Keycloak(scratch, realm_file=realm_file, use_template=False, aot=False)
    kc.java_opts += (f"-XX:AOTCacheOutput={partial}",)
    kc.start()
    trained = False
    try:
        kc.wait_ready()
        trained = True
    except KeycloakUnavailable:
        pass  # an optimisation only: Keycloak starts without the cache (the log is in the .tried mark)
    finally:
        kc.stop(timeout=300)  # writing the cache takes a while
        aot.with_name(aot.name + ".tried").write_text(kc.log_tail(2000))
    if trained and partial.exists():
        partial.replace(aot)  # whole or not at all: other instances may be starting with it
    partial.unlink(missing_ok=True)  # a cache of a start that failed
    shutil.rmtree(scratch, ignore_errors=True)


# --- one server -------------------------------------------------------------------------------------------


class Keycloak:
    """One ``kc.sh start-dev`` on 127.0.0.1:``port`` (management/health on ``management_port``) whose data is
    under ``data_dir`` (its home/, keycloak.log). ``with Keycloak(...) as kc`` starts it and waits until the
    realm answers; :meth:`stop` ends it (SIGTERM to its process group, then SIGKILL). A data directory made
    from another realm file or version is wiped first; ``use_template`` starts a fresh one from
    :func:`template` instead of importing the realm from scratch."""

    def __init__(
        self,
        data_dir: Path | str,
        port: int | None = None,
        management_port: int | None = None,
        *,
        realm_file: Path = REALM_FILE,
        use_template: bool = True,
        aot: bool = True,
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port or free_port()
        self.management_port = management_port or free_port()
        self.ports_chosen = port is None and management_port is None  # ours to choose again on a clash
        self.realm_file = realm_file
        self.use_template = use_template
        self.aot = aot
        self.java_opts: tuple[str, ...] = JAVA_OPTS
        self.proc: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.ready_after: float | None = None  # seconds from start() to ready
        self.log_offset = 0  # where this start's lines begin in keycloak.log
        self.with_aot = False  # this start uses the AOT cache

    # URLs
    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/realms/{REALM}"

    @property
    def jwks_url(self) -> str:
        return f"{self.issuer}/protocol/openid-connect/certs"

    @property
    def token_url(self) -> str:
        return f"{self.issuer}/protocol/openid-connect/token"

    @property
    def auth_url(self) -> str:
        return f"{self.issuer}/protocol/openid-connect/auth"

    @property
    def admin_url(self) -> str:
        """The admin REST API of the realm (token from :meth:`admin_token`)."""
        return f"{self.base_url}/admin/realms/{REALM}"

    @property
    def health_url(self) -> str:
        return f"http://{HOST}:{self.management_port}/health/ready"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "keycloak.log"

    @property
    def home(self) -> Path:
        return self.data_dir / "home"

    def _prepare(self) -> None:
        """The instance home: bin/kc.sh copied (kc.sh finds its home from its own real path), lib, themes,
        providers and conf linked to the shared distribution, data/ its own."""
        dist = fetch()
        stamp_file, stamp = self.data_dir / ".stamp", _stamp(self.realm_file)
        if stamp_file.exists() and stamp_file.read_text() != stamp:
            shutil.rmtree(self.home, ignore_errors=True)  # another realm file or version: start afresh
        (self.home / "bin").mkdir(parents=True, exist_ok=True)
        shutil.copy2(dist / "bin" / "kc.sh", self.home / "bin" / "kc.sh")
        for part in ("lib", "themes", "providers", "conf"):
            link = self.home / part
            if link.is_symlink() and link.resolve() != (dist / part).resolve():
                link.unlink()
            if not link.is_symlink():
                link.symlink_to(dist / part, target_is_directory=True)
        imports = self.home / "data" / "import"
        imports.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.realm_file, imports / f"realm-{REALM}.json")
        h2 = self.data_dir / _H2
        if self.use_template:  # also for an existing data directory: the template's start augmented lib/
            made = template(self.realm_file)
            if not h2.exists():
                shutil.copytree(made, h2)
        stamp_file.write_text(stamp)

    def command(self) -> list[str]:
        return [
            str(self.home / "bin" / "kc.sh"), "start-dev", "--import-realm",
            f"--http-host={HOST}", f"--http-port={self.port}",
            "--health-enabled=true", f"--http-management-port={self.management_port}",
            "--db=dev-file", "--cache=local",
            # start-dev re-reads the login theme on each page; nobody edits themes here (~15 % less CPU/login)
            "--spi-theme--cache-themes=true", "--spi-theme--cache-templates=true",
        ]  # fmt: skip

    def environment(self) -> dict[str, str]:
        home = java_home()
        if home is None:
            raise KeycloakUnavailable(unavailable_reason() or "no Java 21+")
        opts = self.java_opts
        cached = aot_cache() if self.aot else None
        if cached is not None and cached.exists():
            opts += (f"-XX:AOTCache={cached}",)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KC_", "KEYCLOAK_", "JAVA_OPTS"))}
        return env | {
            "JAVA_HOME": str(home),
            "JAVA_OPTS": " ".join(opts),
            "KC_BOOTSTRAP_ADMIN_USERNAME": ADMIN_USER,
            "KC_BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
        }

    def start(self) -> None:
        """Start the process (returns at once; :meth:`wait_ready` waits)."""
        if self.alive():
            return
        self._prepare()
        env = self.environment()
        self.with_aot = "-XX:AOTCache=" in env["JAVA_OPTS"]
        self.log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        self.started_at, self.ready_after = time.monotonic(), None
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                self.command(),
                cwd=self.data_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() ends kc.sh and its java together
            )

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def ready(self) -> bool:
        """Health says ready and the realm serves its OpenID configuration."""
        try:
            if httpx.get(self.health_url, timeout=2).status_code != 200:
                return False
            return httpx.get(f"{self.issuer}/.well-known/openid-configuration", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    def wait_ready(self, timeout: float = 240.0) -> float:
        """Wait until :meth:`ready` (the process dying or the timeout raises, with the log's tail); returns
        the seconds since :meth:`start`."""
        deadline, retries = time.monotonic() + timeout, 3
        while time.monotonic() < deadline:
            if not self.alive():
                if retries == 0 or not self._start_again():
                    raise KeycloakUnavailable(f"Keycloak exited during start-up:\n{self.log_tail()}")
                retries -= 1
                continue
            if self.ready():
                self.ready_after = time.monotonic() - self.started_at
                return self.ready_after
            time.sleep(0.1)
        raise KeycloakUnavailable(f"Keycloak not ready within {timeout} s:\n{self.log_tail()}")

    def _start_again(self) -> bool:
        """After an exit during start-up, start once more when the cause is ours to mend: a port another
        process took between :func:`free_port` and the bind (new ports), or an AOT cache this JVM could not
        use (without it). False for any other exit."""
        this_start = self.log_tail(chars=None, since_start=True)
        if "Address already in use" in this_start and self.ports_chosen:
            self.port, self.management_port = free_port(), free_port()
        elif self.with_aot:
            self.aot = False
        else:
            return False
        self.stop()
        self.start()
        return True

    def log_tail(self, chars: int | None = 4000, *, since_start: bool = False) -> str:
        """The end of keycloak.log without the JVM's AOT warnings (hundreds of lines that would hide the
        cause of an exit); ``since_start``: only the lines of the latest start."""
        try:
            with self.log_path.open("rb") as f:
                f.seek(self.log_offset if since_start else 0)
                text = f.read().decode(errors="replace")
        except OSError:
            return "(no log)"
        kept = "".join(line for line in text.splitlines(keepends=True) if "][aot]" not in line)
        return kept if chars is None else kept[-chars:]

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM to the process group (kc.sh and its java: a clean shutdown), SIGKILL after ``timeout``."""
        if self.proc is None:
            return
        group, deadline = self.proc.pid, time.monotonic() + timeout
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGTERM)
        while _group_alive(group, self.proc) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _group_alive(group, self.proc):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)
        self.proc.wait(10)
        self.proc = None

    def rss_bytes(self) -> int:
        """Resident memory of the Keycloak process group (kc.sh and its java)."""
        if self.proc is None:
            return 0
        total = 0
        for status in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = status.read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) == self.proc.pid:  # pgrp
                    total += int(fields[21]) * os.sysconf("SC_PAGE_SIZE")  # rss in pages
            except (OSError, IndexError, ValueError):
                continue
        return total

    def admin_token(self) -> str:
        """An access token of the master realm's admin (for the admin REST API at :attr:`admin_url`)."""
        r = httpx.post(
            f"{self.base_url}/realms/master/protocol/openid-connect/token",
            data={
                "grant_type": "password",
                "client_id": "admin-cli",
                "username": ADMIN_USER,
                "password": ADMIN_PASSWORD,
            },
            timeout=30,
        )
        return str(r.raise_for_status().json()["access_token"])

    def __enter__(self) -> Keycloak:
        self.start()
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _group_alive(group: int, leader: subprocess.Popen[bytes]) -> bool:
    """Whether any process of the group lives (the leader, our child, is reaped so it does not linger)."""
    leader.poll()
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


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
