"""Agencies' one-stop systems that sync dossier statuses to the portal over Kafka: the one source.

Each system has its own ingress and rejection topics, and a Kafka principal ``agency-<id>`` that may write only
its ingress and read only its rejections (deploy/kafka/access.py renders the ACLs and topics from this table):

    agency-status-reported.<id>   the system's status reports (key: dossier code)
    agency-status-rejected.<id>   what the portal could not apply, with the reason and the original record

A system reports only as itself: dossier refuses (reason ``agency_mismatch``, to the system's own rejection
topic) a report on ``agency-status-reported.<id>`` whose agency_code or province_code the system does not
cover. The shared ``agency-status-reported`` topic is the portal's own: dossier writes it for the HTTP ingest
(POST /agency/status-events, which checks the caller's token), and no agency may write or read the shared
``agency-status-rejected``. To add a system: add a row below, run ``python deploy/kafka/access.py --write``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

# topics.py provisions these systems' topics (it imports this module): topic names are read at call time.
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class AgencySystem:
    id: str  # lowercase words joined by "-": the principal is agency-<id>, the topics end in .<id>
    name: str
    agency_codes: frozenset[str]  # the agency_code values it reports as
    provinces: frozenset[str] | None  # the province_code values it covers; None: nationwide (a ministry)

    def __post_init__(self) -> None:
        if not _ID.match(self.id):
            raise ValueError(f"agency system id {self.id!r}: lowercase letters, digits and '-' only")

    @property
    def principal(self) -> str:
        return f"agency-{self.id}"

    @property
    def reported_topic(self) -> str:
        from dvc_contracts import topics

        return f"{topics.AGENCY_STATUS_REPORTED}.{self.id}"

    @property
    def rejected_topic(self) -> str:
        from dvc_contracts import topics

        return f"{topics.AGENCY_STATUS_REJECTED}.{self.id}"

    def covers(self, agency_code: str, province_code: str) -> bool:
        """May this system report for ``agency_code`` in ``province_code``?"""
        from dvc_contracts import units

        return agency_code in self.agency_codes and (
            self.provinces is None
            or province_code in self.provinces
            or units.current_of(province_code) in self.provinces  # a former province of one it covers
        )


SYSTEMS: Final[tuple[AgencySystem, ...]] = (
    AgencySystem(
        "ha-noi",
        "UBND Thành phố Hà Nội — hệ thống một cửa (example)",
        frozenset({"UBND-TINH", "UBND-HUYEN", "UBND-XA", "SO-GTVT", "SO-TP", "SO-CT"}),
        frozenset({"01"}),
    ),
    AgencySystem(
        "bhxh",
        "Bảo hiểm xã hội Việt Nam — social insurance (example; month-end bursts)",
        frozenset({"BHXH"}),
        None,
    ),
)


def system_topics() -> tuple[str, ...]:
    """Every system's ingress and rejection topics (provisioned with the portal's own)."""
    return tuple(t for s in SYSTEMS for t in (s.reported_topic, s.rejected_topic))


def by_id(system_id: str) -> AgencySystem:
    for system in SYSTEMS:
        if system.id == system_id:
            return system
    raise KeyError(f"no agency system {system_id!r}")


def by_reported_topic(topic: str) -> AgencySystem | None:
    """The system whose ingress ``topic`` is (None for the portal's shared ingress)."""
    return next((s for s in SYSTEMS if s.reported_topic == topic), None)


def covering(agency_code: str | None, province_code: str | None) -> AgencySystem | None:
    """The first system that reports for this agency in this province (HTTP ingest rejections go there)."""
    if not agency_code:
        return None
    return next((s for s in SYSTEMS if s.covers(agency_code, province_code or "")), None)


def rejected_topic_for(original_topic: str, agency_code: str | None, province_code: str | None) -> str:
    """Where a refused agency record goes: the rejection topic of the system whose ingress it came from;
    from the shared ingress, the covering system's (else the shared topic, which only the portal reads)."""
    from dvc_contracts import topics

    system = by_reported_topic(original_topic) or covering(agency_code, province_code)
    return system.rejected_topic if system else topics.AGENCY_STATUS_REJECTED
