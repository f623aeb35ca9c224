"""Reporting's own Prometheus figures, read from the read model in the background (a snapshot), so a scrape
never queries the database. Names and labels match deploy/grafana/dashboards."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client import REGISTRY
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector


class ReadModelCollector(Collector):
    def __init__(self) -> None:
        self.snapshot: dict[str, Any] = {}
        self.lag: list[dict[str, Any]] = []

    def collect(self) -> Iterator[GaugeMetricFamily]:
        s = self.snapshot
        if s:
            g = GaugeMetricFamily(
                "dvc_dossiers",
                "Dossiers in the read model by current status",
                labels=["province", "sector", "status"],
            )
            for province, sector, status, n in s["dossiers"]:
                g.add_metric([province, sector, status], n)
            yield g
            g = GaugeMetricFamily(
                "dvc_dossiers_overdue", "Unfinished dossiers past their due date", labels=["province"]
            )
            for province, n in s["overdue"]:
                g.add_metric([province], n)
            yield g
            g = GaugeMetricFamily(
                "dvc_dossiers_finished",
                "Finished dossiers with a due date, on time or late",
                labels=["on_time"],
            )
            for on_time, n in s["finished"].items():
                g.add_metric([on_time], n)
            yield g
            count = GaugeMetricFamily(
                "dvc_payments", "Payments (fee-paid) by provider", labels=["provider", "purpose"]
            )
            amount = GaugeMetricFamily(
                "dvc_payments_vnd", "Amount paid (VND) by provider", labels=["provider", "purpose"]
            )
            for provider, purpose, c, v in s["payments"]:
                count.add_metric([provider, purpose], c)
                amount.add_metric([provider, purpose], v)
            yield count
            yield amount
            g = GaugeMetricFamily("dvc_fines", "Traffic fines issued and settled", labels=["state"])
            for state in ("issued", "settled", "settled_online"):
                g.add_metric([state], s["fines"][state])
            yield g
            g = GaugeMetricFamily("dvc_feedback", "Feedback received, answered, overdue", labels=["state"])
            for state in ("received", "answered", "overdue"):
                g.add_metric([state], s["feedback"][state])
            yield g
            g = GaugeMetricFamily(
                "dvc_report_sms", "SMS sent, delivered, failed (read model)", labels=["status"]
            )
            for state in ("sent", "delivered", "failed"):
                g.add_metric([state], s["sms"][state])
            yield g
            yield GaugeMetricFamily(
                "dvc_sms_segments", "SMS segments sent (the cost unit)", value=s["sms"]["segments"]
            )
            yield GaugeMetricFamily(
                "dvc_estimated_savings_vnd",
                "Estimated social-cost savings of online dossiers (VND)",
                value=s["savings"],
            )
            g = GaugeMetricFamily(
                "dvc_agency_rejections", "Agency reports refused", labels=["agency", "reason"]
            )
            for agency, reason, n in s["rejections"]:
                g.add_metric([agency, reason], n)
            yield g
            g = GaugeMetricFamily(
                "dvc_dead_letter_records",
                "Records on the dead-letter topic",
                labels=["original_topic", "reason", "rejected_by"],
            )
            for topic, reason, by, n in s["dead_letters"]:
                g.add_metric([topic, reason, by], n)
            yield g
        g = GaugeMetricFamily(
            "dvc_consumer_group_lag",
            "Highwater minus committed offset, per consumer group and topic",
            labels=["group", "service", "topic"],
        )
        for row in self.lag:
            g.add_metric([row["group"], row["service"], row["topic"]], row["lag"])
        yield g


_collector: ReadModelCollector | None = None


def collector() -> ReadModelCollector:
    """The process's collector, registered once (apps built in the same process share it)."""
    global _collector
    if _collector is None:
        _collector = ReadModelCollector()
        REGISTRY.register(_collector)
    return _collector
