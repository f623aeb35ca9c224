"""The development and test Kafka broker at its old path: the code lives in :mod:`dvckit.dev` (``broker``,
``broker_kinds``, ``broker_process``, ``broker_wire``, ``broker_kafka``, ``broker_tansu``, ``broker_cluster``,
``broker_cli``). This module re-exports the names it used to define, the private ones the fault and security
tests use included, and ``python -m dvckit.devbroker`` / ``dvc-devbroker`` run its command line. A service's
code never imports it (tests/test_dev_boundary.py)."""

from __future__ import annotations

from dvckit.dev import apache_kafka as apache_kafka
from dvckit.dev import broker_kinds, broker_process, broker_tansu, broker_wire
from dvckit.dev.broker import DevBroker
from dvckit.dev.broker_cli import _Interrupted as _Interrupted
from dvckit.dev.broker_cli import main
from dvckit.dev.broker_cluster import DevCluster
from dvckit.dev.broker_kinds import BINARY_KINDS, KINDS, DevBrokerError, resolve_kind
from dvckit.dev.broker_kinds import DEFAULT_BINARY_KIND as DEFAULT_BINARY_KIND
from dvckit.dev.broker_kinds import DEFAULT_KAFKA_IMAGE as DEFAULT_KAFKA_IMAGE
from dvckit.dev.broker_kinds import HOST as HOST
from dvckit.dev.broker_kinds import NO_ADMIN_OFFSETS_KINDS as NO_ADMIN_OFFSETS_KINDS
from dvckit.dev.broker_kinds import NON_IDEMPOTENT_KINDS as NON_IDEMPOTENT_KINDS
from dvckit.dev.broker_kinds import S3_BUCKET as S3_BUCKET
from dvckit.dev.broker_kinds import _docker_answers as _docker_answers
from dvckit.dev.broker_process import _preexec_die_with_parent as _preexec_die_with_parent
from dvckit.dev.broker_process import free_port, wait_for_port
from dvckit.dev.broker_tansu import _binary as _binary
from dvckit.dev.broker_tansu import _package_dir as _package_dir
from dvckit.dev.broker_wire import _kafka_request as _kafka_request
from dvckit.dev.broker_wire import _read_string as _read_string
from dvckit.dev.broker_wire import _recv_exact as _recv_exact
from dvckit.dev.broker_wire import ensure_topics

# the old private names (tests/faults/storm and tests/security import some), now public in their modules
_STOP_TIMEOUT = broker_kinds.STOP_TIMEOUT
_START_TIMEOUT = broker_kinds.START_TIMEOUT
_KAFKA_START_TIMEOUT = broker_kinds.KAFKA_START_TIMEOUT
_EarlyExit = broker_kinds.EarlyExit
_port_is_free = broker_process.port_is_free
_tail = broker_process.tail
_spawn = broker_process.spawn
_signal_group = broker_process.signal_group
_terminate = broker_process.terminate
_binary_version = broker_process.binary_version
_tansu_binary = broker_tansu.tansu_binary
_noida_binary = broker_tansu.noida_binary
_check_moto = broker_tansu.check_moto
_ProtocolError = broker_wire.ProtocolError
_kafka_brokers = broker_wire.kafka_brokers

__all__ = [
    "BINARY_KINDS",
    "KINDS",
    "DevBroker",
    "DevBrokerError",
    "DevCluster",
    "ensure_topics",
    "free_port",
    "main",
    "resolve_kind",
    "wait_for_port",
]

if __name__ == "__main__":
    main()
