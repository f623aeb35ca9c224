"""Typed subscriptions: a handler names the event model it takes, the kit does the rest.

``runtime.subscribe(FeePaidV1, on_fee_paid)``: the topic is the model's ``ce_type`` (dvc_contracts.events,
the one mapping from event type to topic); the kit validates each payload once, before the handler runs, and
sends a record that is not a valid ``FeePaidV1`` (another CloudEvent type, a bad field) to the route's
rejected/dead-letter path with the reason (``unknown_type`` / ``invalid_payload``), alone: the other events of
the batch are handled, nothing blocks the partition. The handler gets ``Event[FeePaidV1]`` (the typed payload
and the envelope fields), a batch handler a ``list[Event[FeePaidV1]]``::

    async def on_fee_paid(event: Event[FeePaidV1], uow: DossierUnitOfWork) -> None:
        saga = await uow.sagas.for_payment(event.data.payment_id)
        ...

    async def on_status_changed(events: list[Event[DossierStatusChangedV1]], uow) -> list[Rejection]:
        ...

Tests and callers outside a consumer build one with ``Event.of(cloud_event, FeePaidV1)`` (or ``Event.parse``:
the model of the CloudEvent's own type).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

import structlog

from dvc_contracts import topics
from dvc_contracts.envelope import CloudEvent
from dvc_contracts.events import EVENT_MODELS, EventPayload, PayloadError, parse_as
from dvckit.logging import get_logger

log = get_logger("dvckit.consumer")

P = TypeVar("P", bound=EventPayload)


@dataclass(slots=True)
class Event(Generic[P]):
    """One consumed event: ``data`` is its validated payload; ``envelope`` the CloudEvent it came in. (Not
    frozen: a frozen dataclass costs a ``object.__setattr__`` per field on the hot path; treat it as read-only.)"""

    data: P
    envelope: CloudEvent

    @classmethod
    def of(cls, envelope: CloudEvent, model: type[P]) -> Event[P]:
        """Validate ``envelope`` as ``model`` (raises ``PayloadError``): for tests and non-consumer callers."""
        return cls(parse_as(envelope, model), envelope)

    @staticmethod
    def parse(envelope: CloudEvent) -> Event[Any]:
        """``envelope`` as the model of its own CloudEvent type (raises ``PayloadError``)."""
        model = EVENT_MODELS.get(envelope.type)
        if model is None:
            raise PayloadError("unknown_type", f"type: no payload model for event type {envelope.type!r}")
        return Event(parse_as(envelope, model), envelope)

    @property
    def id(self) -> str:
        return self.envelope.id

    @property
    def type(self) -> str:
        return self.envelope.type

    @property
    def source(self) -> str:
        return self.envelope.source

    @property
    def time(self) -> datetime | None:
        return self.envelope.time

    @property
    def subject(self) -> str | None:
        """The aggregate id (the Kafka key)."""
        return self.envelope.subject

    @property
    def correlationid(self) -> str | None:
        return self.envelope.correlationid

    @property
    def causationid(self) -> str | None:
        return self.envelope.causationid


@dataclass(frozen=True)
class Rejection:
    """Returned by a batch handler for an event it did not apply (and wrote nothing for)."""

    event_id: str
    reason: str
    message: str
    topic: str = topics.DEAD_LETTER


EventHandler = Callable[[Event[P], Any], Awaitable[None]]
EventsHandler = Callable[[list[Event[P]], Any], Awaitable[list[Rejection]]]
BatchHandler = Callable[[list[CloudEvent], Any], Awaitable[list[Rejection]]]


def validate(
    events: Sequence[CloudEvent], model: type[P], rejected_topic: str = topics.DEAD_LETTER
) -> tuple[list[Event[P]], list[Rejection]]:
    """Each event as ``model``, or why not (once, for every handler of the route)."""
    typed: list[Event[P]] = []
    rejections: list[Rejection] = []
    for event in events:
        try:
            typed.append(Event(parse_as(event, model), event))
        except PayloadError as exc:
            rejections.append(Rejection(event.id, exc.reason, exc.message, rejected_topic))
    if rejections:
        log.warning(
            "consumer.payloads_refused",
            model=model.__name__,
            count=len(rejections),
            reason=rejections[0].reason,
            detail=rejections[0].message[:300],
        )
    return typed, rejections


def bind_event(event: CloudEvent) -> None:
    structlog.contextvars.bind_contextvars(
        correlation_id=event.correlationid or event.id, event_id=event.id, event_type=event.type
    )


def _named(batch: BatchHandler, handler: Callable[..., Any], name: str | None) -> BatchHandler:
    # the inbox consumer name is "<service>:<name>", the handler's own name unless one is given: unchanged by
    # the typing layer
    batch.__name__ = name or handler.__name__
    batch.__doc__ = handler.__doc__
    return batch


def typed_events(
    model: type[P],
    handler: EventsHandler[P],
    rejected_topic: str = topics.DEAD_LETTER,
    name: str | None = None,
) -> BatchHandler:
    """A kit batch handler that validates the batch as ``model`` and hands the valid part to ``handler``."""

    async def batch(events: list[CloudEvent], uow: Any) -> list[Rejection]:
        typed, rejections = validate(events, model, rejected_topic)
        if typed:
            rejections += await handler(typed, uow)
        return rejections

    return _named(batch, handler, name)


def typed_each(
    model: type[P],
    handler: EventHandler[P],
    rejected_topic: str = topics.DEAD_LETTER,
    name: str | None = None,
) -> BatchHandler:
    """A kit batch handler that validates the batch as ``model`` and calls ``handler`` once per valid event
    (a ``Rejected`` it raises rolls the batch back; the consumer then handles the records one by one)."""

    async def batch(events: list[CloudEvent], uow: Any) -> list[Rejection]:
        typed, rejections = validate(events, model, rejected_topic)
        for event in typed:
            bind_event(event.envelope)
            await handler(event, uow)
        return rejections

    return _named(batch, handler, name)
