"""Apache Kafka's jars and the Java that runs them (:mod:`dvckit.dev.apache_kafka`): ``deploy/kafka/pom.xml``
pins the version; :func:`fetch` copies its runtime jars into a cache (``DVC_KAFKA_CACHE``, default
``<repo>/.run/kafka``) with ``mvn dependency:copy-dependencies``. Needs Java 17 or newer and Maven on PATH
(:func:`available`)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Final

_REPO: Final = Path(__file__).resolve().parents[5]
POM: Final = _REPO / "deploy" / "kafka" / "pom.xml"


class KafkaUnavailable(RuntimeError):
    """Java 17+ or Maven is missing, or the jars could not be fetched."""


def _java() -> str:
    home = os.environ.get("DVC_KAFKA_JAVA_HOME") or os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java") or "java"


def java_version(java: str | None = None) -> int | None:
    """The major version of ``java`` (17, 21, 25 …), or None when there is no usable java."""
    try:
        out = subprocess.run([java or _java(), "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(r'version "(\d+)', out.stderr + out.stdout)
    return int(m.group(1)) if m else None


def available() -> bool:
    """True when this machine can run the broker: Java 17+ and either cached jars or Maven to fetch them."""
    version = java_version()
    return (
        version is not None and version >= 17 and (_complete(cache_dir()) or shutil.which("mvn") is not None)
    )


def cache_dir() -> Path:
    return Path(os.environ.get("DVC_KAFKA_CACHE") or _REPO / ".run" / "kafka")


def version() -> str:
    m = re.search(r"<kafka.version>([^<]+)</kafka.version>", POM.read_text())
    return m.group(1) if m else "?"


def _complete(cache: Path) -> bool:
    stamp = cache / "jars" / ".complete"
    return stamp.exists() and POM.exists() and stamp.read_text() == POM.read_text()


def fetch(cache: Path | None = None) -> Path:
    """The directory of every runtime jar of the pinned broker, copied from Maven Central on first use."""
    cache = (cache or cache_dir()).resolve()
    jars = cache / "jars"
    if _complete(cache):
        return jars
    if shutil.which("mvn") is None:
        raise KafkaUnavailable("Maven (mvn) is not on PATH: cannot fetch Apache Kafka from Maven Central")
    jars.mkdir(parents=True, exist_ok=True)
    for old in jars.glob("*.jar"):
        old.unlink()
    cmd = [
        "mvn", "-q", "-B", "-Dstyle.color=never", "-f", str(POM), f"-Dmaven.repo.local={cache / 'm2'}",
        "dependency:copy-dependencies", "-DincludeScope=runtime", f"-DoutputDirectory={jars}",
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise KafkaUnavailable(
            f"mvn could not fetch Apache Kafka {version()}:\n{done.stdout[-2000:]}{done.stderr}"
        )
    (jars / ".complete").write_text(POM.read_text())
    return jars
