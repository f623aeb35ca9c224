from pydantic_settings import SettingsConfigDict

from dvckit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DOSSIER_", extra="ignore")

    service_name: str = "dossier"
    max_body_bytes: int = 8 * 1024 * 1024  # a full HTTP ingest batch: 1,000 agency events
    http_port: int = 8002
    saga_payment_expiry_seconds: int = 90 * 60  # a fee not paid within 90 minutes cancels the saga
