from dvc_catalog.adapters.repository import ProcedureRepository
from dvckit.uow import UnitOfWork


class CatalogUnitOfWork(UnitOfWork):
    @property
    def procedures(self) -> ProcedureRepository:
        return ProcedureRepository(self.session)
