"""One development Keycloak server (:mod:`dvckit.dev.keycloak`): :class:`Keycloak`, a ``kc.sh start-dev``
process with a data directory of its own, and the template data directory fresh ones start from
(:func:`template`, with the JVM's AOT cache trained on it)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from types import TracebackType

import httpx

from dvckit.dev.keycloak_conf import (
    _H2,
    ADMIN_PASSWORD,
    ADMIN_USER,
    HOST,
    JAVA_OPTS,
    REALM,
    KeycloakURLs,
    _group_alive,
    _stamp,
    aot_cache,
    free_port,
)
from dvckit.dev.keycloak_dist import (
    KeycloakUnavailable,
    cache_dir,
    fetch,
    java_home,
    locked,
    unavailable_reason,
)
from dvckit.dev.keycloak_realm import REALM_FILE


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


class Keycloak(KeycloakURLs):
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
