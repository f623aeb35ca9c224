"""Keycloak's distribution for development and tests: a JDK of Java 21+ to run it, and the distribution
zip (``org.keycloak:keycloak-quarkus-dist``, version pinned in ``deploy/keycloak/pom.xml``) unpacked from
Maven Central with ``mvn dependency:unpack`` into a cache (``DVC_KEYCLOAK_CACHE``, default
``<repo>/.run/keycloak``). :mod:`dvckit.dev.keycloak` runs servers from it."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Final

MIN_JAVA: Final = 21
_REPO: Final = Path(__file__).resolve().parents[5]
DEPLOY: Final = _REPO / "deploy" / "keycloak"
POM: Final = DEPLOY / "pom.xml"


class KeycloakUnavailable(RuntimeError):
    """Java 21+ or Maven is missing, the distribution could not be fetched, or Keycloak did not start."""


def java_version(java: Path | str) -> int | None:
    """The major version of ``java`` (17, 21, 25 …), or None when it does not run."""
    try:
        out = subprocess.run([str(java), "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(r'version "(\d+)', out.stderr + out.stdout)
    return int(m.group(1)) if m else None


@cache
def java_home() -> Path | None:
    """A JDK of Java 21+: DVC_KEYCLOAK_JAVA_HOME, JAVA_HOME, then the newest under /usr/lib/jvm."""
    named = [os.environ.get("DVC_KEYCLOAK_JAVA_HOME"), os.environ.get("JAVA_HOME")]
    candidates = [Path(h) for h in named if h]
    jvm = Path("/usr/lib/jvm")
    if jvm.is_dir():
        scanned = [(java_version(d / "bin" / "java") or 0, d) for d in sorted(jvm.iterdir()) if d.is_dir()]
        candidates += [d for v, d in sorted(scanned, key=lambda t: -t[0]) if v]
    for home in candidates:
        java = home / "bin" / "java"
        if java.exists() and (java_version(java) or 0) >= MIN_JAVA:
            return home.resolve()
    return None


def unavailable_reason() -> str | None:
    """Why this machine cannot run Keycloak (None when it can)."""
    if java_home() is None:
        return (
            f"no Java {MIN_JAVA}+ found (DVC_KEYCLOAK_JAVA_HOME, JAVA_HOME, /usr/lib/jvm): Keycloak needs it"
        )
    if not _complete(cache_dir()) and shutil.which("mvn") is None:
        return (
            "Maven (mvn) is not on PATH and Keycloak is not in the cache: cannot fetch it from Maven Central"
        )
    return None


def available() -> bool:
    """True when this machine can run Keycloak: Java 21+ and either the cached distribution or Maven."""
    return unavailable_reason() is None


def cache_dir() -> Path:
    return Path(os.environ.get("DVC_KEYCLOAK_CACHE") or _REPO / ".run" / "keycloak").resolve()


def version() -> str:
    m = re.search(r"<keycloak.version>([^<]+)</keycloak.version>", POM.read_text())
    return m.group(1) if m else "?"


def _complete(cache: Path) -> bool:
    stamp = cache / "dist" / ".complete"
    return stamp.exists() and stamp.read_text() == POM.read_text()


def fetch(cache: Path | None = None) -> Path:
    """Keycloak's home directory (bin/kc.sh, lib/, themes/), unpacked from Maven Central on first use."""
    cache = (cache or cache_dir()).resolve()
    dist = cache / "dist"
    home = dist / f"keycloak-{version()}"
    with locked(cache / "fetch.lock"):
        if _complete(cache):
            return home
        if shutil.which("mvn") is None:
            raise KeycloakUnavailable("Maven (mvn) is not on PATH: cannot fetch Keycloak from Maven Central")
        shutil.rmtree(dist, ignore_errors=True)
        cmd = [
            "mvn", "-q", "-B", "-Dstyle.color=never", "-f", str(POM), f"-Dmaven.repo.local={cache / 'm2'}",
            f"-Ddist.dir={dist}", "dependency:unpack",
        ]  # fmt: skip
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0 or not (home / "bin" / "kc.sh").exists():
            raise KeycloakUnavailable(
                f"mvn could not fetch Keycloak {version()}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
            )
        # a fresh distribution is built for production: the first start-dev re-augments it, which the next
        # template does under its lock (two servers augmenting the shared lib/ at once would clash)
        shutil.rmtree(cache / "templates", ignore_errors=True)
        (dist / ".complete").write_text(POM.read_text())
        return home


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock between processes (two test sessions fetching or priming at once)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
