"""Issue 14 — the fault storm at its small size (``FAULTS_SIZE=small``, the default; ``make faults`` runs any
size by hand): agency reports, sagas, fines and feedback through every service as processes (two instances of
dossier and notify) on a three-node Apache Kafka cluster and a PostgreSQL of the test's own, while each kind of
fault happens at least once — a broker SIGKILLed and restarted, service instances SIGKILLed (dossier, notify,
payment), PostgreSQL restarted twice (once as a crash), one broker cut off by its network namespace, the whole
cluster down (HTTP keeps accepting: reports, submissions, payments).
Every invariant is counted against the generator's ledger and must be 0; every consumer group's lag returns
to 0. The harness: tests/faults/storm/."""

from __future__ import annotations

import pytest

from dvckit import apache_kafka
from dvckit.testing import PrivatePostgres

from .storm.config import Sizes
from .storm.runner import run_storm

pytestmark = [pytest.mark.integration, pytest.mark.timeout(480)]


async def test_the_storm_loses_nothing_and_does_nothing_twice() -> None:
    if not PrivatePostgres.available() or not apache_kafka.available():
        pytest.skip("needs PostgreSQL binaries (/usr/lib/postgresql) and Java 17+ for Apache Kafka")
    result = await run_storm(Sizes.from_env())
    assert result["faults_injected"].keys() >= {
        "broker_kill",
        "service_kill",
        "pg_restart",
        "partition",
        "outage",
    }
    outage = result["drain"]
    assert outage["reports_sent_during_outage"] > 0 and outage["sagas_submitted_during_outage"] > 0, outage
    failed = {k: v for k, v in result["must_be_zero"].items() if v}
    assert not failed, f"invariants broken: {failed}; examples: {result['examples']}; logs: {result['logs']}"
    assert result["drain"]["pending_at_end"]["lag"] == 0, "every consumer group caught up"
    assert not any(result["consumer_group_lag_at_end"].values()), result["consumer_group_lag_at_end"]
    assert (result["lost"], result["duplicated"]) == (0, 0)
