"""PostgreSQL for tests (:mod:`dvckit.dev.testing`): the session's shared server, fresh databases on it, and a
server of one test's own (:class:`PrivatePostgres`).

The shared server: ``DVC_TEST_PG_URL`` if set; else the machine's server on 127.0.0.1:5432 if it answers;
else testcontainers' PostgreSQL when a Docker engine answers. One database per service and test session.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dvckit import migrate
from dvckit.db import MessagingTables, make_engine, make_sessionmaker, messaging_tables, new_metadata
from dvckit.dev.testing_services import free_port

LOCAL_PG = "postgresql://postgres@127.0.0.1:5432/postgres"


def _port_open(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


@dataclass
class PostgresServer:
    admin_url: str  # postgresql://user@host:port/postgres (asyncpg form, no driver suffix)
    description: str
    _container: Any = None
    created: list[str] = field(default_factory=list)

    def sqlalchemy_url(self, database: str) -> str:
        base = self.admin_url.rsplit("/", 1)[0]
        return base.replace("postgresql://", "postgresql+asyncpg://", 1) + f"/{database}"

    async def create_database(self, prefix: str) -> str:
        name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        conn = await asyncpg.connect(self.admin_url)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        self.created.append(name)
        return name

    async def drop_created(self) -> None:
        conn = await asyncpg.connect(self.admin_url)
        try:
            for name in self.created:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
        self.created.clear()

    async def version(self) -> str:
        conn = await asyncpg.connect(self.admin_url)
        try:
            return str(await conn.fetchval("SHOW server_version"))
        finally:
            await conn.close()

    def stop(self) -> None:
        if self._container is not None:
            self._container.stop()


def provision_postgres() -> PostgresServer:
    url = os.environ.get("DVC_TEST_PG_URL")
    if url:
        return PostgresServer(url, f"DVC_TEST_PG_URL ({url.split('@')[-1]})")
    if _port_open("127.0.0.1", 5432):
        return PostgresServer(LOCAL_PG, "local PostgreSQL on 127.0.0.1:5432")
    from dvckit.dev.broker_kinds import _docker_answers

    if _docker_answers():
        from testcontainers.postgres import PostgresContainer

        container = PostgresContainer("postgres:16-alpine", driver=None).start()
        admin = container.get_connection_url()
        return PostgresServer(admin, f"testcontainers {admin.split('@')[-1]}", container)
    raise RuntimeError(
        "No PostgreSQL: set DVC_TEST_PG_URL, start the local cluster "
        "(pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) or run a Docker engine."
    )


async def migrated_database(pg: PostgresServer, package: str) -> str:
    """A fresh database for ``package`` (e.g. 'dvc_dossier') at alembic head; returns its SQLAlchemy URL."""
    name = await pg.create_database(package.replace("dvc_", "dvct_"))
    url = pg.sqlalchemy_url(name)
    await asyncio.to_thread(migrate.upgrade, package, url)
    return url


# --- a PostgreSQL server of a test's own (restarted under a running service) ---------------------


def _pg_bin_dir() -> Path | None:
    """Debian's PostgreSQL binaries (the newest of /usr/lib/postgresql/<version>/bin), or None."""
    root = Path("/usr/lib/postgresql")
    found = [d / "bin" for d in root.iterdir() if (d / "bin" / "pg_ctl").exists()] if root.is_dir() else []
    return max(found, key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0) if found else None


class PrivatePostgres:
    """A PostgreSQL server of one test's own: ``initdb`` into a temporary directory, a free port on 127.0.0.1,
    trust authentication for ``postgres``. A test may stop (``fast``, or ``immediate``: a crash), start and
    restart it under a running service without disturbing the session's shared server. As root the server runs as the ``postgres`` user (it
    refuses to run as root). ``available()`` says whether this machine has the binaries. A subclass may change
    ``synchronous_commit`` (off: the last ~200 ms of acknowledged commits are lost in a crash) and
    ``max_connections``."""

    synchronous_commit = "off"
    max_connections = 100

    def __init__(self, bin_dir: Path | None = None) -> None:
        self.bin_dir = bin_dir or _pg_bin_dir()
        self.port = 0
        self.data_dir: Path | None = None
        self._base: Path | None = None

    @staticmethod
    def available() -> bool:
        return _pg_bin_dir() is not None

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def server(self) -> PostgresServer:
        return PostgresServer(self.admin_url, f"private PostgreSQL on 127.0.0.1:{self.port}")

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        assert self.bin_dir is not None
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if check and done.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed ({done.returncode}): {done.stdout}{done.stderr}")
        return done

    def start(self) -> PrivatePostgres:
        if self.bin_dir is None:
            raise RuntimeError("no PostgreSQL binaries under /usr/lib/postgresql/<version>/bin")
        if self.data_dir is None:
            self._base = Path(tempfile.mkdtemp(prefix="dvc-private-pg-"))
            self.data_dir = self._base / "data"
            if os.geteuid() == 0:
                shutil.chown(self._base, "postgres", "postgres")
            self._run("initdb", "-D", str(self.data_dir), "-U", "postgres", "--auth=trust", "-E", "UTF8")
            self.port = free_port()
        self._pg_ctl("start")
        return self

    def _pg_ctl(self, action: str, mode: str = "fast") -> None:
        assert self.data_dir is not None and self._base is not None
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self._base} -c fsync=off "
            f"-c synchronous_commit={self.synchronous_commit} -c full_page_writes=off "
            f"-c max_connections={self.max_connections}"
        )
        args = ["pg_ctl", action, "-D", str(self.data_dir), "-w", "-t", "60"]
        if action in ("start", "restart"):
            args += ["-o", options, "-l", str(self._base / "server.log")]
        if action in ("stop", "restart"):
            args += ["-m", mode]
        self._run(*args)

    def stop(self, mode: str = "fast") -> None:
        """``fast``: every session is told and disconnected; ``immediate``: no shutdown checkpoint (a crash)."""
        self._pg_ctl("stop", mode)

    def restart(self, mode: str = "fast") -> None:
        self._pg_ctl("restart", mode)

    def close(self) -> None:
        """Stop the server (if it runs) and remove its files."""
        if self.data_dir is None or self._base is None:
            return
        self._run("pg_ctl", "stop", "-D", str(self.data_dir), "-m", "immediate", "-w", check=False)
        shutil.rmtree(self._base, ignore_errors=True)
        self.data_dir = self._base = None

    def log_tail(self, lines: int = 30) -> str:
        path = (self._base / "server.log") if self._base else None
        return (
            "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
            if path and path.exists()
            else ""
        )


MessagingStore = tuple[async_sessionmaker[AsyncSession], MessagingTables]


@contextlib.asynccontextmanager
async def messaging_store(pg: PostgresServer, prefix: str) -> AsyncIterator[MessagingStore]:
    """A fresh database holding only the outbox and inbox tables (for tests of the kit itself)."""
    metadata = new_metadata()
    tables = messaging_tables(metadata)
    engine = make_engine(pg.sqlalchemy_url(await pg.create_database(prefix)))
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        yield make_sessionmaker(engine), tables
    finally:
        await engine.dispose()
