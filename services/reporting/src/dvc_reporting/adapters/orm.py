"""The reporting read model: entity rows folded from events, and additive aggregates (domain.projection).

Everything here is rebuilt by replaying the topics from offset 0 into a fresh database (``python -m
dvc_reporting.replay``). No wall-clock times are stored: every time comes from an event, so a rebuild gives
the same rows.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    String,
    Table,
    Text,
    false,
    text,
)

from dvc_reporting.domain.projection.aggregates import AGGREGATES
from dvckit.accounts import known_accounts_table
from dvckit.db import UtcDateTime, messaging_tables, new_metadata

metadata = new_metadata()
messaging = messaging_tables(metadata)

ZERO = text("0")

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

# Accounts (domain/accounts.py): one row per pseudonymous id, one per (Vietnamese day, id) it signed in, and
# the sign-in counters per day × channel × role × level of assurance (0: not stated).
accounts = Table(
    "accounts",
    metadata,
    Column("account_id", String(32), primary_key=True),
    Column("role", String(16), nullable=True),
    Column("registered_at", UtcDateTime, nullable=True),
    Column("first_seen_at", UtcDateTime, nullable=True),
    Column("last_signed_in_at", UtcDateTime, nullable=True),
)
account_days = Table(
    "account_days",
    metadata,
    Column("day", Date, primary_key=True),
    Column("account_id", String(32), primary_key=True),
    Column("role", String(16), nullable=False),
)
account_sign_ins = Table(
    "account_sign_ins",
    metadata,
    Column("day", Date, primary_key=True),
    Column("channel", String(16), primary_key=True),
    Column("role", String(16), primary_key=True),
    Column("assurance_level", Integer, primary_key=True),
    Column("sign_ins", BigInteger, nullable=False, server_default=ZERO),
)

ENTITY_TABLES = {
    "procedures": (procedures, "code"),
    "dossiers": (dossiers, "code"),
    "payments": (payments, "payment_id"),
    "fines": (fines, "decision_no"),
    "feedback": (feedback, "feedback_id"),
    "sms": (sms, "message_id"),
}


# Secondary indexes of the aggregates read with a filter that is not a prefix of their primary key.
AGG_INDEXES: dict[str, tuple[tuple[str, ...], ...]] = {
    # overdue(today) per province of a sector's / an agency's view: three range scans of (grain, period) each
    # (a province's view and the national buckets use their primary keys, which start with the buckets)
    "agg_open_due_buckets": (
        ("sector", "grain", "period"),
        ("agency_code", "grain", "period"),
    ),
}


def _agg_table(name: str, keys: tuple[str, ...], values: tuple[str, ...]) -> Table:
    cols: list[Column[object]] = []
    for k in keys:
        cols.append(Column(k, Date if k in ("day", "due_date", "period") else String(64), primary_key=True))
    cols += [Column(v, BigInteger, nullable=False, server_default=ZERO) for v in values]
    indexes = [Index(f"ix_{name}_{'_'.join(c)}", *c) for c in AGG_INDEXES.get(name, ())]
    return Table(name, metadata, *cols, *indexes)


AGG_TABLES: dict[str, Table] = {name: _agg_table(name, k, v) for name, (k, v) in AGGREGATES.items()}
agg_dossiers = AGG_TABLES["agg_dossiers"]
agg_dossiers_daily = AGG_TABLES["agg_dossiers_daily"]
agg_dossiers_daily_national = AGG_TABLES["agg_dossiers_daily_national"]
agg_online_procedures = AGG_TABLES["agg_online_procedures"]
agg_open_due = AGG_TABLES["agg_open_due"]
agg_open_due_buckets = AGG_TABLES["agg_open_due_buckets"]
agg_open_due_buckets_national = AGG_TABLES["agg_open_due_buckets_national"]
agg_payments = AGG_TABLES["agg_payments"]
agg_payments_total = AGG_TABLES["agg_payments_total"]
agg_fines = AGG_TABLES["agg_fines"]
agg_fines_total = AGG_TABLES["agg_fines_total"]
agg_feedback = AGG_TABLES["agg_feedback"]
agg_feedback_total = AGG_TABLES["agg_feedback_total"]
agg_feedback_open_due = AGG_TABLES["agg_feedback_open_due"]
agg_sms = AGG_TABLES["agg_sms"]
agg_sms_total = AGG_TABLES["agg_sms_total"]

READ_MODEL_TABLES: tuple[Table, ...] = (
    procedures,
    dossiers,
    dossier_events,
    payments,
    fines,
    feedback,
    sms,
    agency_rejections,
    dead_letters,
    accounts,
    account_days,
    account_sign_ins,
    *AGG_TABLES.values(),
)


# The dashboard's own memory of the operators' accounts it has announced (account-registered once per id; not a
# read model: the publisher's state, like the sessions below).
known_accounts = known_accounts_table(metadata)

# Operators' dashboard sessions (not a read model: never rebuilt by a replay). The cookie holds a random id;
# only its SHA-256 is stored, so a copy of the database opens no session. Logging out deletes the row.
operator_sessions = Table(
    "operator_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("sub", String(128), nullable=False),
    Column("name", String(200), nullable=True),
    Column("province", String(8), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    # a session from the OpenID Provider's sign-in: its refresh and ID tokens, encrypted with a key derived
    # from the session id (adapters/sessions.py), and when its access token is to be renewed
    Column("refresh_token", Text, nullable=True),
    Column("id_token", Text, nullable=True),
    Column("access_expires_at", UtcDateTime, nullable=True),  # null: a pasted token's session (development)
    Column("refreshing_until", UtcDateTime, nullable=True),  # one replica renews it at a time
    Index("ix_operator_sessions_expires_at", "expires_at"),
)

# Sign-ins in progress at the OpenID Provider (state, nonce, PKCE code verifier), found by the SHA-256 of a
# short-lived cookie of the browser that started them, used once.
oidc_logins = Table(
    "oidc_logins",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("state", String(128), nullable=False),
    Column("nonce", String(128), nullable=False),
    Column("code_verifier", String(128), nullable=False),
    Column("redirect_uri", Text, nullable=False),
    Column("return_to", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Index("ix_oidc_logins_expires_at", "expires_at"),
)
