"""The reporting read model: entity rows folded from events, and additive aggregates (domain.projection).

Everything here is rebuilt by replaying the topics from offset 0 into a fresh database (``python -m
dvc_reporting.replay``). No wall-clock times are stored: every time comes from an event, so a rebuild gives
the same rows.

Every table is declared on the one ``metadata`` of ``base`` (the migrations' target), by kind: ``entities``
(one row per procedure, dossier, payment, fine, feedback, SMS; a dossier's history), ``health`` (rejections,
dead letters), ``account_tables`` (the accounts read model), ``aggregates``, and ``dashboard_state`` (not a
read model: the accounts announced, operators' sessions and sign-ins). Every name is importable from here.
"""

from __future__ import annotations

from sqlalchemy import Table

# the tables enter the metadata in this order (the order they always had)
# isort: off
from dvc_reporting.adapters.orm.base import ZERO, messaging, metadata
from dvc_reporting.adapters.orm.entities import (
    ENTITY_TABLES,
    dossier_events,
    dossiers,
    feedback,
    fines,
    payments,
    procedures,
    sms,
)
from dvc_reporting.adapters.orm.health import agency_rejections, dead_letters
from dvc_reporting.adapters.orm.account_tables import account_days, account_sign_ins, accounts
from dvc_reporting.adapters.orm.aggregates import (
    AGG_INDEXES,
    AGG_TABLES,
    agg_dossiers,
    agg_dossiers_daily,
    agg_dossiers_daily_national,
    agg_feedback,
    agg_feedback_open_due,
    agg_feedback_total,
    agg_fines,
    agg_fines_total,
    agg_online_procedures,
    agg_open_due,
    agg_open_due_buckets,
    agg_open_due_buckets_national,
    agg_payments,
    agg_payments_total,
    agg_sms,
    agg_sms_total,
)
from dvc_reporting.adapters.orm.dashboard_state import known_accounts, oidc_logins, operator_sessions
# isort: on

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

__all__ = [
    "AGG_INDEXES",
    "AGG_TABLES",
    "ENTITY_TABLES",
    "READ_MODEL_TABLES",
    "ZERO",
    "account_days",
    "account_sign_ins",
    "accounts",
    "agency_rejections",
    "agg_dossiers",
    "agg_dossiers_daily",
    "agg_dossiers_daily_national",
    "agg_feedback",
    "agg_feedback_open_due",
    "agg_feedback_total",
    "agg_fines",
    "agg_fines_total",
    "agg_online_procedures",
    "agg_open_due",
    "agg_open_due_buckets",
    "agg_open_due_buckets_national",
    "agg_payments",
    "agg_payments_total",
    "agg_sms",
    "agg_sms_total",
    "dead_letters",
    "dossier_events",
    "dossiers",
    "feedback",
    "fines",
    "known_accounts",
    "messaging",
    "metadata",
    "oidc_logins",
    "operator_sessions",
    "payments",
    "procedures",
    "sms",
]
