"""The benches' reference figure, the raw aiokafka produce/consume rates, on the suite's real broker: the
topic is created by the bench (Apache Kafka here does not create topics on use — status-sync's raw part
failed with UnknownTopicOrPartition until it did)."""

from __future__ import annotations

import uuid

import pytest

from bench.outbox_relay import _raw_rates

pytestmark = pytest.mark.integration


async def test_raw_rates_on_a_topic_of_its_own(kafka_bootstrap: str) -> None:
    produce_rate, consume_rate = await _raw_rates(kafka_bootstrap, f"bench-raw-{uuid.uuid4().hex[:6]}", 300)
    assert produce_rate > 0 and consume_rate > 0
