from pydantic_settings import SettingsConfigDict

from dvckit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CATALOG_", extra="ignore")

    service_name: str = "catalog"
    http_port: int = 8001
