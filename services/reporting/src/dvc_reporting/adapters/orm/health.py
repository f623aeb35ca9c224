"""Pipeline health rows: the agency systems' rejections of status events and the dead-letter records."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text

from dvc_reporting.adapters.orm.base import metadata
from dvckit.db import UtcDateTime

agency_rejections = Table(
    "agency_rejections",
    metadata,
    Column("event_id", String(200), primary_key=True),
    Column("agency_code", String(64), nullable=False),
    Column("reason", String(64), nullable=False),
    Column("message", Text, nullable=False),
    Column("dossier_code", String(64), nullable=True),
    Column("original_topic", String(200), nullable=True),
    Column("original_partition", Integer, nullable=True),
    Column("original_offset", BigInteger, nullable=True),
    Column("rejected_at", UtcDateTime, nullable=False),
    Index("ix_agency_rejections_agency", "agency_code", "rejected_at"),
    Index("ix_agency_rejections_at", "rejected_at"),
)

# The dead-letter topic is not CloudEvents: one row per record, keyed by its own position in the topic.
dead_letters = Table(
    "dead_letters",
    metadata,
    Column("dl_partition", Integer, primary_key=True),
    Column("dl_offset", BigInteger, primary_key=True),
    Column("original_topic", String(200), nullable=False),
    Column("original_partition", Integer, nullable=True),
    Column("original_offset", BigInteger, nullable=True),
    Column("reason", String(64), nullable=False),
    Column("message", Text, nullable=True),
    Column("rejected_by", String(64), nullable=False),
    Column("rejected_at", UtcDateTime, nullable=True),
    Column("record_key", Text, nullable=True),
    Index("ix_dead_letters_at", "rejected_at"),
)
