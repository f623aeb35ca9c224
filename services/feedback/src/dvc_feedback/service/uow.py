from dvc_feedback.adapters.repository import CatalogReadModel, DossierReadModel, FeedbackRepository
from dvckit.uow import UnitOfWork


class FeedbackUnitOfWork(UnitOfWork):
    @property
    def feedback(self) -> FeedbackRepository:
        return FeedbackRepository(self.session)

    @property
    def catalog(self) -> CatalogReadModel:
        return CatalogReadModel(self.session)

    @property
    def dossiers(self) -> DossierReadModel:
        return DossierReadModel(self.session)
