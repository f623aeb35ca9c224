from sqlalchemy import JSON, Boolean, Column, Date, Float, Index, Integer, String, Table, Text, text

from dvckit.db import BigId, UtcDateTime, messaging_tables, new_metadata

metadata = new_metadata()
messaging = messaging_tables(metadata)

_OPEN = "status IN ('received', 'routed', 'in_progress', 'not_responsible')"

feedback = Table(
    "feedback",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("category", String(32), nullable=False),
    Column("province_code", String(8), nullable=False),
    Column("title", Text, nullable=False),
    Column("content", Text, nullable=False),
    Column("fingerprint", Text, nullable=False),
    Column("owner_sub", String(128), nullable=False),
    Column("submitter_name", Text, nullable=True),
    Column("organisation", Text, nullable=True),
    Column("citizen_phone", String(32), nullable=True),
    Column("procedure_code", String(64), nullable=True),
    Column("dossier_code", String(64), nullable=True, index=True),
    Column("named_agency_code", String(64), nullable=True),
    Column("agency_code", String(64), nullable=True),
    Column("routed_by", String(16), nullable=True),
    Column("routed_at", UtcDateTime, nullable=True),
    Column("status", String(20), nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("due_date", Date, nullable=True),
    Column("answer", Text, nullable=True),
    Column("answered_at", UtcDateTime, nullable=True),
    Column("answered_by", String(200), nullable=True),
    Column("answered_on_time", Boolean, nullable=True),
    Column("answer_published", Boolean, nullable=False, default=False),
    Column("published_at", UtcDateTime, nullable=True),
    Column("rating", Integer, nullable=True),
    Column("rating_comment", Text, nullable=True),
    Column("rated_at", UtcDateTime, nullable=True),
    Column("reopen_count", Integer, nullable=False, default=0),
    Column("closed_at", UtcDateTime, nullable=True),
    Column("duplicate_of", String(32), nullable=True),
    Column("possible_duplicate_of", String(32), nullable=True),
    Column("duplicate_score", Float, nullable=True),
    Column("duplicate_reason", String(16), nullable=True),
    Column("overdue_flagged_due", Date, nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_feedback_owner", "owner_sub", "received_at"),
    Index("ix_feedback_agency", "agency_code", "province_code", "received_at"),
    Index("ix_feedback_province", "province_code", "received_at"),
    # The scheduler's overdue scan and the overdue filters only look at open feedback.
    Index("ix_feedback_open_due", "due_date", postgresql_where=text(_OPEN), sqlite_where=text(_OPEN)),
    Index(
        "ix_feedback_flagged",
        "received_at",
        postgresql_where=text("possible_duplicate_of IS NOT NULL"),
        sqlite_where=text("possible_duplicate_of IS NOT NULL"),
    ),
    Index(
        "ix_feedback_published",
        "answered_at",
        postgresql_where=text("answer_published"),
        sqlite_where=text("answer_published"),
    ),
)

history = Table(
    "feedback_history",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("feedback_id", String(32), nullable=False, index=True),
    Column("action", String(32), nullable=False),
    Column("from_status", String(20), nullable=True),
    Column("to_status", String(20), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("actor_role", String(16), nullable=False),
    Column("agency_code", String(64), nullable=True),  # responsible after this step
    Column("previous_agency_code", String(64), nullable=True),  # when this step changed it
    Column("note", Text, nullable=True),
    Column("occurred_at", UtcDateTime, nullable=False),
)

# Read model of the catalog, kept from procedure-published / procedure-retired: procedure → agency.
procedures = Table(
    "procedures",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("agency_code", String(64), nullable=False),
    Column("allowed_agency_codes", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# Agencies the portal knows (named by a procedure or a dossier): a feedback may name one directly.
agencies = Table(
    "agencies",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("name", Text, nullable=True),
)

# Read model of dossiers, kept from dossier-submitted / dossier-status-changed: dossier → agency now.
dossiers = Table(
    "dossiers",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("procedure_code", String(64), nullable=False),
    Column("agency_code", String(64), nullable=False),
    Column("province_code", String(8), nullable=False),
    Column("status", String(32), nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
