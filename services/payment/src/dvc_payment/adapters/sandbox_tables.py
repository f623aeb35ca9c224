"""The local provider sandboxes' own tables: what the real gateways would keep on their side."""

from sqlalchemy import BigInteger, Boolean, Column, String, Table, Text

from dvc_payment.adapters.payment_tables import metadata
from dvckit.db import UtcDateTime

# not read by the payment code, only over the sandboxes' HTTP APIs

sandbox_transactions = Table(
    "sandbox_transactions",
    metadata,
    Column("provider", String(16), primary_key=True),
    Column("ref", String(64), primary_key=True),  # the merchant's order reference
    Column("txn_id", String(64), nullable=False, unique=True),  # the provider's transaction number
    Column("amount_vnd", BigInteger, nullable=False),
    Column("order_info", Text, nullable=False),
    Column("status", String(16), nullable=False),  # created | processing | success | failed | cancelled
    Column("scenario", String(16), nullable=True),
    Column("result_code", String(32), nullable=True),  # why it failed: insufficient_funds, cancelled, timeout
    Column("notify", Boolean, nullable=False, default=True),  # send the callback when it settles
    Column("return_url", Text, nullable=True),
    Column("notify_url", Text, nullable=True),
    Column("extra", Text, nullable=True),  # provider-specific request fields (JSON)
    Column("refunded_vnd", BigInteger, nullable=False, default=0),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=True),
    Column("settle_at", UtcDateTime, nullable=True),
    Column("completed_at", UtcDateTime, nullable=True),
)

sandbox_refunds = Table(
    "sandbox_refunds",
    metadata,
    Column("provider", String(16), primary_key=True),
    Column("request_id", String(100), primary_key=True),  # the merchant's refund request id (idempotent)
    Column("ref", String(64), nullable=False),
    Column("refund_txn_id", String(64), nullable=False),
    Column("amount_vnd", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),  # success | rejected
    Column("reason", String(64), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
)
