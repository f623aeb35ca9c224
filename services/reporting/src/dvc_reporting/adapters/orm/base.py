"""The one ``metadata`` every table of the reporting database is declared on, with the outbox and inbox."""

from __future__ import annotations

from sqlalchemy import text

from dvckit.db import messaging_tables, new_metadata

metadata = new_metadata()
messaging = messaging_tables(metadata)

ZERO = text("0")
