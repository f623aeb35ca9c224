"""The portal's own database holds citizens' server-side sessions, the sign-ins under way at the OpenID
Provider, and the outbox of the one kind of event it publishes: citizens' sign-ins (account-registered,
account-signed-in; a pseudonymous id only, dvckit.accounts). It consumes no events (the inbox is the kit's
table, unused); it talks to the other services over their public HTTP APIs."""

from __future__ import annotations

from sqlalchemy import Column, Index, LargeBinary, String, Table

from dvckit.accounts import known_accounts_table
from dvckit.db import UtcDateTime, messaging_tables, new_metadata

metadata = new_metadata()
messaging = messaging_tables(metadata)
# the accounts announced already (account-registered once per pseudonymous id)
known_accounts = known_accounts_table(metadata)

citizen_sessions = Table(
    "citizen_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),  # SHA-256 of the cookie's random id, never the id
    Column("sub", String(128), nullable=False),
    Column("name", String(200), nullable=True),
    Column("phone", String(32), nullable=True),
    Column("token", LargeBinary, nullable=False),  # the bearer token, encrypted (adapters/sessions.py)
    Column("csrf", String(64), nullable=False),  # the forms' anti-forgery token of this session
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    # signed in with the OpenID Provider: the personal id claim, the access token's expiry, the refresh token
    # and the ID token (logout's id_token_hint), both encrypted as the token; all null for the dev sign-in
    Column("citizen_id", String(32), nullable=True),
    Column("token_expires_at", UtcDateTime, nullable=True),
    Column("refresh_token", LargeBinary, nullable=True),
    Column("id_token", LargeBinary, nullable=True),
    Index("ix_citizen_sessions_expires_at", "expires_at"),
)

# A sign-in sent to the OpenID Provider and not back yet: the state's SHA-256, the browser it was started in
# (SHA-256 of a random HttpOnly cookie: a callback from another browser is refused, no login CSRF), the nonce
# the ID token must carry, the PKCE verifier (encrypted) and where to go after. One use; 10 minutes.
oidc_logins = Table(
    "oidc_logins",
    metadata,
    Column("state_hash", String(64), primary_key=True),
    Column("browser_hash", String(64), nullable=False),
    Column("nonce", String(128), nullable=False),
    Column("verifier", LargeBinary, nullable=False),
    Column("next_path", String(2000), nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Index("ix_oidc_logins_expires_at", "expires_at"),
)
