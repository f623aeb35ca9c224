from sqlalchemy import JSON, BigInteger, Column, Index, Integer, String, Table, Text

from dvckit.db import UtcDateTime, messaging_tables, new_metadata

metadata = new_metadata()
messaging = messaging_tables(metadata)

procedures = Table(
    "procedures",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("status", String(16), nullable=False),  # draft | published | retired
    Column("name", Text, nullable=False),
    Column("sector", String(64), nullable=False),
    Column("agency_code", String(64), nullable=False),
    Column("agency_name", Text, nullable=False),
    Column("level", String(16), nullable=False),
    Column("service_level", Integer, nullable=False),
    Column("fee", JSON, nullable=False),
    Column("processing_days", Integer, nullable=False),
    Column("required_documents", JSON, nullable=False),
    Column("required_fields", JSON, nullable=False),
    Column("allowed_agency_codes", JSON, nullable=False),
    Column("chained_flow", String(64), nullable=True),
    Column("social_saving_vnd", BigInteger, nullable=True),
    Column("provinces", JSON, nullable=False),
    Column("assurance_level", Integer, nullable=False, server_default="1"),
    Column("description", Text, nullable=True),
    Column("search_text", Text, nullable=False),  # folded code, name and description: what search matches
    Column("search_title", Text, nullable=False, server_default=""),  # folded code and name: ranked first
    Column("published_at", UtcDateTime, nullable=True),
    Column("retired_at", UtcDateTime, nullable=True),
    Index("ix_procedures_status_sector", "status", "sector"),
    Index("ix_procedures_agency", "agency_code"),
)
