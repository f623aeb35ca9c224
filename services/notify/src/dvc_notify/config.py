from pydantic import BaseModel, Field
from pydantic_settings import SettingsConfigDict

from dvckit.production import secret_problems
from dvckit.settings import ServiceSettings


class LimitSettings(BaseModel):
    """A sending service's limits: token bucket (rate, burst) and messages per Vietnamese day."""

    rate_per_second: float = Field(gt=0)
    burst: float = Field(ge=1)
    daily: int = Field(ge=0)


class Settings(ServiceSettings):
    """NOTIFY_* environment variables (lists and dicts as JSON, e.g. NOTIFY_PROVIDERS='["gw-rest","kafka"]')."""

    model_config = SettingsConfigDict(env_prefix="NOTIFY_", extra="ignore")

    service_name: str = "notify"
    http_port: int = 8005
    # Where gateways call back with delivery receipts; default http://127.0.0.1:<http_port>.
    public_url: str = ""
    brandname: str = "CONG DVC"

    # Providers in priority order (failover goes down the list), and per-network routes in front of it.
    providers: list[str] = Field(default_factory=lambda: ["sandbox", "gw-rest", "gw-form", "kafka"])
    carrier_routes: dict[str, list[str]] = Field(default_factory=dict)

    # Consumer (one for all topics): how long to wait for records before handling what came
    consumer_batch_timeout_ms: int = 20
    consumer_fetch_max_wait_ms: int = 100

    # Sender
    sender_batch_size: int = 500
    sender_idle_seconds: float = 0.05
    sender_http_concurrency: int = 64
    max_attempts: int = 5
    retry_base_seconds: float = 2.0
    retry_cap_seconds: float = 300.0
    claim_timeout_seconds: float = 60.0  # a "sending" row older than this is from a crashed sender
    hold_seconds: float = 1.0  # wait when every candidate provider is failing over

    # Failover (sliding window per provider)
    failover_window_seconds: float = 60.0
    failover_min_samples: int = 20
    failover_error_threshold: float = 0.5
    failover_cooldown_seconds: float = 30.0
    failover_drift_seconds: float = 60.0
    failover_initial_share: float = 0.1

    # Limits per sending service (dossier, payment, feedback, or whoever sends sms-requested)
    default_limit: LimitSettings = LimitSettings(rate_per_second=500, burst=1000, daily=2_000_000)
    service_limits: dict[str, LimitSettings] = Field(default_factory=dict)

    # The send API for integrators: the price of one SMS segment (previews and notifications show the cost),
    # and each key's request rate (a token bucket per key and process; over it: 429).
    sms_segment_price_vnd: int = Field(default=800, ge=0)
    api_key_rate_per_second: float = Field(default=50, gt=0)
    api_key_burst: float = Field(default=100, ge=1)

    # HTTP brandname gateways. Without a URL, a local fake gateway is started in-process when
    # fake_gateways is true (make run, tests); set the URLs and secrets, and fake_gateways=false, in production.
    fake_gateways: bool = True
    http_timeout_seconds: float = 5.0
    gw_rest_url: str = ""
    gw_rest_api_key: str = "dev-rest-api-key"
    gw_rest_callback_secret: str = "dev-rest-callback-secret"
    gw_form_url: str = ""
    gw_form_user: str = "congdvc"
    gw_form_secret: str = "dev-form-secret"

    def callback_base(self) -> str:
        return (self.public_url or f"http://127.0.0.1:{self.http_port}").rstrip("/")

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        if "sandbox" in self.providers:
            problems.append("NOTIFY_PROVIDERS includes sandbox: SMS would be recorded, not sent")
        if self.fake_gateways:
            problems.append("NOTIFY_FAKE_GATEWAYS is true: in-process fake gateways would answer")
        if "gw-rest" in self.providers:
            problems += secret_problems(
                self, "NOTIFY_", ["gw_rest_url", "gw_rest_api_key", "gw_rest_callback_secret"]
            )
        if "gw-form" in self.providers:
            problems += secret_problems(self, "NOTIFY_", ["gw_form_url", "gw_form_secret"])
        return problems
