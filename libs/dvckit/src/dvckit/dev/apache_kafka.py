"""Apache Kafka 4.x (KRaft, no ZooKeeper) for development and tests, assembled from Maven Central.

``deploy/kafka/pom.xml`` pins the version; :func:`fetch` copies its runtime jars into a cache
(``DVC_KAFKA_CACHE``, default ``<repo>/.run/kafka``) with ``mvn dependency:copy-dependencies`` — nothing is
fetched from anywhere else. A :class:`Node` is one combined broker+controller process (``kafka.Kafka``),
formatted once by ``kafka.tools.StorageTool``; its data directory survives SIGKILL and restart.
:func:`cluster_nodes` makes the three-node loopback cluster (RF 3, min ISR 2) of the cluster tests.

Needs Java 17 or newer and Maven on PATH (:func:`available` says whether they are there); where they are
missing the dev broker falls back to Tansu. These are development and test brokers, never production.
The jars and the JVM (``fetch``, ``available``, ``java_version`` …) are :mod:`dvckit.dev.apache_kafka_dist`,
re-exported here.
"""

from __future__ import annotations

import base64
import subprocess
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from dvckit.dev.apache_kafka_dist import _REPO, KafkaUnavailable, _java, fetch
from dvckit.dev.apache_kafka_dist import POM as POM
from dvckit.dev.apache_kafka_dist import _complete as _complete
from dvckit.dev.apache_kafka_dist import available as available
from dvckit.dev.apache_kafka_dist import cache_dir as cache_dir
from dvckit.dev.apache_kafka_dist import java_version as java_version
from dvckit.dev.apache_kafka_dist import version as version

HOST: Final = "127.0.0.1"
KAFKA_MAIN: Final = "kafka.Kafka"
STORAGE_MAIN: Final = "kafka.tools.StorageTool"

# Small heap, serial GC, C1 only: a fast start and a low RSS on a 2-core machine (measured in the README).
JVM_OPTS: Final = (
    "-Xms256m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
    "-XX:MaxMetaspaceSize=128m", "-XX:ReservedCodeCacheSize=64m", "-Xshare:auto",
    "-Djava.awt.headless=true", "-Djava.net.preferIPv4Stack=true",
)  # fmt: skip
TOOL_JVM_OPTS: Final = ("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto")

LOG4J2: Final = """\
status = warn
appender.out.type = Console
appender.out.name = STDOUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = STDOUT
logger.state.name = state.change.logger
logger.state.level = WARN
logger.netclient.name = org.apache.kafka.clients.NetworkClient
logger.netclient.level = ERROR
"""

# Settings for tests, shared by the single node and the cluster. Topics are created explicitly (a typo fails).
TEST_SETTINGS: Final[Mapping[str, str]] = {
    "num.partitions": "1",
    "auto.create.topics.enable": "false",
    "group.initial.rebalance.delay.ms": "0",
    # the tests' consumers use 1-3 s sessions (a dead member leaves fast); the broker's floor is 6 s by default
    "group.min.session.timeout.ms": "500",
    "log.segment.bytes": str(8 * 1024 * 1024),
    "num.network.threads": "2",
    "num.io.threads": "2",
    "num.recovery.threads.per.data.dir": "1",
    "background.threads": "2",
    "log.cleaner.threads": "1",
    "log.cleaner.dedupe.buffer.size": str(2 * 1024 * 1024),
    "offsets.topic.num.partitions": "5",
    "transaction.state.log.num.partitions": "5",
    # a killed broker is fenced in 3 s, not 9 s: faster leader failover in the cluster tests
    "broker.session.timeout.ms": "3000",
    "broker.heartbeat.interval.ms": "500",
}


def new_cluster_id() -> str:
    """A Kafka Uuid: url-safe base64 of 16 random bytes, no padding, not starting with '-'."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):
            return text


@dataclass
class Node:
    """One combined broker+controller process. ``data_dir`` holds config, storage and ``stdout.log``."""

    node_id: int
    data_dir: Path
    port: int
    controller_port: int
    cluster_id: str
    settings: dict[str, str]
    format_args: list[str] = field(default_factory=list)
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0

    @property
    def log_path(self) -> Path:
        return self.data_dir / "stdout.log"

    @property
    def config(self) -> Path:
        return self.data_dir / "server.properties"

    def _write_config(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "log4j2.properties").write_text(LOG4J2)
        self.config.write_text("".join(f"{k}={v}\n" for k, v in self.settings.items()))

    def _java_cmd(self, opts: tuple[str, ...], main: str, *args: str) -> list[str]:
        jars = fetch()
        log4j = f"-Dlog4j2.configurationFile={self.data_dir / 'log4j2.properties'}"
        return [_java(), *opts, log4j, f"-Dkafka.logs.dir={self.data_dir}", "-cp", f"{jars}/*", main, *args]

    def format(self) -> None:
        """``kafka-storage format`` once (skipped when the storage is already formatted)."""
        self._write_config()
        if (self.data_dir / "log" / "meta.properties").exists():
            return
        cmd = self._java_cmd(
            TOOL_JVM_OPTS, STORAGE_MAIN, "format", "-t", self.cluster_id, "-c", str(self.config)
        )
        done = subprocess.run([*cmd, *self.format_args], capture_output=True, text=True)
        if done.returncode != 0:
            raise KafkaUnavailable(f"kafka-storage format failed: {done.stdout}{done.stderr}")

    def command(self) -> list[str]:
        return self._java_cmd(JVM_OPTS, KAFKA_MAIN, str(self.config))

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


def node_settings(node_id: int, port: int, controller_port: int, data_dir: Path) -> dict[str, str]:
    listeners = f"PLAINTEXT://{HOST}:{port},CONTROLLER://{HOST}:{controller_port}"
    return {
        "process.roles": "broker,controller",
        "node.id": str(node_id),
        "listeners": listeners,
        "advertised.listeners": listeners,
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "log.dirs": str(data_dir / "log"),
        **TEST_SETTINGS,
    }


def single_node(data_dir: Path, port: int, controller_port: int) -> Node:
    """One node (replication factor 1), quorum of itself (KIP-853, formatted ``--standalone``)."""
    data_dir = data_dir.resolve()
    settings = node_settings(1, port, controller_port, data_dir) | {
        "controller.quorum.bootstrap.servers": f"{HOST}:{controller_port}",
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "default.replication.factor": "1",
        "min.insync.replicas": "1",
    }
    return Node(1, data_dir, port, controller_port, _cluster_id(data_dir), settings, ["--standalone"])


def cluster_nodes(base_dir: Path, ports: list[int], controller_ports: list[int]) -> list[Node]:
    """Nodes of one cluster on loopback, every node a voter; RF 3 and min ISR 2 as in deploy/ (for n >= 3)."""
    base_dir, n = base_dir.resolve(), len(ports)
    cluster_id = _cluster_id(base_dir)
    dir_ids = [new_cluster_id() for _ in range(n)]
    voters = ",".join(f"{i + 1}@{HOST}:{controller_ports[i]}:{dir_ids[i]}" for i in range(n))
    rf, isr = str(min(3, n)), str(min(2, n))
    nodes = []
    for i in range(n):
        data_dir = base_dir / f"node{i + 1}"
        settings = node_settings(i + 1, ports[i], controller_ports[i], data_dir) | {
            "controller.quorum.bootstrap.servers": ",".join(f"{HOST}:{p}" for p in controller_ports),
            "offsets.topic.replication.factor": rf,
            "transaction.state.log.replication.factor": rf,
            "transaction.state.log.min.isr": isr,
            "share.coordinator.state.topic.replication.factor": rf,
            "share.coordinator.state.topic.min.isr": isr,
            "default.replication.factor": rf,
            "min.insync.replicas": isr,
            "replica.lag.time.max.ms": "10000",
        }
        fmt = ["--initial-controllers", voters]
        nodes.append(Node(i + 1, data_dir, ports[i], controller_ports[i], cluster_id, settings, fmt))
    return nodes


def _cluster_id(directory: Path) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = directory / "cluster.id"
    if not stamp.exists():
        stamp.write_text(new_cluster_id())
    return stamp.read_text().strip()


# --- SASL/SCRAM and ACLs (the security tests) ------------------------------------------------------------------

_SCRAM: Final = "org.apache.kafka.common.security.scram.ScramLoginModule"
_PLAIN: Final = "org.apache.kafka.common.security.plain.PlainLoginModule"
ACL_TOOL: Final = _REPO / "deploy" / "kafka" / "AclTool.java"


def sasl_node(data_dir: Path, port: int, controller_port: int, users: Mapping[str, str], admin: str) -> Node:
    """One node whose client listener takes SASL/SCRAM-SHA-512 only, with the StandardAuthorizer: ``users``
    (name -> password) are created at format time, ``admin`` is the super user, and a principal without an
    ACL may do nothing. The controller listener uses PLAIN with a fixed user (SCRAM lives in the metadata log)."""
    node = single_node(data_dir, port, controller_port)
    secret = new_cluster_id()
    node.settings |= {
        "listeners": f"SASL_PLAINTEXT://{HOST}:{port},CONTROLLER://{HOST}:{controller_port}",
        "advertised.listeners": f"SASL_PLAINTEXT://{HOST}:{port},CONTROLLER://{HOST}:{controller_port}",
        "listener.security.protocol.map": "SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT",
        "inter.broker.listener.name": "SASL_PLAINTEXT",
        "sasl.enabled.mechanisms": "SCRAM-SHA-512",
        "sasl.mechanism.inter.broker.protocol": "SCRAM-SHA-512",
        "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config":
            f'{_SCRAM} required username="{admin}" password="{users[admin]}";',
        "sasl.mechanism.controller.protocol": "PLAIN",
        "listener.name.controller.sasl.enabled.mechanisms": "PLAIN",
        "listener.name.controller.plain.sasl.jaas.config":
            f'{_PLAIN} required username="controller" password="{secret}" user_controller="{secret}";',
        "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        "super.users": f"User:{admin};User:controller",
        "allow.everyone.if.no.acl.found": "false",
    }  # fmt: skip
    for name, password in users.items():
        node.format_args += ["--add-scram", f"SCRAM-SHA-512=[name={name},password={password}]"]
    return node


def add_tls_listener(node: Node, port: int) -> Path:
    """Add a SASL_SSL listener on ``port`` with a fresh self-signed certificate for 127.0.0.1 (JDK keytool);
    returns the certificate (PEM) clients must trust."""
    keystore, cert, password = node.data_dir / "broker.p12", node.data_dir / "broker-ca.pem", new_cluster_id()
    keytool = str(Path(_java()).with_name("keytool"))
    subprocess.run([keytool, "-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048",
                    "-validity", "2", "-dname", f"CN={HOST}", "-ext", f"SAN=ip:{HOST}", "-storetype", "PKCS12",
                    "-keystore", str(keystore), "-storepass", password], check=True, capture_output=True)  # fmt: skip
    subprocess.run([keytool, "-exportcert", "-rfc", "-alias", "broker", "-keystore", str(keystore),
                    "-storepass", password, "-file", str(cert)], check=True, capture_output=True)  # fmt: skip
    s = node.settings
    s["listeners"] += f",SASL_SSL://{HOST}:{port}"
    s["advertised.listeners"] += f",SASL_SSL://{HOST}:{port}"
    s["listener.security.protocol.map"] += ",SASL_SSL:SASL_SSL"
    s["listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config"] = s[
        "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config"
    ]
    s |= {
        "ssl.keystore.type": "PKCS12",
        "ssl.keystore.location": str(keystore),
        "ssl.keystore.password": password,
    }
    return cert


def create_acls(bootstrap: str, admin: str, password: str, lines: list[str]) -> str:
    """Create ACLs (AclTool.java's tab-separated lines) as ``admin``, in one JVM; returns its output."""
    cmd = [_java(), *TOOL_JVM_OPTS, "-cp", f"{fetch()}/*", str(ACL_TOOL), bootstrap, admin, password]
    done = subprocess.run(cmd, input="\n".join(lines), capture_output=True, text=True, timeout=180)
    if done.returncode != 0:
        raise KafkaUnavailable(f"AclTool failed: {done.stdout}{done.stderr[-3000:]}")
    return done.stdout.strip()
