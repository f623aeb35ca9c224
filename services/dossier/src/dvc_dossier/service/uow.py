from dvc_dossier.adapters.document_repository import DocumentRepository
from dvc_dossier.adapters.repository import DossierRepository, ProcedureReadModel
from dvc_dossier.adapters.saga_repository import SagaRepository
from dvckit.uow import UnitOfWork


class DossierUnitOfWork(UnitOfWork):
    payment_expiry_seconds: int = 90 * 60  # set from settings by the app factory

    @property
    def procedures(self) -> ProcedureReadModel:
        return ProcedureReadModel(self.session)

    @property
    def dossiers(self) -> DossierRepository:
        return DossierRepository(self.session)

    @property
    def sagas(self) -> SagaRepository:
        return SagaRepository(self.session)

    @property
    def documents(self) -> DocumentRepository:
        return DocumentRepository(self.session)
