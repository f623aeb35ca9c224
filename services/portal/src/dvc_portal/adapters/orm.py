"""The portal's own database holds one thing: citizens' server-side sessions. No outbox or inbox: the portal
publishes and consumes no events; it talks to the other services over their public HTTP APIs."""

from __future__ import annotations

from sqlalchemy import Column, Index, LargeBinary, String, Table

from dvckit.db import UtcDateTime, new_metadata

metadata = new_metadata()

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
    Index("ix_citizen_sessions_expires_at", "expires_at"),
)
