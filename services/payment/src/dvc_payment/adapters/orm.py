"""Payment tables: intents, provider attempts, history, refunds, the callback replay guard, fine decisions,
rate-limit buckets shared by the replicas; and the local provider sandboxes' own tables (what the real
gateways would keep on their side).

One MetaData for all of them (``metadata``: what ``dvckit.migrate`` compares with the database), declared by
group in payment_tables, webhook_tables and sandbox_tables; the rest of the service imports them from here."""

from dvc_payment.adapters.payment_tables import (
    attempts,
    callbacks,
    fine_history,
    fines,
    history,
    messaging,
    metadata,
    payments,
    rate_limits,
    refunds,
)
from dvc_payment.adapters.webhook_tables import (
    procedure_agencies,
    webhook_attempts,
    webhook_deliveries,
    webhook_endpoints,
)

# isort: split
# the sandboxes' tables join the MetaData last, in the order this module declared them before it was split
from dvc_payment.adapters.sandbox_tables import sandbox_refunds, sandbox_transactions

__all__ = [
    "attempts",
    "callbacks",
    "fine_history",
    "fines",
    "history",
    "messaging",
    "metadata",
    "payments",
    "procedure_agencies",
    "rate_limits",
    "refunds",
    "sandbox_refunds",
    "sandbox_transactions",
    "webhook_attempts",
    "webhook_deliveries",
    "webhook_endpoints",
]
