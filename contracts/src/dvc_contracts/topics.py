"""Topic names. A topic is named after the event type it carries (docs/architecture.md, "Events")."""

from typing import Final

from dvc_contracts import agencies

PROCEDURE_PUBLISHED: Final = "procedure-published"
PROCEDURE_RETIRED: Final = "procedure-retired"
DOSSIER_SUBMITTED: Final = "dossier-submitted"
DOSSIER_STATUS_CHANGED: Final = "dossier-status-changed"
DOSSIER_FORWARDED: Final = "dossier-forwarded"
AGENCY_STATUS_REPORTED: Final = "agency-status-reported"
AGENCY_STATUS_REJECTED: Final = "agency-status-rejected"
PAYMENT_REQUESTED: Final = "payment-requested"
FEE_PAID: Final = "fee-paid"
PAYMENT_FAILED: Final = "payment-failed"
PAYMENT_EXPIRED: Final = "payment-expired"
REFUND_REQUESTED: Final = "refund-requested"
FEE_REFUNDED: Final = "fee-refunded"
REFUND_FAILED: Final = "refund-failed"
FINE_ISSUED: Final = "fine-issued"
FINE_SETTLED: Final = "fine-settled"
FEEDBACK_RECEIVED: Final = "feedback-received"
FEEDBACK_ANSWERED: Final = "feedback-answered"
FEEDBACK_STATUS_CHANGED: Final = "feedback-status-changed"
FEEDBACK_OVERDUE: Final = "feedback-overdue"
SMS_REQUESTED: Final = "sms-requested"
SMS_SENT: Final = "sms-sent"
SMS_DELIVERED: Final = "sms-delivered"
SMS_FAILED: Final = "sms-failed"
# notify's Kafka-native channel to telecom SMS gateways: messages to send, and their delivery receipts.
SMS_OUTBOUND: Final = "sms-outbound"
SMS_RECEIPTS: Final = "sms-receipts"
# Accounts (portal and dashboard sign-ins): a pseudonymous id only, never who the person is.
ACCOUNT_REGISTERED: Final = "account-registered"
ACCOUNT_SIGNED_IN: Final = "account-signed-in"

# Records that could not be parsed or were not allowed: reason + original bytes, never dropped.
DEAD_LETTER: Final = "dead-letter"

EVENT_TOPICS: Final[tuple[str, ...]] = (
    PROCEDURE_PUBLISHED,
    PROCEDURE_RETIRED,
    DOSSIER_SUBMITTED,
    DOSSIER_STATUS_CHANGED,
    DOSSIER_FORWARDED,
    AGENCY_STATUS_REPORTED,
    AGENCY_STATUS_REJECTED,
    PAYMENT_REQUESTED,
    FEE_PAID,
    PAYMENT_FAILED,
    PAYMENT_EXPIRED,
    REFUND_REQUESTED,
    FEE_REFUNDED,
    REFUND_FAILED,
    FINE_ISSUED,
    FINE_SETTLED,
    FEEDBACK_RECEIVED,
    FEEDBACK_ANSWERED,
    FEEDBACK_STATUS_CHANGED,
    FEEDBACK_OVERDUE,
    SMS_REQUESTED,
    SMS_SENT,
    SMS_DELIVERED,
    SMS_FAILED,
    SMS_OUTBOUND,
    SMS_RECEIPTS,
    ACCOUNT_REGISTERED,
    ACCOUNT_SIGNED_IN,
)

# Each agency system's own ingress and rejection topics (dvc_contracts.agencies): <event type>.<system id>.
ALL_TOPICS: Final[tuple[str, ...]] = (*EVENT_TOPICS, *agencies.system_topics(), DEAD_LETTER)

# High-volume topics get more partitions; keyed by aggregate id so one aggregate stays in order.
_HIGH_VOLUME = {AGENCY_STATUS_REPORTED: 12, DOSSIER_STATUS_CHANGED: 12, AGENCY_STATUS_REJECTED: 6}


_AGENCY_SYSTEM = {AGENCY_STATUS_REPORTED: 6, AGENCY_STATUS_REJECTED: 2}  # per system, <event type>.<id>


def partitions_for(topic: str, default: int = 4) -> int:
    base, dot, _system = topic.partition(".")
    return _AGENCY_SYSTEM[base] if dot else _HIGH_VOLUME.get(topic, default)
