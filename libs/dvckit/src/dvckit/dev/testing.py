"""Test support shared by every service's tests: PostgreSQL databases and service processes.

PostgreSQL: ``DVC_TEST_PG_URL`` if set; else the machine's server on 127.0.0.1:5432 if it answers;
else testcontainers' PostgreSQL when a Docker engine answers. One database per service and test session.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dvckit import migrate
from dvckit.db import MessagingTables, make_engine, make_sessionmaker, messaging_tables, new_metadata

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


# --- service processes (integration / e2e) ------------------------------------------------------


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def running_app(
    app: FastAPI, *, wait_broker: bool = True, timeout: float = 60.0
) -> AsyncIterator[httpx.AsyncClient]:
    """Run a service app in-process (lifespan: broker, relay, background tasks) with an HTTP client. Start-up
    does not wait for the broker (dvckit.health); with ``wait_broker`` this does, so the consumers run."""
    async with app.router.lifespan_context(app):
        health = getattr(app.state, "broker_health", None)
        if wait_broker and health is not None:

            async def connected() -> bool:
                return bool(health.connected)

            await eventually(connected, timeout=timeout, every=0.05)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            yield client


# --- waiting and reading topics ----------------------------------------------------------------


def _session_ms() -> int:
    """Consumer session timeout for test readers: KAFKA_SESSION_TIMEOUT_MS (tests set 1000 on Tansu)."""
    return int(os.environ.get("KAFKA_SESSION_TIMEOUT_MS", "6000"))


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 30.0, every: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(every)
    raise AssertionError(f"condition not met within {timeout} s")


async def read_topic(
    bootstrap: str, topic: str, want: Callable[[list[Any]], bool], timeout: float = 30.0
) -> list[Any]:
    """Read a topic from the beginning (fresh group) until ``want(records)`` or the timeout."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"reader-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=_session_ms(),
        heartbeat_interval_ms=_session_ms() // 4,
    )
    await consumer.start()
    records: list[Any] = []
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not want(records):
            batch = await consumer.getmany(timeout_ms=500)
            for part in batch.values():
                records.extend(part)
    finally:
        await consumer.stop()
    return records


# --- the hours that matter for "what day is it in Viet Nam" ------------------------------------------------


@dataclass(frozen=True)
class Pin:
    """An instant to pin the clock at, and the date a person in Hà Nội reads at that instant."""

    name: str
    at: datetime
    vn_day: date

    def __str__(self) -> str:
        return self.name


# 16:59/17:01 UTC straddle midnight in Viet Nam; 23:59/00:01 UTC straddle the UTC date change (06:59/07:01
# in Hà Nội, same Vietnamese day); Tết eve (Mùng 1 Tết 2027 is 6 February; the days off start on the 4th);
# the 31 December / 1 January boundary. scripts/test-clock.sh pins the processes at the same instants.
VN_CLOCK_PINS: tuple[Pin, ...] = (
    Pin("16:59Z", datetime(2026, 12, 4, 16, 59, tzinfo=UTC), date(2026, 12, 4)),
    Pin("17:01Z", datetime(2026, 12, 4, 17, 1, tzinfo=UTC), date(2026, 12, 5)),
    Pin("23:59Z", datetime(2026, 12, 4, 23, 59, tzinfo=UTC), date(2026, 12, 5)),
    Pin("00:01Z", datetime(2026, 12, 5, 0, 1, tzinfo=UTC), date(2026, 12, 5)),
    Pin("tet-eve", datetime(2027, 2, 3, 16, 59, tzinfo=UTC), date(2027, 2, 3)),
    Pin("tet-first-day-off", datetime(2027, 2, 3, 17, 1, tzinfo=UTC), date(2027, 2, 4)),
    Pin("31-dec", datetime(2026, 12, 31, 16, 59, tzinfo=UTC), date(2026, 12, 31)),
    Pin("1-jan", datetime(2026, 12, 31, 17, 1, tzinfo=UTC), date(2027, 1, 1)),
)
