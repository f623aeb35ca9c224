"""Logs under `make run` are readable: aiokafka's broker-away repeats are dropped, a partition assignment is one
short line, and production is always JSON."""

from __future__ import annotations

import json
import logging

import pytest

from dvckit.logging import configure_logging, log_format


def _lines(err: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in err.splitlines() if line.startswith("{")]


def test_broker_away_noise_is_dropped_and_assignments_are_summarised(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOG_FORMAT", "json")
    configure_logging("kit-test")  # writes to capsys's stream until the finally below
    try:
        _log_noise()
        lines = _lines(capsys.readouterr().err)
    finally:
        with capsys.disabled():  # later tests log to the real stderr, not to this test's closed capture
            configure_logging("kit-test")
    events = [line["event"] for line in lines]
    assert events == ["Commit failed: a real problem", "consumer assigned 40 partitions (fee-paid×40)"]
    assert all(line["service"] == "kit-test" for line in lines)


def _log_noise() -> None:
    logging.getLogger("aiokafka.conn").error(
        "Unable connect to node with id 1: [Errno 111] Connect call failed"
    )
    logging.getLogger("aiokafka").error("Unexpected exception in AIOKafkaConnection")
    logging.getLogger("aiokafka").error("Commit failed: a real problem")
    parts = ", ".join(f"TopicPartition(topic='fee-paid', partition={n})" for n in range(40))
    logging.getLogger("dvc.faststream").info(f"Consumer dvc-x-1 assigned to partitions: ({parts})")
    logging.getLogger("dvc.faststream").info("callback for Task-46 is being executed...")


def test_production_logs_json_whatever_log_format_says(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_FORMAT", "console")
    assert log_format() == "console"
    monkeypatch.setenv("DVC_ENV", "production")
    assert log_format() == "json"
