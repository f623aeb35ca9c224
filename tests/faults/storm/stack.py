"""The stack under the storm: the three-node cluster (:mod:`.cluster`), a PostgreSQL server of the run's own
(restarted under the services), and every service as processes — two instances each of dossier and notify."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from dvc_contracts.topics import ALL_TOPICS, partitions_for
from dvckit.auth.jwt import DevKeys, load_or_create_dev_keys
from dvckit.devbroker import ensure_topics
from dvckit.testing import PrivatePostgres, ServiceProcess, free_port, migrated_database

from . import netns
from .cluster import StormCluster
from .config import Sizes

# service -> instances; each instance is its own process, instances of a service share its database and group
INSTANCES = {"catalog": 1, "dossier": 2, "payment": 1, "notify": 2, "feedback": 1, "reporting": 1}


class StormPostgres(PrivatePostgres):
    """PrivatePostgres with room for eight services' pools (its own allows 100 connections) and
    ``synchronous_commit=on``: a commit returns once its WAL is written, so a crash restart (``-m immediate``)
    loses nothing that was acknowledged. PrivatePostgres's ``synchronous_commit=off`` loses the last ~200 ms
    of acknowledged commits in a crash — the storm found it: a 202'd HTTP ingest batch gone (not a service
    bug). ``fsync=off`` stays: the storm kills processes, never the machine, and the OS keeps what was written.
    """

    synchronous_commit = "on"
    max_connections = 400


class Instance(ServiceProcess):
    """A service process that can be (re)launched without waiting for the broker (it may be down)."""

    closing = False

    def launch(self) -> None:
        cmd = [
            sys.executable, "-m", "uvicorn", "--factory", f"dvc_{self.name}.entrypoints.app:create_app",
            "--host", "127.0.0.1", "--port", str(self.port), "--no-access-log",
        ]  # fmt: skip
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(cmd, env=os.environ | self.env, stdout=log, stderr=subprocess.STDOUT)

    def relaunch(self, timeout: float = 90.0, tries: int = 3) -> int:
        """Launched again until it is ready; returns how many launches failed (e.g. a half-edited checkout)."""
        for failed in range(tries):
            if self.closing:  # the stack is being torn down: never start anything again
                return failed
            self.launch()
            try:
                self.wait_ready(timeout, broker=False)
                return failed
            except (RuntimeError, TimeoutError):
                self.kill()
                time.sleep(5.0)
        raise RuntimeError(f"{self.name} would not start again: {self.log_path}")

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None


def fast_signing(keys: DevKeys) -> DevKeys:
    """The same keys with the private key parsed once: PyJWT parses a PEM on every token (tens of ms of the
    harness's event loop each — thousands of citizens and agency batches stalled it for seconds)."""
    key = serialization.load_pem_private_key(keys.private_pem, password=None)
    return dataclasses.replace(keys, private_pem=key)  # type: ignore[arg-type]


def _extra_env(name: str, sizes: Sizes) -> dict[str, str]:
    if name == "dossier":
        return {"DOSSIER_SAGA_PAYMENT_EXPIRY_SECONDS": str(int(sizes.pay_window_s))}
    if name == "payment":
        return {
            "PAYMENT_SANDBOX_CALLBACK_DELAY_SECONDS": "0",
            "PAYMENT_SANDBOX_SLOW_SECONDS": str(sizes.slow_bank_s),
            "PAYMENT_UNDATED_GRACE_SECONDS": str(sizes.undated_grace_s),
            "PAYMENT_EXPIRY_INTERVAL_SECONDS": "0.5",
            "PAYMENT_RECONCILE_INTERVAL_SECONDS": "1",
            "PAYMENT_RECONCILE_MAX_INTERVAL_SECONDS": "4",
            "PAYMENT_REFUND_INTERVAL_SECONDS": "0.5",
            "PAYMENT_FINES_LOOKUP_BURST": "1000000",
            "PAYMENT_FINES_LOOKUP_PER_MINUTE": "1000000",
        }
    return {}


@dataclass
class Stack:
    sizes: Sizes
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="dvc-faults-")))
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:6].upper())
    cage: netns.Cage | None = None
    cluster: StormCluster | None = None
    pg: StormPostgres | None = None
    instances: dict[str, Instance] = field(default_factory=dict)
    dbs: dict[str, str] = field(default_factory=dict)
    keys: DevKeys | None = None
    setup_s: dict[str, float] = field(default_factory=dict)

    @property
    def bootstrap(self) -> str:
        assert self.cluster is not None
        return self.cluster.bootstrap

    def of(self, service: str) -> list[Instance]:
        return [i for key, i in self.instances.items() if key.split("-")[0] == service]

    def url(self, service: str, k: int = 0) -> str:
        found = self.of(service)
        return found[k % len(found)].url

    def group(self, service: str) -> str:
        return f"dvc-{service}-fs-{self.run.lower()}"

    async def start(self) -> None:
        t0 = time.monotonic()
        if self.sizes.netns and netns.available():
            self.cage = await asyncio.to_thread(netns.Cage().open)
        self.cluster = StormCluster(self.workdir / "kafka", self.cage)
        kafka = asyncio.create_task(self._kafka(t0))  # while PostgreSQL starts and the databases migrate
        self.pg = StormPostgres()
        await asyncio.to_thread(self.pg.start)
        server = self.pg.server()
        for name in INSTANCES:  # one at a time: alembic's environment is not thread-safe
            self.dbs[name] = await migrated_database(server, f"dvc_{name}")
        self.setup_s["postgres"] = round(time.monotonic() - t0, 1)
        await kafka
        self.keys = fast_signing(load_or_create_dev_keys(self.workdir / "jwt"))
        self._make_instances()
        for inst in self.instances.values():
            inst.launch()
        for inst in self.instances.values():
            await asyncio.to_thread(inst.wait_ready, 180.0)
        self.setup_s["services"] = round(time.monotonic() - t0, 1)

    async def _kafka(self, t0: float) -> None:
        assert self.cluster is not None
        await asyncio.to_thread(self.cluster.start)
        topics = [(t, partitions_for(t)) for t in ALL_TOPICS]
        await ensure_topics(self.cluster.bootstrap, topics, replication=3, timeout=60)
        self.setup_s["kafka"] = round(time.monotonic() - t0, 1)

    def _make_instances(self) -> None:
        for name, count in INSTANCES.items():
            prefix = name.upper()
            env = {
                "KAFKA_BOOTSTRAP": self.bootstrap,
                "KAFKA_SESSION_TIMEOUT_MS": "6000",
                "AUTH_JWKS_FILE": str(self.workdir / "jwt" / "jwks.json"),
                "AUTH_JWKS_URL": "",
                "LOG_LEVEL": "WARNING",
                f"{prefix}_LOG_LEVEL": "WARNING",
                f"{prefix}_DATABASE_URL": self.dbs[name],
                f"{prefix}_CONSUMER_GROUP": self.group(name),
                f"{prefix}_RELAY_IDLE_SECONDS": "0.05",
                f"{prefix}_BROKER_CHECK_SECONDS": "1",
                # a pool with no overflow (the storm's PostgreSQL allows 400 connections): a burst above the
                # pool waits for a connection instead of opening and closing one per request
                f"{prefix}_DATABASE_POOL_SIZE": "20",
                f"{prefix}_DATABASE_MAX_OVERFLOW": "0",
                **_extra_env(name, self.sizes),
            }
            for k in range(1, count + 1):
                log = self.workdir / f"{name}-{k}.log"
                self.instances[f"{name}-{k}"] = Instance(name, free_port(), env, log)
        # the dashboard's pipeline panel: every instance's outbox and the storm's own consumer groups
        pipeline = {
            "REPORTING_SERVICE_URLS": json.dumps({k: i.url for k, i in self.instances.items()}),
            "REPORTING_LAG_GROUPS": json.dumps([self.group(n) for n in INSTANCES if n != "reporting"]),
            "REPORTING_PIPELINE_INTERVAL_SECONDS": "2",
        }
        for inst in self.of("reporting"):
            inst.env = inst.env | pipeline

    def stop(self) -> None:
        for inst in self.instances.values():  # all told at once, then each waited for
            inst.closing = True
            if inst.proc is not None and inst.proc.poll() is None:
                inst.proc.terminate()
        for inst in self.instances.values():
            inst.stop()
        if self.cluster is not None:
            self.cluster.stop()
            for node in self.cluster.nodes:  # the data (large after a full run); the logs stay
                shutil.rmtree(node.data_dir / "log", ignore_errors=True)
        if self.pg is not None:
            self.pg.close()
        if self.cage is not None:
            self.cage.close()
