"""A service's runtime, built in its app factory (never at import time): engine, broker, relay, UoW."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, Generic, TypeVar

from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from dvc_contracts import topics
from dvc_contracts.events import EventPayload
from dvckit.auth.jwt import TokenVerifier
from dvckit.db import MessagingTables, make_engine, make_sessionmaker
from dvckit.messaging.consumer import ConsumerSpec, RecordsHandler, Rejecter, Route, subscribe_routes
from dvckit.messaging.inbox import prune_inbox
from dvckit.messaging.kafka import make_broker
from dvckit.messaging.relay import OutboxRelay
from dvckit.messaging.typed import EventHandler, EventsHandler, typed_each, typed_events
from dvckit.production import refuse_development_settings
from dvckit.settings import ServiceSettings
from dvckit.uow import UnitOfWork

U = TypeVar("U", bound=UnitOfWork)
P = TypeVar("P", bound=EventPayload)


@dataclass
class Runtime(Generic[U]):
    settings: ServiceSettings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    tables: MessagingTables
    broker: KafkaBroker
    relay: OutboxRelay
    uow_class: type[U]
    subscribers: list[Any] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    instance_routes: list[Route] = field(default_factory=list)
    # topic -> (payload model, description): what the service publishes (AsyncAPI, generated READMEs)
    published: dict[str, tuple[type[Any], str | None]] = field(default_factory=dict)
    _finalized: bool = False

    def uow(self) -> U:
        return self.uow_class(
            self.sessionmaker, self.tables, service=self.settings.service_name, on_published=self.relay.wake
        )

    def consumer_spec(self, rejecter: Rejecter | None = None) -> ConsumerSpec:
        spec = ConsumerSpec(
            service=self.settings.service_name,
            group_id=self.settings.group_id,
            uow_factory=self.uow,
            max_attempts=self.settings.consumer_max_attempts,
            max_records=self.settings.consumer_max_records,
            batch_timeout_ms=self.settings.consumer_batch_timeout_ms,
            fetch_max_wait_ms=self.settings.consumer_fetch_max_wait_ms,
        )
        return replace(spec, rejecter=rejecter) if rejecter else spec

    def subscribe(
        self,
        event: type[P],
        handler: EventHandler[P],
        description: str | None = None,
        rejecter: Rejecter | None = None,
        *,
        topic: str | None = None,
        rejected_topic: str = topics.DEAD_LETTER,
        every_instance: bool = False,
        name: str | None = None,
    ) -> None:
        """``handler(Event[P], uow)`` for each event of type ``event`` (raise ``Rejected`` to refuse one).

        The topic is the model's (``event.ce_type``) unless ``topic`` names another carrying the same type
        (an agency system's own ingress). Payloads are validated once, by the kit; one that is not a valid
        ``event`` goes to ``rejected_topic`` through ``rejecter`` (default: the dead-letter topic) with the
        reason, and the rest of the batch is handled. See ``subscribe_batch`` for ``every_instance``.

        ``name``: the route's inbox name (consumer ``<service>:<name>``) instead of the handler's
        ``__name__``, for one handler subscribed under several names. The inbox deduplicates per name: an
        event id handled under one name is new under another. A route whose name changes applies again any
        event it had handled that is delivered again (the records after the last committed offset at an
        upgrade, a rewind): keep the names."""
        self._route(
            topic or event.ce_type,
            typed_each(event, handler, rejected_topic, name),
            description,
            rejecter,
            event,
            every_instance,
        )

    def subscribe_batch(
        self,
        event: type[P],
        handler: EventsHandler[P],
        description: str | None = None,
        rejecter: Rejecter | None = None,
        *,
        topic: str | None = None,
        rejected_topic: str = topics.DEAD_LETTER,
        every_instance: bool = False,
        name: str | None = None,
    ) -> None:
        """``handler(list[Event[P]], uow) -> [Rejection]`` for bulk reads and writes on hot topics;
        ``rejecter`` decides where refused records go (invalid payloads included, as in ``subscribe``).

        ``every_instance``: each running instance reads the whole topic (its own consumer group, from the
        beginning), for small read models that must be complete locally, e.g. the catalog snapshot.
        ``name``: the route's inbox name, as in ``subscribe``."""
        self._route(
            topic or event.ce_type,
            typed_events(event, handler, rejected_topic, name),
            description,
            rejecter,
            event,
            every_instance,
        )

    def subscribe_raw(self, topic: str, handler: RecordsHandler, description: str | None = None) -> None:
        """``handler(records, uow)`` for a topic that is not CloudEvents (the dead-letter topic): the records
        as they are, no envelope, no inbox (store them by their position so a repeat is a no-op). The kit
        commits; any failure redelivers the batch."""
        route = Route(topic, handler, self.consumer_spec(), description, raw=True)
        self.routes.append(route)

    def _route(
        self,
        topic: str,
        handler: Any,
        description: str | None,
        rejecter: Rejecter | None,
        model: type[Any],
        every_instance: bool,
    ) -> None:
        # Collected here, in declaration order (the order a batch's parts are handled in); finalize() (app
        # start-up) creates one consumer for each kind.
        route = Route(topic, handler, self.consumer_spec(rejecter), description, model)
        (self.instance_routes if every_instance else self.routes).append(route)

    def finalize(self) -> None:
        """Create the service's consumers (idempotent): one in the service's group for the shared topics,
        one in this instance's own group for the every-instance topics. One member per group: two members
        of one group on different topics would rebalance each other at every start."""
        if self._finalized:
            return
        if self.routes:
            self._add(self._subscribe(self.routes, None))
        if self.instance_routes:
            group = f"{self.settings.group_id}-{socket.gethostname()}-{os.getpid()}"
            self._add(self._subscribe(self.instance_routes, group))
        self._finalized = True

    def _subscribe(self, routes: list[Route], group: str | None) -> Any:
        k = self.settings.kafka
        return subscribe_routes(
            self.broker,
            routes,
            session_timeout_ms=k.session_timeout_ms,
            heartbeat_interval_ms=k.heartbeat_interval_ms,
            group_id=group,
        )

    def _add(self, sub: Any) -> Any:
        self.subscribers.append(sub)
        return sub

    async def lag(
        self, topic: str | None = None, *, processed: bool = False
    ) -> dict[tuple[str, int], int | None]:
        """Each subscriber's own lag per assigned partition (of ``topic``, or all): highwater − position, or
        with ``processed`` highwater − committed offset (what the handlers have finished, not just fetched).
        None until known."""
        out: dict[tuple[str, int], int | None] = {}
        for sub in self.subscribers:
            consumer = getattr(sub, "consumer", None)
            if consumer is None:
                continue
            for tp in consumer.assignment():
                if topic is not None and tp.topic != topic:
                    continue
                highwater = consumer.highwater(tp)
                try:
                    # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation
                    # that lands as the call returns, and the caller's loop never stops.
                    async with asyncio.timeout(1.0):
                        if processed:
                            offset = await consumer.committed(tp) or 0  # None: nothing committed yet
                        else:
                            offset = await consumer.position(tp)
                except Exception:
                    out[(tp.topic, tp.partition)] = None
                    continue
                out[(tp.topic, tp.partition)] = None if highwater is None else max(0, highwater - offset)
        return out

    async def caught_up(self, topic: str) -> bool:
        """True once this instance's subscribers of ``topic`` have *processed* (committed) everything up to
        the end of their partitions: a record fetched but still in its handler does not count."""
        lags = await self.lag(topic, processed=True)
        return bool(lags) and all(v == 0 for v in lags.values())

    async def prune_inbox(self) -> int:
        """Delete handled event ids older than ``<PREFIX>INBOX_RETENTION_DAYS`` (0: none), except those of the
        every-instance topics, which each instance reads again from the beginning at every start."""
        days = self.settings.inbox_retention_days
        if days <= 0:
            return 0
        keep = {route.topic for route in self.instance_routes}
        return await prune_inbox(
            self.sessionmaker, self.tables.inbox, older_than=timedelta(days=days), keep_topics=keep
        )

    def publishes(self, topic: str, model: type[Any], description: str | None = None) -> None:
        """Declare an event this service emits (through the outbox), for the AsyncAPI document and the README."""
        self.published[topic] = (model, description)
        self.broker.publisher(
            topic, title=f"{self.settings.service_name}:{topic}", schema=model, description=description
        )

    def token_verifier(self) -> TokenVerifier:
        return TokenVerifier.from_settings(self.settings.auth)


def build_runtime(settings: ServiceSettings, tables: MessagingTables, uow_class: type[U]) -> Runtime[U]:
    refuse_development_settings(settings.service_name, settings.production_problems())
    engine = make_engine(
        settings.effective_database_url(),
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        pre_ping=settings.database_pre_ping,
    )
    sessionmaker = make_sessionmaker(engine)
    broker = make_broker(settings.kafka, client_id=f"dvc-{settings.service_name}")
    relay = make_relay(sessionmaker, tables, settings)
    return Runtime(settings, engine, sessionmaker, tables, broker, relay, uow_class)


def make_relay(
    sessionmaker: async_sessionmaker[AsyncSession], tables: MessagingTables, settings: ServiceSettings
) -> OutboxRelay:
    """The service's outbox relay, configured from its settings (also for an app without a Runtime: portal)."""
    return OutboxRelay(
        sessionmaker,
        tables,
        settings.kafka,
        service=settings.service_name,
        batch_size=settings.relay_batch_size,
        idle_seconds=settings.relay_idle_seconds,
        retention_seconds=settings.outbox_retention_hours * 3600,
        unknown_topic_seconds=settings.relay_unknown_topic_seconds,
    )


RuntimeHook = Callable[[Runtime[Any]], None]
