"""Dead-letter records, and which broker refusals of an outbox record are for good.

A dead-letter record carries the original headers and key, ``dvc_*`` headers saying why, where from and who
set it aside, and the original value (consumers: the original bytes; the relay: only up to
``DEAD_LETTER_VALUE_MAX``, else an empty value with ``dvc_value_omitted``; always its size and SHA-256).

The relay sets a row aside only for a refusal that no retry can change (``permanent_reason``): the record
batch is larger than the topic accepts, the broker refuses the record itself, the topic name is illegal.
Everything else is transient and retried: a broker that is down or slow, a leader election, not enough
in-sync replicas, an authorization failure (a missing ACL is fixed by an operator, and the rows then go out
in order instead of the whole topic landing in the dead-letter topic), an unknown broker error, and a
corrupt-record answer (Apache Kafka's client retries that too: it may be damage on the wire). A topic the
broker does not know is transient for a while (it may be being created), then permanent (the relay's
``unknown_topic_seconds``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Final

from aiokafka import errors

from dvckit.db import outbox_row

DEAD_LETTER_VALUE_MAX: Final = 64 * 1024
"""The largest original value a relay dead-letter record carries (the dead-letter topic keeps the broker's
default limit of 1 MiB; the original row keeps the value in the outbox for the retention anyway)."""


class InvalidRecordError(errors.BrokerResponseError):
    """Error code 87 (Kafka 2.5+), e.g. a record without a key on a compacted topic. aiokafka 0.14 does not
    know the code and reports ``UnknownError``, which is transient; registered here so it is told apart."""

    errno = 87
    message = "INVALID_RECORD"
    description = "This record has failed the validation on broker and hence will be rejected."


errors.kafka_errors.setdefault(InvalidRecordError.errno, InvalidRecordError)

PERMANENT: Final[tuple[tuple[type[Exception], str], ...]] = (
    (errors.MessageSizeTooLargeError, "record_too_large"),  # the batch is over the topic's max.message.bytes
    (errors.RecordListTooLargeError, "record_too_large"),  # over the broker's log segment size
    (errors.RecordTooLargeError, "record_too_large"),  # client side: the record fits no record batch
    (InvalidRecordError, "invalid_record"),
    (errors.InvalidTimestampError, "invalid_record"),
    (errors.UnsupportedForMessageFormatError, "invalid_record"),
    (errors.InvalidTopicError, "invalid_topic"),  # an illegal name, or an internal topic
)


def permanent_reason(exc: BaseException) -> str | None:
    """The dead-letter reason for a refusal no retry can change, or None (transient: retry)."""
    return next((reason for kind, reason in PERMANENT if isinstance(exc, kind)), None)


def describe(exc: BaseException) -> str:
    """``[Error 10] MessageSizeTooLargeError: The server has a configurable maximum …``: the code, the name, the
    broker's description of a refusal (aiokafka's own text is only the name)."""
    description = getattr(exc, "description", "")
    return f"{exc}: {description}" if description and description not in str(exc) else str(exc) or repr(exc)


def dead_letter_headers(
    *,
    reason: str,
    message: str,
    original_topic: str,
    rejected_by: str,
    partition: int | None = None,
    offset: int | None = None,
) -> list[tuple[str, str]]:
    """The ``dvc_*`` headers of every dead-letter record (reporting's dead-letter read model reads them)."""
    return [
        ("dvc_reason", reason),
        ("dvc_message", message[:1000]),
        ("dvc_original_topic", original_topic),
        ("dvc_original_partition", str(partition)),
        ("dvc_original_offset", str(offset)),
        ("dvc_rejected_by", rejected_by),
        ("dvc_rejected_at", datetime.now(UTC).isoformat()),
    ]


def original_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The original record's headers a dead-letter record keeps (its content type no longer applies)."""
    return [(k, v) for k, v in headers if k != "content-type"]


def outbox_dead_letter(
    row: Any, reason: str, error: BaseException, *, service: str, topic: str
) -> dict[str, Any]:
    """The outbox row of the dead-letter record for an outbox ``row`` the broker refused for good."""
    value = bytes(row.value)
    fits = len(value) <= DEAD_LETTER_VALUE_MAX
    headers = original_headers(row.headers)
    headers += dead_letter_headers(
        reason=reason, message=describe(error), original_topic=row.topic, rejected_by=service
    )
    headers += [
        ("dvc_outbox_id", str(row.id)),
        ("dvc_original_size", str(len(value))),
        ("dvc_original_sha256", hashlib.sha256(value).hexdigest()),
    ]
    if not fits:
        headers.append(("dvc_value_omitted", f"larger than {DEAD_LETTER_VALUE_MAX} bytes"))
    return outbox_row(topic, row.key, value if fits else b"", headers, None)
