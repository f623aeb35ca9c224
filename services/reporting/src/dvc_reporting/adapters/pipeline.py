"""Pipeline health probes: consumer lag per group and topic (Kafka), outbox backlog per service (/metrics).

Consumer lag = the topic's highwater mark minus the group's committed offset, per partition.

- Committed offsets: the Kafka admin API (``list_consumer_group_offsets``) where the broker serves it
  (Apache Kafka, noida-db). Tansu 0.6 answers that request with a response aiokafka cannot decode, so after
  one failure the probe switches, for the life of the process, to an OffsetFetch per partition through a
  consumer created with the group's id that never joins the group (``committed()``), which Tansu serves.
- Highwater marks: ``end_offsets`` (ListOffsets). Tansu 0.6 answers ListOffsets(latest) with the base offset
  of the last record batch + 1 (too low when a batch holds several records), so the probe also fetches the
  tail of each partition and keeps the larger of the two (the fetch response carries the true highwater).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from prometheus_client.parser import text_string_to_metric_families

from dvckit.logging import get_logger
from dvckit.messaging.kafka import client_kwargs, topic_partitions
from dvckit.settings import KafkaSettings

log = get_logger("dvc_reporting.pipeline")


def service_of(group: str) -> str:
    """``dvc-notify`` / ``dvc-notify-e2e-1a2b`` → ``notify``."""
    parts = group.split("-")
    return parts[1] if len(parts) > 1 and parts[0] == "dvc" else group


@dataclass
class LagReport:
    method: str = "none"  # admin | committed | none
    rows: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


class LagProbe:
    def __init__(self, kafka: KafkaSettings, groups: list[str], topics: list[str]) -> None:
        self.kafka = kafka
        self.groups = list(dict.fromkeys(groups))
        self.topics = topics
        self.admin_works: bool | None = None  # unknown until tried
        self._group_consumers: dict[str, AIOKafkaConsumer] = {}

    async def close(self) -> None:
        for c in self._group_consumers.values():
            with contextlib.suppress(Exception):
                await c.stop()
        self._group_consumers.clear()

    async def highwaters(self) -> dict[TopicPartition, int]:
        consumer = AIOKafkaConsumer(
            **client_kwargs(self.kafka),
            enable_auto_commit=False,
            fetch_max_wait_ms=100,
            client_id="dvc-reporting-lag",
        )
        await consumer.start()
        try:
            tps = await topic_partitions(consumer, self.topics)
            if not tps:
                return {}
            ends: dict[TopicPartition, int] = await consumer.end_offsets(tps)
            consumer.assign(tps)
            for tp in tps:
                consumer.seek(tp, max(ends.get(tp, 0) - 1, 0))
            pending = {tp for tp in tps if ends.get(tp, 0) > 0}
            for _ in range(5):
                if not pending:
                    break
                await consumer.getmany(timeout_ms=300, max_records=1)
                pending = {tp for tp in pending if consumer.highwater(tp) is None}
            return {tp: max(ends.get(tp, 0), consumer.highwater(tp) or 0) for tp in tps}
        finally:
            await consumer.stop()

    async def _committed_admin(self, group: str) -> dict[TopicPartition, int]:
        admin = AIOKafkaAdminClient(**client_kwargs(self.kafka))
        await admin.start()
        try:
            offsets = await admin.list_consumer_group_offsets(group)
        finally:
            await admin.close()
        return {
            tp: int(meta.offset)
            for tp, meta in offsets.items()
            if meta.offset is not None and meta.offset >= 0
        }

    async def _committed_fetch(self, group: str, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        consumer = self._group_consumers.get(group)
        if consumer is None:
            # a consumer with the group's id that never subscribes: it only sends OffsetFetch, never joins
            consumer = AIOKafkaConsumer(
                **client_kwargs(self.kafka),
                group_id=group,
                enable_auto_commit=False,
                client_id="dvc-reporting-lag",
            )
            await consumer.start()
            self._group_consumers[group] = consumer
        values = await asyncio.gather(*(consumer.committed(tp) for tp in tps))
        return {tp: int(v) for tp, v in zip(tps, values, strict=True) if v is not None and v >= 0}

    async def committed(self, group: str, tps: list[TopicPartition]) -> tuple[dict[TopicPartition, int], str]:
        if self.admin_works is not False:
            try:
                found = await self._committed_admin(group)
                self.admin_works = True
                return found, "admin"
            except Exception as exc:
                if self.admin_works is None:
                    log.info(
                        "pipeline.admin_offsets_unavailable", error=repr(exc)[:200], fallback="committed()"
                    )
                self.admin_works = False
        return await self._committed_fetch(group, tps), "committed"

    async def run(self) -> LagReport:
        report = LagReport()
        try:
            hw = await self.highwaters()
        except Exception as exc:
            report.error = f"highwater: {exc!r}"[:300]
            return report
        tps = sorted(hw, key=lambda tp: (tp.topic, tp.partition))
        for group in self.groups:
            try:
                committed, method = await self.committed(group, tps)
            except Exception as exc:
                report.error = f"{group}: {exc!r}"[:300]
                continue
            report.method = method
            topics_seen = {tp.topic for tp in committed}
            for topic in sorted(topics_seen):
                parts = [tp for tp in tps if tp.topic == topic]
                lag = sum(max(hw[tp] - committed.get(tp, 0), 0) for tp in parts)
                report.rows.append(
                    {
                        "group": group,
                        "service": service_of(group),
                        "topic": topic,
                        "partitions": len(parts),
                        "committed": sum(committed.get(tp, 0) for tp in parts),
                        "highwater": sum(hw[tp] for tp in parts),
                        "lag": lag,
                    }
                )
        return report


def parse_metrics(text: str) -> dict[str, Any]:
    """dvc_outbox_backlog (sum) and dvc_consumer_lag (by topic) from a Prometheus text page."""
    backlog: int | None = None
    lag: dict[str, int] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "dvc_outbox_backlog":
                backlog = (backlog or 0) + int(sample.value)
            elif sample.name == "dvc_consumer_lag":
                topic = sample.labels.get("topic", "?")
                lag[topic] = lag.get(topic, 0) + int(sample.value)
    return {"outbox_backlog": backlog, "consumer_lag": lag or None}


async def scrape_services(urls: dict[str, str], timeout: float = 2.0) -> list[dict[str, Any]]:
    async def one(client: httpx.AsyncClient, name: str, url: str) -> dict[str, Any]:
        try:
            r = await client.get(f"{url.rstrip('/')}/metrics")
            r.raise_for_status()
            return {"service": name, "url": url, "up": True, "error": None} | parse_metrics(r.text)
        except Exception as exc:
            return {
                "service": name,
                "url": url,
                "up": False,
                "error": exc.__class__.__name__,
                "outbox_backlog": None,
                "consumer_lag": None,
            }

    async with httpx.AsyncClient(timeout=timeout) as client:
        return list(await asyncio.gather(*(one(client, n, u) for n, u in sorted(urls.items()))))
