"""What a development Keycloak instance is set up with (:mod:`dvckit.dev.keycloak`): its host and realm, the
bootstrap admin, the JVM's options and AOT cache, free ports, the stamp of a data directory, and its URLs
(:class:`KeycloakURLs`, a base of :class:`~dvckit.dev.keycloak.Keycloak`)."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
from pathlib import Path
from typing import Final

import httpx

from dvckit.dev.keycloak_dist import cache_dir, java_home, java_version, version

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


def _group_alive(group: int, leader: subprocess.Popen[bytes]) -> bool:
    """Whether any process of the group lives (the leader, our child, is reaped so it does not linger)."""
    leader.poll()
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


class KeycloakURLs:
    """The URLs and paths of an instance, and a token for its admin API (``port``, ``management_port`` and
    ``data_dir`` are set by ``Keycloak.__init__``)."""

    port: int
    management_port: int
    data_dir: Path

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
