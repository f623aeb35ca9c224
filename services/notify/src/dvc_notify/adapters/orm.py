from sqlalchemy import (
    Boolean,
    Column,
    Date,
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

messages = Table(
    "sms_messages",
    metadata,
    Column("id", String(36), primary_key=True),  # also our client reference at the providers
    Column("trigger_event_id", String(100), nullable=False),
    Column("template", String(64), nullable=False),
    Column("dossier_code", String(64), nullable=True),
    # the province whose operators may read it (null: national operators only)
    Column("province_code", String(8), nullable=True),
    Column("phone", String(20), nullable=True),  # E.164; null when the number was invalid
    Column("phone_masked", String(20), nullable=True),
    Column("text", Text, nullable=False),
    Column("encoding", String(8), nullable=False),
    Column("segments", Integer, nullable=False),
    Column("provider", String(32), nullable=True),  # the provider of the last attempt
    Column("provider_ref", String(64), nullable=True),  # that provider's message id
    Column("status", String(32), nullable=False),
    Column("failure_reason", Text, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime, nullable=True),  # set once, when sms-sent is emitted
    Column("updated_at", UtcDateTime, nullable=False),
    # "event" (the portal's own notification) or "request" (sms-requested): decides the daily-limit rule.
    Column("origin", String(16), nullable=False, server_default="event"),
    Column("sending_service", String(64), nullable=False, server_default="notify"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    # Pending (waiting for the sender) exactly when set: now, after a back-off, or after a limit hold.
    Column("next_attempt_at", UtcDateTime, nullable=True),
    Column("claimed_at", UtcDateTime, nullable=True),  # when the sender took it (status sending)
    Column("pinned_provider", String(32), nullable=True),  # retry there first (it deduplicates our id)
    Column("delivered_at", UtcDateTime, nullable=True),
    Column("failed_at", UtcDateTime, nullable=True),
    # One message per triggering event and template, however often the event is delivered.
    UniqueConstraint("trigger_event_id", "template", name="uq_sms_messages_trigger"),
    Index("ix_sms_messages_status", "status", "created_at"),
    Index("ix_sms_messages_dossier", "dossier_code"),
    Index(
        "ix_sms_messages_due",
        "sending_service",
        "next_attempt_at",
        postgresql_where=text("next_attempt_at IS NOT NULL"),
        sqlite_where=text("next_attempt_at IS NOT NULL"),
    ),
    Index(
        "ix_sms_messages_claimed",
        "claimed_at",
        postgresql_where=text("status = 'sending'"),
        sqlite_where=text("status = 'sending'"),
    ),
    Index("ix_sms_messages_provider_ref", "provider", "provider_ref"),
)

# The local sandbox provider's "handset": what a real gateway would have delivered.
sandbox_inbox = Table(
    "sandbox_sms",
    metadata,
    Column("provider_ref", String(64), primary_key=True),
    Column("phone", String(20), nullable=False),
    Column("text", Text, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
)

# Numbers that asked not to receive SMS from the portal (E.164). Checked when a message is created and
# again just before it is sent.
opt_outs = Table(
    "sms_opt_outs",
    metadata,
    Column("phone", String(20), primary_key=True),
    Column("phone_masked", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("source", String(32), nullable=False),  # operator | citizen-sms | …
    Column("created_by", String(100), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
)

# Messages started per sending service and Vietnamese calendar day (the daily limit).
daily_usage = Table(
    "sms_daily_usage",
    metadata,
    Column("sending_service", String(64), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("used", Integer, nullable=False),
)

# Every delivery receipt received (HTTP callbacks and sms-receipts), applied or not: the audit trail, and
# receipts that arrived before the send was recorded (message_id unknown yet) wait here to be matched.
receipts = Table(
    "sms_receipts",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("provider", String(32), nullable=False),
    Column("provider_ref", String(64), nullable=True),
    Column("message_id", String(36), nullable=True),
    Column("status", String(32), nullable=False),
    Column("error_code", String(64), nullable=True),
    Column("outcome", String(32), nullable=False),  # applied | duplicate | ignored_final | unmatched
    Column("matched", Boolean, nullable=False),
    Column("reported_at", UtcDateTime, nullable=True),
    Column("received_at", UtcDateTime, nullable=False),
    Index("ix_sms_receipts_message", "message_id"),
    Index(
        "ix_sms_receipts_unmatched",
        "provider",
        "provider_ref",
        postgresql_where=text("matched = false"),
        sqlite_where=text("matched = 0"),
    ),
)

# Keys of the HTTP send API, per sending service: ``<name>-<service>-<id>-<secret>``, of which only a SHA-256 of
# the secret is kept (the secret is 256 random bits: no slow hash needed). A test key's SMS never leave notify.
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("service", String(32), nullable=False),  # the sending service its SMS count against
    Column("key_type", String(8), nullable=False),  # live | test
    Column("secret_hash", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(100), nullable=True),
    Column("revoked_at", UtcDateTime, nullable=True),
    Column("revoked_by", String(100), nullable=True),
    Index("ix_api_keys_service", "service", "created_at"),
)

# What the send API accepted: one row per (service, key type, caller's reference), the idempotency record. A live
# one points at its sms_messages row (created the way an sms-requested is, trigger "<service>:<reference>"); a
# test one is the whole story (status delivered, the number kept here because no message row exists).
api_notifications = Table(
    "api_notifications",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("service", String(32), nullable=False),
    Column("key_type", String(8), nullable=False),
    Column("api_key_id", String(36), nullable=False),
    Column("reference", String(64), nullable=False),
    Column("request_hash", String(64), nullable=False),  # the same reference with another request is refused
    Column("template", String(64), nullable=False),
    Column("message_id", String(36), nullable=True),  # live
    Column("phone", String(20), nullable=True),  # test (live: on the message)
    Column("phone_masked", String(20), nullable=False),
    Column("text", Text, nullable=False),
    Column("encoding", String(8), nullable=False),
    Column("segments", Integer, nullable=False),
    Column("price_per_segment_vnd", Integer, nullable=False),
    Column("status", String(32), nullable=True),  # test: delivered (live: the message's)
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("service", "key_type", "reference", name="uq_api_notifications_reference"),
)
