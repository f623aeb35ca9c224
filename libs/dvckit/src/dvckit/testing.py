"""The test support shared by every service's tests (PostgreSQL, service processes, in-process apps, clock
pins), at its old path: the code is :mod:`dvckit.dev.testing`, whose names this module re-exports. A service's
code never imports it (tests/test_dev_boundary.py)."""

from __future__ import annotations

from dvckit.dev.testing import (
    LOCAL_PG,
    VN_CLOCK_PINS,
    MessagingStore,
    Pin,
    PostgresServer,
    PrivatePostgres,
    ServiceProcess,
    eventually,
    free_port,
    messaging_store,
    migrated_database,
    provision_postgres,
    read_topic,
    running_app,
)

__all__ = [
    "LOCAL_PG",
    "VN_CLOCK_PINS",
    "MessagingStore",
    "Pin",
    "PostgresServer",
    "PrivatePostgres",
    "ServiceProcess",
    "eventually",
    "free_port",
    "messaging_store",
    "migrated_database",
    "provision_postgres",
    "read_topic",
    "running_app",
]
