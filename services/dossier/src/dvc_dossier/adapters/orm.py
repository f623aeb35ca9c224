from sqlalchemy import JSON, BigInteger, Column, Date, Index, Integer, String, Table, Text

from dvckit.db import BigId, UtcDateTime, messaging_tables, new_metadata

metadata = new_metadata()
messaging = messaging_tables(metadata)

# Read model of the catalog, kept from procedure-published / procedure-retired.
procedures = Table(
    "procedures",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("snapshot", JSON, nullable=False),
)

dossiers = Table(
    "dossiers",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("procedure_code", String(64), nullable=False),
    Column("procedure_version", Integer, nullable=True),
    Column("procedure_name", Text, nullable=False),
    Column("agency_code", String(64), nullable=False),
    Column("province_code", String(8), nullable=False),
    Column("sector", String(64), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("owner_sub", String(128), nullable=True),
    Column("applicant_name", Text, nullable=True),
    Column("citizen_phone", String(32), nullable=True),
    Column("fields", JSON, nullable=False),
    Column("fee_vnd", BigInteger, nullable=False, default=0),
    Column("status", String(32), nullable=False),
    Column("sequence", Integer, nullable=False, default=0),
    Column("submitted_at", UtcDateTime, nullable=False),
    Column("due_date", Date, nullable=True),
    Column("paused_at", UtcDateTime, nullable=True),  # waiting for the citizen's supplement
    Column("result", Text, nullable=True),
    Column("note", Text, nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_dossiers_owner", "owner_sub", "submitted_at"),
    Index("ix_dossiers_status_due", "status", "due_date"),
)

history = Table(
    "dossier_history",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("dossier_code", String(64), nullable=False, index=True),
    Column("sequence", Integer, nullable=True),
    Column("kind", String(16), nullable=False, server_default="status"),  # status | saga | data_access
    Column("old_status", String(32), nullable=True),
    Column("status", String(32), nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=True),
    Column("actor", String(128), nullable=False),  # citizen:<sub> | agency:<code> | portal
    Column("result", Text, nullable=True),
    Column("event_id", String(100), nullable=True),
    Column("applied", Integer, nullable=False, default=1),
    Column("note", Text, nullable=True),
)

# Each saga instance, advanced only by the events it consumes; its steps are dossier_history rows.
sagas = Table(
    "sagas",
    metadata,
    Column("dossier_code", String(64), primary_key=True),
    Column("flow", String(32), nullable=False),
    Column("state", String(32), nullable=False),
    Column("payment_id", String(64), nullable=True, index=True),
    Column("amount_vnd", BigInteger, nullable=False, default=0),
    Column("refund_id", String(80), nullable=True),
    Column("blocked_reason", Text, nullable=True),
    Column("context", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# Shared data read models (from other agencies' events), used by the licence renewal saga.
fines = Table(
    "fines",
    metadata,
    Column("decision_no", String(64), primary_key=True),
    Column("offender_folded", String(200), nullable=False, index=True),
    # the offender's personal identification number (FineIssuedV1.offender_id): what a renewal matches on
    Column("offender_id", String(64), nullable=True, index=True),
    Column("plate", String(20), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("settled", Integer, nullable=False, default=0),
    Column("decided_at", UtcDateTime, nullable=False),
)

health_records = Table(
    "health_records",
    metadata,
    Column("code", String(64), primary_key=True),  # the result the health agency reported
    Column("dossier_code", String(64), nullable=False),
    Column("agency_code", String(64), nullable=False),
    Column("completed_at", UtcDateTime, nullable=False),
    # whose record it is: the token subject of who filed the health-check dossier (None: a counter dossier)
    Column("holder_id", String(128), nullable=True),
)

# A citizen's uploaded documents (PDF/JPEG/PNG): the bytes are in the object store under ``storage_key``; a row
# belongs to its uploader until a submission attaches it to one dossier (``dossier_code``), for good.
documents = Table(
    "documents",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("owner_sub", String(128), nullable=False),
    Column("dossier_code", String(64), nullable=True, index=True),
    Column("name", Text, nullable=True),  # what the citizen says it is, given when attached
    Column("filename", Text, nullable=False),
    Column("content_type", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("storage_key", String(200), nullable=False),
    Column("uploaded_at", UtcDateTime, nullable=False),
    Column("attached_at", UtcDateTime, nullable=True),
    Index("ix_documents_owner_unattached", "owner_sub", "dossier_code"),
)
