"""The one MetaData (and the kit's outbox and inbox) with the payment tables: intents, fines, rate limits."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from dvckit.db import BigId, UtcDateTime, messaging_tables, new_metadata

metadata = new_metadata()
messaging = messaging_tables(metadata)

payments = Table(
    "payments",
    metadata,
    Column("id", String(100), primary_key=True),  # payment id (the requester's idempotency key)
    Column("purpose", String(16), nullable=False),  # dossier_fee | fine
    Column("dossier_code", String(64), nullable=True),
    Column("decision_no", String(64), nullable=True),
    Column("procedure_code", String(64), nullable=True),
    Column("province_code", String(8), nullable=True),
    Column("amount_vnd", BigInteger, nullable=False),
    Column("discount_vnd", BigInteger, nullable=False, default=0),  # fines: early-payment discount given
    Column("description", Text, nullable=False),
    Column("payer_name", Text, nullable=True),
    Column("owner_sub", String(128), nullable=True),  # the citizen (token sub) who may pay with their login
    Column("agency_code", String(64), nullable=True),  # the agency that created it over HTTP (webhooks)
    Column("citizen_phone", String(32), nullable=True),
    Column("preferred_provider", String(16), nullable=True),
    Column("status", String(16), nullable=False),
    Column("provider", String(16), nullable=True),  # of the paid (or latest) attempt
    Column("provider_txn_id", String(100), nullable=True),
    Column("late", Boolean, nullable=False, default=False),
    Column("refunded_vnd", BigInteger, nullable=False, default=0),
    Column("source", String(16), nullable=False),  # event | http | fine
    Column("request_event_id", String(100), nullable=True),
    Column("idempotency_key", String(300), nullable=True, unique=True),
    Column("request_hash", String(64), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("paid_at", UtcDateTime, nullable=True),
    Index(
        "ix_payments_payable",
        "expires_at",
        postgresql_where=text("status IN ('created', 'pending', 'failed')"),
        sqlite_where=text("status IN ('created', 'pending', 'failed')"),
    ),
    Index("ix_payments_decision", "decision_no"),
    Index("ix_payments_dossier", "dossier_code"),
)

# One row per provider order: the citizen may try another provider, or again after a decline.
attempts = Table(
    "payment_attempts",
    metadata,
    Column("ref", String(64), primary_key=True),  # our order reference at the provider (vnp_TxnRef, orderId…)
    Column("payment_id", String(100), nullable=False, index=True),
    Column("provider", String(16), nullable=False),
    Column("amount_vnd", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),  # open | succeeded | failed
    Column("provider_txn_id", String(100), nullable=True),
    Column("failure_reason", String(64), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("completed_at", UtcDateTime, nullable=True),
    Column("next_poll_at", UtcDateTime, nullable=True),  # reconciliation: next status query (None: done)
    Column("polls", Integer, nullable=False, default=0),
    # when a status query last went out that the provider answered "not paid yet" (dates an undated success)
    Column("pending_seen_at", UtcDateTime, nullable=True),
    Index(
        "ix_payment_attempts_poll",
        "next_poll_at",
        postgresql_where=text("next_poll_at IS NOT NULL"),
        sqlite_where=text("next_poll_at IS NOT NULL"),
    ),
)

# Every transition of an intent (and every refund step), in order.
history = Table(
    "payment_history",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("payment_id", String(100), nullable=False, index=True),
    Column("action", String(32), nullable=False),
    Column("from_status", String(16), nullable=True),
    Column("to_status", String(16), nullable=True),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("attempt_ref", String(64), nullable=True),
    Column("reason", Text, nullable=True),
    Column("event_id", String(100), nullable=True),  # the event published for it, if any
)

refunds = Table(
    "refunds",
    metadata,
    Column("id", String(100), primary_key=True),  # refund id (the requester's idempotency key; auto-… ours)
    Column("payment_id", String(100), nullable=False, index=True),
    Column("attempt_ref", String(64), nullable=True),
    Column("provider", String(16), nullable=True),
    Column("amount_vnd", BigInteger, nullable=False),
    Column("reason", Text, nullable=True),
    Column("automatic", Boolean, nullable=False, default=False),
    Column("status", String(16), nullable=False),  # requested | refunded | refund_failed
    Column("provider_refund_id", String(100), nullable=True),
    Column("failure_reason", String(64), nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_try_at", UtcDateTime, nullable=True),
    Column("request_event_id", String(100), nullable=True),
    Column("requested_by", String(128), nullable=True),  # POST /payments/{id}/refunds: the staff member
    Column("request_hash", String(64), nullable=True),  # … and what they asked (Idempotency-Key replays)
    Column("requested_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("completed_at", UtcDateTime, nullable=True),
    Index(
        "ix_refunds_due",
        "next_try_at",
        postgresql_where=text("status = 'requested'"),
        sqlite_where=text("status = 'requested'"),
    ),
)

# Replay guard: a provider notification (txn id + outcome, or nonce) is applied once.
callbacks = Table(
    "provider_callbacks",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("provider", String(16), nullable=False),
    Column("dedup_key", String(200), nullable=False),
    Column("attempt_ref", String(64), nullable=True),
    Column("source", String(16), nullable=False),  # callback | reconcile
    Column("outcome", String(32), nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    UniqueConstraint("provider", "dedup_key", name="uq_provider_callbacks_key"),
    Index("ix_provider_callbacks_received_at", "received_at"),  # pruned after PAYMENT_CALLBACK_RETENTION_DAYS
)

fines = Table(
    "fines",
    metadata,
    Column("decision_no", String(64), primary_key=True),
    Column("record_no", String(64), nullable=False),
    Column("record_key", String(64), nullable=False),
    Column("violation_date", Date, nullable=False),
    Column("offender_name", Text, nullable=False),
    Column("name_key", Text, nullable=False),
    Column("plate", String(32), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("issuing_unit", Text, nullable=False),
    Column("agency_code", String(64), nullable=True),  # issuing agency (event source): staff scope
    Column("province_code", String(8), nullable=False),
    Column("decided_at", UtcDateTime, nullable=False),
    Column("status", String(16), nullable=False),  # unpaid | settled
    Column("payment_id", String(100), nullable=True),
    Column("amount_paid", BigInteger, nullable=True),
    Column("discount_vnd", BigInteger, nullable=True),
    Column("settled_at", UtcDateTime, nullable=True),
    Column("issued_event_id", String(100), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_fines_lookup", "record_key", "violation_date"),
)

fine_history = Table(
    "fine_history",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("decision_no", String(64), nullable=False, index=True),
    Column("action", String(16), nullable=False),  # issued | corrected | settled
    Column("at", UtcDateTime, nullable=False),
    Column("event_id", String(100), nullable=True),
    Column("note", Text, nullable=True),
)

# Rate limits (GCRA, a token bucket kept as one number): ``tat`` is when the bucket will be full again (unix
# seconds); one atomic upsert per request, so every replica shares the bucket. A row whose tat has passed is a
# full bucket, the same as no row: pruned.
rate_limits = Table(
    "rate_limits",
    metadata,
    Column("key", String(200), primary_key=True),  # scope:client
    Column("tat", Float, nullable=False),
    Column("allowed", Boolean, nullable=False),  # the last request's answer
    Index("ix_rate_limits_tat", "tat"),
)
