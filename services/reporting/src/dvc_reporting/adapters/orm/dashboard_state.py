"""The dashboard's own state, never rebuilt by a replay: the accounts it announced, operators' sessions and
sign-ins in progress."""

from __future__ import annotations

from sqlalchemy import Column, Index, String, Table, Text

from dvc_reporting.adapters.orm.base import metadata
from dvckit.accounts import known_accounts_table
from dvckit.db import UtcDateTime

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
