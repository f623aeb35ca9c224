from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from dvckit.production import is_default, secret_problems
from dvckit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DOSSIER_", extra="ignore")

    service_name: str = "dossier"
    max_body_bytes: int = 8 * 1024 * 1024  # a full HTTP ingest batch: 1,000 agency events
    http_port: int = 8002
    saga_payment_expiry_seconds: int = 90 * 60  # a fee not paid within 90 minutes cancels the saga
    # HTTP ingest admission (dvc_dossier.domain.intake): reports accepted and not yet applied, at most about
    # this many (0: no bound); past it agencies get 429 + Retry-After, the busiest first.
    ingest_max_backlog: int = 50_000
    # ingest batches this instance works on at once, the others wait their turn: 1 keeps the apply rate up with
    # the intake (32 agencies posting: 2,628/s accepted and applied alike; unbounded, 9,142/s accepted and
    # 757/s applied while they posted — the consumer starved of the event loop; services/dossier/README.md)
    ingest_concurrency: int = 1
    ingest_fair_window_seconds: float = 10.0  # "lately", for each agency's share of the intake
    ingest_sample_seconds: float = 0.5  # how often the backlog is measured

    # Citizens' documents (services/dossier/README.md, Documents). The store: file://<dir> (the embedded default,
    # one host) or s3://<bucket>[/<prefix>] with the endpoint, region and credentials below (any S3-compatible
    # store; without credentials boto3's own chain: environment, instance role).
    documents_store: str = "file://.run/dossier-documents"
    documents_s3_endpoint: str | None = None
    documents_s3_region: str | None = None
    documents_s3_access_key: str | None = None
    documents_s3_secret_key: SecretStr | None = None
    documents_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024)  # per file
    documents_max_unattached: int = Field(
        default=50, ge=1
    )  # uploads a citizen holds that no dossier uses yet
    # download links: HMAC-SHA256 key and lifetime; the base URL the links start with (default: the request's)
    documents_link_secret: SecretStr = SecretStr("dev-dossier-documents-link-secret")
    documents_link_seconds: int = Field(default=600, ge=10, le=24 * 3600)
    documents_link_base_url: str | None = None
    # an upload no submission took within this many hours is deleted (row and object) by a background sweep that
    # runs every documents_sweep_seconds
    documents_unattached_hours: float = Field(default=24, gt=0, le=24 * 90)
    documents_sweep_seconds: float = Field(default=600, ge=1)

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        problems += secret_problems(self, "DOSSIER_", ["documents_link_secret"]) or (
            ["DOSSIER_DOCUMENTS_LINK_SECRET is shorter than 32 characters"]
            if len(self.documents_link_secret.get_secret_value()) < 32
            else []
        )
        if is_default(self, "documents_store"):
            problems.append(
                "DOSSIER_DOCUMENTS_STORE is the development directory (.run/): name an s3:// bucket or a "
                "file:// directory on a kept, backed-up volume"
            )
        return problems
