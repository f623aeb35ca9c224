from pydantic_settings import SettingsConfigDict

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
