"""What a consumer is declared with (:mod:`dvckit.messaging.consumer`): a service's :class:`ConsumerSpec`, one
topic's :class:`Route`, the shapes of handlers and rejecters, and the exceptions a handler raises
(:class:`Rejected`, :class:`Retry`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from dvc_contracts import topics
from dvc_contracts.envelope import CloudEvent, EnvelopeError
from dvckit.messaging.typed import BatchHandler, Rejection, bind_event
from dvckit.uow import UnitOfWork


class Rejected(Exception):
    """Raised by a per-event handler for a record that is not allowed; it goes to ``topic``."""

    def __init__(self, reason: str, message: str, *, topic: str = topics.DEAD_LETTER) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.topic = topic


class Retry(Exception):
    """Raised by a handler when the batch cannot be decided yet (e.g. a read model still catching up):
    nothing is applied, the batch is redelivered after a pause."""


class Record(Protocol):
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Any


Handler = Callable[[CloudEvent, Any], Awaitable[None]]
# A raw route's handler: the records as they came, in a unit of work the kit commits (no envelope, no inbox).
RecordsHandler = Callable[[Sequence[Record], Any], Awaitable[None]]
Rejecter = Callable[[UnitOfWork, Record, str, str, str], Awaitable[None]]
Parsed = tuple[Record, CloudEvent | EnvelopeError]


async def dead_letter_record(uow: UnitOfWork, record: Record, reason: str, message: str, topic: str) -> None:
    """The default rejecter: the original bytes and headers, with the reason, to ``topic``."""
    await uow.dead_letter(
        reason=reason,
        message=message,
        original_topic=record.topic,
        original_key=record.key,
        original_value=record.value,
        original_headers=list(record.headers or ()),
        partition=record.partition,
        offset=record.offset,
        topic=topic,
    )


@dataclass(frozen=True)
class ConsumerSpec:
    service: str
    group_id: str
    uow_factory: Callable[[], UnitOfWork]
    max_attempts: int = 3
    retry_base_seconds: float = 0.2
    max_records: int = 500
    batch_timeout_ms: int = 50
    fetch_max_wait_ms: int = 100
    rejecter: Rejecter = dead_letter_record


def per_event(handler: Handler) -> BatchHandler:
    """Run a per-event handler over a batch; a ``Rejected`` rolls the batch back (slow path rejects it)."""

    async def batch(events: list[CloudEvent], uow: Any) -> list[Rejection]:
        for event in events:
            bind_event(event)
            await handler(event, uow)
        return []

    batch.__name__ = handler.__name__
    return batch


@dataclass(frozen=True)
class Route:
    """One topic's handler inside a service's consumer. ``model``: the payload model of a typed route;
    ``raw``: ``handler`` is a ``RecordsHandler`` (records as they are, no envelope, no inbox)."""

    topic: str
    handler: BatchHandler | RecordsHandler
    spec: ConsumerSpec
    description: str | None = None
    model: type[Any] | None = None
    raw: bool = False

    @property
    def inbox(self) -> str:
        """The inbox consumer name of the route's events: ``<service>:<handler name>`` (``Runtime.subscribe``'s
        ``name`` when given)."""
        return f"{self.spec.service}:{self.handler.__name__}"
