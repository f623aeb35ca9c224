from __future__ import annotations

from typing import ClassVar, Self

from dvc_reporting.adapters.store import ReadModelStore
from dvc_reporting.service.live import ChangeHub
from dvc_reporting.service.projector import Projector
from dvckit.uow import UnitOfWork


class ReportingUnitOfWork(UnitOfWork):
    """The kit's unit of work plus the read-model projector; tells the live hub what changed once committed."""

    hub: ClassVar[ChangeHub | None] = None

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.projector = Projector(ReadModelStore(self.session))
        self._changed: set[str] | None = None
        return self

    def touched(self, areas: set[str]) -> None:
        """The read-model areas this transaction changes: the hub hears of them (once) after the commit."""
        changed = self._changed
        if changed is None:
            changed = self._changed = set()
            self.after_commit(lambda: self._tell_hub(self._changed or set()))
        changed |= areas

    def _tell_hub(self, changed: set[str]) -> None:
        self._changed = None
        if self.hub is not None:
            self.hub.notify(changed)

    async def rollback(self) -> None:
        await super().rollback()
        self._changed = None


def bind_hub(hub: ChangeHub) -> type[ReportingUnitOfWork]:
    """A unit-of-work class that notifies ``hub`` (one per app; built in the app factory, never at import)."""

    class BoundReportingUnitOfWork(ReportingUnitOfWork):
        pass

    BoundReportingUnitOfWork.hub = hub
    return BoundReportingUnitOfWork
