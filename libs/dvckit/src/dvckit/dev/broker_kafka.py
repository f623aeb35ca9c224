"""The Apache Kafka development brokers: kind ``kafka`` (Apache Kafka 4.x from Maven Central, one combined
broker+controller, KRaft; ``dvckit.dev.apache_kafka``) and kind ``testcontainers`` (the ``apache/kafka`` image in
Docker, configured by environment)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from dvckit.dev import apache_kafka
from dvckit.dev.broker_kinds import DEFAULT_KAFKA_IMAGE, HOST, DevBrokerError
from dvckit.dev.broker_process import free_port


def kafka_image() -> str:
    return os.environ.get("DVC_KAFKA_IMAGE", DEFAULT_KAFKA_IMAGE)


def require_testcontainers() -> None:
    try:
        from testcontainers.core.container import DockerContainer  # noqa: F401
        from testcontainers.core.wait_strategies import LogMessageWaitStrategy  # noqa: F401
    except ImportError as exc:
        raise DevBrokerError("testcontainers is not installed: `uv sync` (dev dependency group)") from exc


def kafka_container(port: int, image: str) -> Any:
    """A KRaft container of ``image`` listening on ``port`` (not started).

    testcontainers' KafkaContainer scripts the Confluent image; the apache/kafka image is configured by
    environment. Same port inside and outside so the advertised listener holds for clients and the broker
    itself, and survives a container restart."""
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.wait_strategies import LogMessageWaitStrategy

    return (
        DockerContainer(image)
        .with_bind_ports(port, port)
        .with_envs(
            KAFKA_NODE_ID="1",
            KAFKA_PROCESS_ROLES="broker,controller",
            KAFKA_LISTENERS=f"PLAINTEXT://:{port},CONTROLLER://:9093",
            KAFKA_ADVERTISED_LISTENERS=f"PLAINTEXT://{HOST}:{port}",
            KAFKA_CONTROLLER_LISTENER_NAMES="CONTROLLER",
            KAFKA_LISTENER_SECURITY_PROTOCOL_MAP="CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            KAFKA_CONTROLLER_QUORUM_VOTERS="1@localhost:9093",
            KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR="1",
            KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR="1",
            KAFKA_TRANSACTION_STATE_LOG_MIN_ISR="1",
            KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS="0",
            KAFKA_NUM_PARTITIONS="4",
        )
        .waiting_for(LogMessageWaitStrategy("Kafka Server started").with_startup_timeout(120))
    )


def single_node(node: apache_kafka.Node | None, data_dir: Path, port: int) -> apache_kafka.Node:
    """The single-node broker on ``port``: ``node`` again if it is that one (same storage, cluster id), else a
    new one on ``data_dir`` with a free controller port."""
    if node is None or node.port != port:
        node = apache_kafka.single_node(data_dir, port, free_port())
    return node


def describe_kafka(bootstrap: str, state: str, storage: str, log_path: Path | None) -> str:
    return (
        f"kafka: Apache Kafka {apache_kafka.version()} (KRaft, Java {apache_kafka.java_version()}) at "
        f"{bootstrap or '(not started)'} ({state}); storage {storage or '-'}; log {log_path}"
    )
