"""The accounts read model (domain/accounts.py): accounts, their active days and the sign-in counters."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, Integer, String, Table

from dvc_reporting.adapters.orm.base import ZERO, metadata
from dvckit.db import UtcDateTime

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
