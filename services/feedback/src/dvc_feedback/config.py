from pydantic import Field
from pydantic_settings import SettingsConfigDict

from dvckit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FEEDBACK_", extra="ignore")

    service_name: str = "feedback"
    http_port: int = 8004
    response_working_days: int = Field(
        default=10,
        ge=1,
        description="response deadline, in Vietnamese working days (weekends and public holidays skipped)",
    )
    reopen_window_days: int = Field(
        default=7, ge=1, description="days after an answer the citizen may reopen"
    )
    duplicate_window_days: int = Field(
        default=30, ge=1, description="how far back likely duplicates are sought"
    )
    duplicate_threshold: float = Field(default=0.75, gt=0, le=1)
    scheduler_interval_seconds: float = Field(default=30.0, gt=0, description="overdue scan and auto-close")
