"""The entity rows of the read model, one per key (procedure, dossier, payment, fine, feedback, SMS), and a
dossier's history lines."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Date, Index, Integer, String, Table, Text, false, text

from dvc_reporting.adapters.orm.base import ZERO, metadata
from dvckit.db import UtcDateTime

procedures = Table(
    "procedures",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("version", Integer, nullable=True),
    Column("name", Text, nullable=True),
    Column("sector", String(64), nullable=True),
    Column("agency_code", String(64), nullable=True),
    Column("agency_name", Text, nullable=True),
    Column("social_saving_vnd", BigInteger, nullable=True),
    Column("processing_days", Integer, nullable=True),
    Column("retired_version", Integer, nullable=True),
)

dossiers = Table(
    "dossiers",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("procedure_code", String(64), nullable=True),
    Column("procedure_name", Text, nullable=True),
    # today's unit (one of the 34) and, before 1 July 2025, the unit of the 63; province_sent is what the
    # events carried (domain.projection.placed)
    Column("province_code", String(8), nullable=True),
    Column("former_province", String(8), nullable=True),
    Column("province_sent", String(8), nullable=True),
    Column("sector", String(64), nullable=True),
    Column("channel", String(16), nullable=True),
    Column("has_submitted", Boolean, nullable=False, server_default=false()),
    Column("submitted_at", UtcDateTime, nullable=True),
    Column("sub_agency", String(64), nullable=True),
    Column("sub_due", Date, nullable=True),
    Column("first_at", UtcDateTime, nullable=True),
    Column("ev_status", String(32), nullable=True),
    Column("sequence", Integer, nullable=True),
    Column("status_at", UtcDateTime, nullable=True),
    Column("status_agency", String(64), nullable=True),
    Column("status_event_id", String(200), nullable=True),
    Column("status_due", Date, nullable=True),
    Column("status_due_seq", Integer, nullable=True),
    Column("status_due_at", UtcDateTime, nullable=True),
    Column("fwd_at", UtcDateTime, nullable=True),
    Column("fwd_agency", String(64), nullable=True),
    Column("fwd_due", Date, nullable=True),
    Column("fwd_event_id", String(200), nullable=True),
    Column("fwd_count", Integer, nullable=False, server_default=ZERO),
    Column("status", String(32), nullable=True),
    Column("agency_code", String(64), nullable=True),
    Column("due_date", Date, nullable=True),
    Column("day", Date, nullable=True),
    Column("finished", Boolean, nullable=False, server_default=false()),
    Column("finished_at", UtcDateTime, nullable=True),
    Column("finished_day", Date, nullable=True),
    Column("on_time", Boolean, nullable=True),
    # the overdue list and its counts scan only unfinished dossiers
    Index(
        "ix_dossiers_open_due",
        "due_date",
        postgresql_where=text("NOT finished"),
        sqlite_where=text("NOT finished"),
    ),
    Index(
        "ix_dossiers_open_province_due",
        "province_code",
        "due_date",
        postgresql_where=text("NOT finished"),
        sqlite_where=text("NOT finished"),
    ),
    Index("ix_dossiers_province_day", "province_code", "day"),
    Index("ix_dossiers_day", "day"),
)

dossier_events = Table(
    "dossier_events",
    metadata,
    Column("event_id", String(200), primary_key=True),
    Column("dossier_code", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("status", String(32), nullable=True),
    Column("sequence", Integer, nullable=True),
    Column("agency_code", String(64), nullable=True),
    Column("from_agency_code", String(64), nullable=True),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("note", Text, nullable=True),
    Column("late", Boolean, nullable=False, server_default=false()),
    Column("amount_vnd", BigInteger, nullable=True),
    Column("detail", Text, nullable=True),
    Index("ix_dossier_events_dossier", "dossier_code", "occurred_at"),
)

payments = Table(
    "payments",
    metadata,
    Column("payment_id", String(100), primary_key=True),
    Column("paid", Boolean, nullable=False, server_default=false()),
    Column("purpose", String(16), nullable=True),
    Column("provider", String(64), nullable=True),
    Column("amount_vnd", BigInteger, nullable=False, server_default=ZERO),
    Column("paid_at", UtcDateTime, nullable=True),
    Column("province_code", String(8), nullable=True),
    Column("dossier_code", String(64), nullable=True),
    Column("decision_no", String(64), nullable=True),
    Column("late", Boolean, nullable=False, server_default=false()),
    Column("own_province", String(8), nullable=True),
    Column("former_province", String(8), nullable=True),
    Index("ix_payments_dossier", "dossier_code"),
)

fines = Table(
    "fines",
    metadata,
    Column("decision_no", String(64), primary_key=True),
    Column("province_code", String(8), nullable=True),
    Column("issuing_unit", Text, nullable=True),
    Column("issued", Boolean, nullable=False, server_default=false()),
    Column("amount_vnd", BigInteger, nullable=False, server_default=ZERO),
    Column("decided_at", UtcDateTime, nullable=True),
    Column("settled", Boolean, nullable=False, server_default=false()),
    Column("settled_at", UtcDateTime, nullable=True),
    Column("settled_channel", String(16), nullable=True),
    Column("paid_vnd", BigInteger, nullable=False, server_default=ZERO),
    Column("province_sent", String(8), nullable=True),
    Column("former_province", String(8), nullable=True),
)

feedback = Table(
    "feedback",
    metadata,
    Column("feedback_id", String(100), primary_key=True),
    Column("kind", String(16), nullable=True),
    Column("category", String(64), nullable=True),
    Column("province_code", String(8), nullable=True),
    Column("recv_agency", String(64), nullable=True),
    Column("answer_agency", String(64), nullable=True),
    Column("agency_code", String(64), nullable=True),
    Column("procedure_code", String(64), nullable=True),
    Column("dossier_code", String(64), nullable=True),
    Column("received", Boolean, nullable=False, server_default=false()),
    Column("received_at", UtcDateTime, nullable=True),
    Column("due_date", Date, nullable=True),
    Column("answered", Boolean, nullable=False, server_default=false()),
    Column("answered_at", UtcDateTime, nullable=True),
    Column("answered_on_time", Boolean, nullable=True),
    Column("reported_on_time", Boolean, nullable=True),
    Column("province_sent", String(8), nullable=True),
    Column("former_province", String(8), nullable=True),
    Index(
        "ix_feedback_open_due",
        "province_code",
        "due_date",
        postgresql_where=text("NOT answered"),
        sqlite_where=text("NOT answered"),
    ),
)

sms = Table(
    "sms",
    metadata,
    Column("message_id", String(100), primary_key=True),
    Column("dossier_code", String(64), nullable=True),
    Column("province_code", String(8), nullable=True),
    Column("provider", String(64), nullable=True),
    Column("template", String(64), nullable=True),
    Column("encoding", String(8), nullable=True),
    Column("segments", Integer, nullable=False, server_default=ZERO),
    Column("sent", Boolean, nullable=False, server_default=false()),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("delivered", Boolean, nullable=False, server_default=false()),
    Column("delivered_at", UtcDateTime, nullable=True),
    Column("failed", Boolean, nullable=False, server_default=false()),
    Column("failed_at", UtcDateTime, nullable=True),
    Column("failure_status", String(32), nullable=True),
    Column("former_province", String(8), nullable=True),
    Index("ix_sms_dossier", "dossier_code"),
)

ENTITY_TABLES = {
    "procedures": (procedures, "code"),
    "dossiers": (dossiers, "code"),
    "payments": (payments, "payment_id"),
    "fines": (fines, "decision_no"),
    "feedback": (feedback, "feedback_id"),
    "sms": (sms, "message_id"),
}
