"""Payment domain counters (next to the kit's outbox/consumer metrics on /metrics). Incremented after commit."""

from __future__ import annotations

from prometheus_client import Counter

PAYMENTS = Counter(
    "dvc_payments_total",
    "Payment intent transitions, by provider and the status reached",
    ["provider", "status"],
)
PAID_AMOUNT = Counter(
    "dvc_payment_amount_vnd_total",
    "VND collected (succeeded payments), by provider and purpose",
    ["provider", "purpose"],
)
REFUNDED_AMOUNT = Counter("dvc_payment_refunded_vnd_total", "VND refunded, by provider", ["provider"])
REFUNDS = Counter("dvc_refunds_total", "Refunds by provider and status", ["provider", "status"])
CALLBACKS = Counter(
    "dvc_payment_callbacks_total",
    "Provider callbacks by outcome (applied, replayed, bad_signature, stale, amount_mismatch, …)",
    ["provider", "outcome"],
)
RECONCILIATIONS = Counter(
    "dvc_payment_reconciliations_total", "Provider status queries by result", ["provider", "result"]
)
FINES = Counter("dvc_fines_total", "Fine decisions by what happened (issued, corrected, settled)", ["status"])
FINE_LOOKUPS = Counter("dvc_fine_lookups_total", "Fine lookups by outcome", ["outcome"])
WEBHOOK_ATTEMPTS = Counter(
    "dvc_payment_webhook_attempts_total",
    "Agency webhook delivery attempts, by event type and outcome (delivered, retry, failed)",
    ["event", "outcome"],
)
