"""The agency systems' registry: who reports for whom, and where each record and refusal goes."""

from __future__ import annotations

import pytest

from dvc_contracts import agencies, topics
from dvc_contracts.agencies import AgencySystem


def test_each_system_has_its_own_principal_and_topics_and_they_are_provisioned() -> None:
    ha_noi = agencies.by_id("ha-noi")
    assert (ha_noi.principal, ha_noi.reported_topic, ha_noi.rejected_topic) == (
        "agency-ha-noi",
        "agency-status-reported.ha-noi",
        "agency-status-rejected.ha-noi",
    )
    assert set(agencies.system_topics()) <= set(topics.ALL_TOPICS)
    assert len(set(agencies.system_topics())) == 2 * len(agencies.SYSTEMS)
    assert topics.partitions_for(ha_noi.reported_topic) == 6
    assert topics.partitions_for(ha_noi.rejected_topic) == 2
    assert topics.partitions_for(topics.AGENCY_STATUS_REPORTED) == 12


def test_a_system_covers_its_agencies_in_its_provinces_only() -> None:
    ha_noi, bhxh = agencies.by_id("ha-noi"), agencies.by_id("bhxh")
    assert ha_noi.covers("SO-GTVT", "01")
    assert not ha_noi.covers("SO-GTVT", "79"), "another province's department"
    assert not ha_noi.covers("BHXH", "01"), "another agency in the same province"
    assert bhxh.covers("BHXH", "79") and bhxh.covers("BHXH", "01"), "a ministry reports nationwide"
    assert not bhxh.covers("BCA-CSGT", "01")


def test_refusals_go_to_the_system_the_record_came_from() -> None:
    ha_noi, bhxh = agencies.by_id("ha-noi"), agencies.by_id("bhxh")
    # posing as BHXH on Hà Nội's topic: the refusal goes back to Hà Nội, never to BHXH
    assert agencies.rejected_topic_for(ha_noi.reported_topic, "BHXH", "01") == ha_noi.rejected_topic
    # the shared ingress (HTTP ingest): the covering system's topic, else the portal's own
    assert agencies.rejected_topic_for(topics.AGENCY_STATUS_REPORTED, "BHXH", "48") == bhxh.rejected_topic
    assert agencies.rejected_topic_for("http:/agency/status-events", "SO-TP", "01") == ha_noi.rejected_topic
    assert agencies.rejected_topic_for(topics.AGENCY_STATUS_REPORTED, "SO-TP", "79") == (
        topics.AGENCY_STATUS_REJECTED
    )
    assert agencies.rejected_topic_for(topics.AGENCY_STATUS_REPORTED, None, None) == (
        topics.AGENCY_STATUS_REJECTED
    )


@pytest.mark.parametrize("bad", ["Ha-Noi", "ha_noi", "ha.noi", "-x", ""])
def test_a_system_id_is_safe_in_a_topic_and_a_principal_name(bad: str) -> None:
    with pytest.raises(ValueError, match="lowercase"):
        AgencySystem(bad, "x", frozenset({"X"}), None)
    with pytest.raises(KeyError):
        agencies.by_id("nowhere")


def test_a_system_covers_the_former_provinces_merged_into_its_own() -> None:
    hcm = AgencySystem("ho-chi-minh", "x", frozenset({"SO-TP"}), frozenset({"79"}))
    assert hcm.covers("SO-TP", "74"), "Bình Dương has been part of Hồ Chí Minh City since 1 July 2025"
    assert not hcm.covers("SO-TP", "01")
