"""Apache Kafka 4.x from Maven Central for development and tests, at its old path: the code is
:mod:`dvckit.dev.apache_kafka`, whose names this module re-exports. A service's code never imports it
(tests/test_dev_boundary.py)."""

from __future__ import annotations

from dvckit.dev.apache_kafka import (
    ACL_TOOL,
    HOST,
    JVM_OPTS,
    KAFKA_MAIN,
    LOG4J2,
    POM,
    STORAGE_MAIN,
    TEST_SETTINGS,
    TOOL_JVM_OPTS,
    KafkaUnavailable,
    Node,
    add_tls_listener,
    available,
    cache_dir,
    cluster_nodes,
    create_acls,
    fetch,
    java_version,
    new_cluster_id,
    node_settings,
    sasl_node,
    single_node,
    version,
)

__all__ = [
    "ACL_TOOL",
    "HOST",
    "JVM_OPTS",
    "KAFKA_MAIN",
    "LOG4J2",
    "POM",
    "STORAGE_MAIN",
    "TEST_SETTINGS",
    "TOOL_JVM_OPTS",
    "KafkaUnavailable",
    "Node",
    "add_tls_listener",
    "available",
    "cache_dir",
    "cluster_nodes",
    "create_acls",
    "fetch",
    "java_version",
    "new_cluster_id",
    "node_settings",
    "sasl_node",
    "single_node",
    "version",
]
