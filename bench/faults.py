"""`make faults`: the fault storm of issue 14 (tests/faults/storm/) as a scenario — load through the real services
on a three-node Apache Kafka cluster and PostgreSQL while brokers, services and the database are killed, cut off
and restarted; every invariant counted against the generator's ledger; the table on stdout, the JSON in
bench/results/faults.json. Sizes from FAULTS_* (FAULTS_SIZE=small by default, =full for the issue's figures):
see tests/faults/storm/config.py. Not part of a plain `make bench` (bench/__main__.py: ON_DEMAND)."""

from __future__ import annotations

from typing import Any

from tests.faults.storm.runner import run_storm


async def run() -> dict[str, Any]:
    return await run_storm()
