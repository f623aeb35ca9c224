"""Pipeline health probes: consumer lag per group and topic (Kafka), outbox backlog per service (/metrics).

Consumer lag = the topic's highwater mark (ListOffsets, latest) minus the group's committed offset (the admin
API's ListConsumerGroupOffsets), per partition. A broker that does not serve the admin API (Tansu, the light
fallback) gets no lag figure, only the error saying so: the probe never guesses.
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
    method: str = "none"  # admin | none (the broker does not serve the admin API)
    rows: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


class LagProbe:
    def __init__(self, kafka: KafkaSettings, groups: list[str], topics: list[str]) -> None:
        self.kafka = kafka
        self.groups = list(dict.fromkeys(groups))
        self.topics = topics
        self._admin: AIOKafkaAdminClient | None = None  # started on first use, kept until close()

    async def close(self) -> None:
        admin, self._admin = self._admin, None
        if admin is not None:
            with contextlib.suppress(Exception):
                await admin.close()

    async def highwaters(self) -> dict[TopicPartition, int]:
        consumer = AIOKafkaConsumer(
            **client_kwargs(self.kafka), enable_auto_commit=False, client_id="dvc-reporting-lag"
        )
        await consumer.start()
        try:
            tps = await topic_partitions(consumer, self.topics)
            return dict(await consumer.end_offsets(tps)) if tps else {}
        finally:
            await consumer.stop()

    async def committed(self, group: str) -> dict[TopicPartition, int]:
        """The group's committed offsets (admin API)."""
        if self._admin is None:
            admin = AIOKafkaAdminClient(**client_kwargs(self.kafka))
            await admin.start()
            self._admin = admin
        offsets = await self._admin.list_consumer_group_offsets(group)
        return {
            tp: int(meta.offset)
            for tp, meta in offsets.items()
            if meta.offset is not None and meta.offset >= 0
        }

    async def run(self) -> LagReport:
        report = LagReport()
        try:
            hw = await self.highwaters()
        except Exception as exc:
            report.error = f"highwater: {exc!r}"[:300]
            return report
        tps = sorted(hw, key=lambda tp: (tp.topic, tp.partition))
        try:
            for group in self.groups:
                self._add_rows(report, group, tps, hw, await self.committed(group))
        except Exception as exc:
            report.error = f"consumer group offsets (admin API): {exc!r}"[:300]
            await self.close()  # a fresh client next time
        return report

    @staticmethod
    def _add_rows(
        report: LagReport,
        group: str,
        tps: list[TopicPartition],
        hw: dict[TopicPartition, int],
        committed: dict[TopicPartition, int],
    ) -> None:
        report.method = "admin"
        for topic in sorted({tp.topic for tp in committed}):
            parts = [tp for tp in tps if tp.topic == topic]
            report.rows.append(
                {
                    "group": group,
                    "service": service_of(group),
                    "topic": topic,
                    "partitions": len(parts),
                    "committed": sum(committed.get(tp, 0) for tp in parts),
                    "highwater": sum(hw[tp] for tp in parts),
                    "lag": sum(max(hw[tp] - committed.get(tp, 0), 0) for tp in parts),
                }
            )


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
