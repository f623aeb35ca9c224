"""Tables of the webhooks for agencies (domain/webhooks.py): procedure agencies, endpoints, deliveries."""

from sqlalchemy import Column, Index, Integer, String, Table, Text, text

from dvc_payment.adapters.payment_tables import metadata
from dvckit.db import BigId, UtcDateTime

# The agency that collects a procedure's fee (procedure-published): whom a dossier fee's webhooks go to.
procedure_agencies = Table(
    "procedure_agencies",
    metadata,
    Column("procedure_code", String(64), primary_key=True),
    Column("agency_code", String(64), nullable=False),
    Column("version", Integer, nullable=False),
)

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", String(40), primary_key=True),  # whe_…
    Column("agency_code", String(64), nullable=False),
    Column("province_code", String(8), nullable=True),  # None: every province (a nationwide agency)
    Column("url", Text, nullable=False),
    Column("secret", String(100), nullable=False),  # HMAC key, shown once when the endpoint is made
    # a rotation's previous key: it signs too (a second v1) until previous_secret_until
    Column("previous_secret", String(100), nullable=True),
    Column("previous_secret_until", UtcDateTime, nullable=True),
    Column("events", Text, nullable=False),  # comma-separated payment.* event types
    Column("created_by", String(128), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("disabled_at", UtcDateTime, nullable=True),  # removed: no new deliveries, the log stays
    Index("ix_webhook_endpoints_agency", "agency_code"),
)

# One row per (endpoint, event), written in the transaction of the state change it tells (an outbox).
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", String(40), primary_key=True),  # whd_… : X-DVC-Delivery, the same on every attempt
    Column("endpoint_id", String(40), nullable=False),
    Column("agency_code", String(64), nullable=False),
    Column("province_code", String(8), nullable=True),
    Column("event_id", String(100), nullable=False),
    Column("event_type", String(40), nullable=False),
    Column("payment_id", String(100), nullable=False, index=True),
    Column("body", Text, nullable=False),  # the exact bytes signed and sent (UTF-8 JSON)
    Column("status", String(16), nullable=False),  # pending | delivered | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime, nullable=True),
    Column("last_status_code", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("delivered_at", UtcDateTime, nullable=True),
    Index(
        "ix_webhook_deliveries_due",
        "next_attempt_at",
        postgresql_where=text("status = 'pending'"),
        sqlite_where=text("status = 'pending'"),
    ),
    Index("ix_webhook_deliveries_scope", "agency_code", "created_at"),
)

webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("delivery_id", String(40), nullable=False, index=True),
    Column("attempt", Integer, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("latency_ms", Integer, nullable=True),
    Column("error", Text, nullable=True),
)
