from pydantic import Field
from pydantic_settings import SettingsConfigDict

from dvckit.settings import ServiceSettings

# Where the other services answer under `make run` (their /metrics give the outbox backlog).
DEFAULT_SERVICE_URLS = {
    "catalog": "http://127.0.0.1:8001",
    "dossier": "http://127.0.0.1:8002",
    "payment": "http://127.0.0.1:8003",
    "feedback": "http://127.0.0.1:8004",
    "notify": "http://127.0.0.1:8005",
}


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REPORTING_", extra="ignore")

    service_name: str = "reporting"
    http_port: int = 8000
    # pipeline health: other services' /metrics (JSON object in REPORTING_SERVICE_URLS) and consumer groups
    service_urls: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_SERVICE_URLS))
    lag_groups: list[str] = Field(
        default_factory=lambda: ["dvc-catalog", "dvc-dossier", "dvc-payment", "dvc-feedback", "dvc-notify"]
    )
    pipeline_interval_seconds: float = 10.0
    metrics_interval_seconds: float = 15.0
    # server-sent events: at most one update per this many seconds per browser, a heartbeat otherwise
    live_min_interval_seconds: float = 0.5
    live_heartbeat_seconds: float = 15.0
    cookie_secure: bool = False  # set true behind HTTPS

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        if not self.cookie_secure:
            problems.append(
                "REPORTING_COOKIE_SECURE is false: the operators' session cookie would travel over HTTP"
            )
        return problems
