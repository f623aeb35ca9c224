"""Reporting handlers: one typed batch handler for every event type (the kit validates the payloads and refuses a
bad one to the dead-letter topic, the rest of the batch goes on) folds the events into the read model. The
dead-letter topic is not CloudEvents: its records are stored as they are."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dvc_reporting.adapters import orm
from dvc_reporting.adapters.store import ReadModelStore
from dvc_reporting.domain.projection.health import dead_letter_row
from dvc_reporting.service.uow import ReportingUnitOfWork
from dvckit.messaging.consumer import Record
from dvckit.messaging.typed import Event, Rejection


async def project(events: list[Event[Any]], uow: ReportingUnitOfWork) -> list[Rejection]:
    """Events of any type the read model is built from, folded into it by the projector (subscribed once per
    type, each under its own inbox name: entrypoints/subscriptions.py)."""
    uow.touched(await uow.projector.apply([(event.id, event.data) for event in events]))
    return []


async def on_dead_letters(records: Sequence[Record], uow: ReportingUnitOfWork) -> None:
    """Records any service dead-lettered (reason, original topic, service), stored by their position in the
    topic: a repeat is a no-op without an inbox."""
    rows = [dead_letter_row(r.partition, r.offset, r.key, r.headers) for r in records]
    await ReadModelStore(uow.session).insert_ignore(orm.dead_letters, rows)
    uow.touched({"pipeline"})
