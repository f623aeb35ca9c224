from pydantic_settings import SettingsConfigDict

from dvckit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DOSSIER_", extra="ignore")

    service_name: str = "dossier"
    http_port: int = 8002
    saga_payment_expiry_seconds: int = 90 * 60  # a fee not paid within 90 minutes cancels the saga
