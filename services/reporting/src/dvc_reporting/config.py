from urllib.parse import urlparse

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from dvckit.accounts import AccountSettings
from dvckit.production import secret_problems
from dvckit.settings import ServiceSettings

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")

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
    # The session cookie is Secure except when the dashboard is reached over plain HTTP on a loopback address
    # (make run, tests); true forces it everywhere (behind a TLS-terminating proxy, which production requires).
    cookie_secure: bool = False
    # Operators sign in through the OpenID Provider (authorization code + PKCE S256): its issuer URL (discovery
    # at <issuer>/.well-known/openid-configuration), this client's id and secret. Unset: development only, the
    # login page takes a pasted operator token instead (production refuses that).
    oidc_issuer: str | None = None
    oidc_client_id: str = "reporting"
    oidc_client_secret: SecretStr = SecretStr("")
    oidc_scope: str = "openid"
    # where the provider sends the browser back: default <the request's own origin>/auth/callback; set it when
    # a proxy rewrites the host (it must be one of the client's redirect URIs at the provider)
    oidc_redirect_uri: str | None = None
    oidc_timeout_seconds: float = 10.0
    # the access token is renewed with the refresh token this many seconds before it expires (or half its
    # lifetime, if shorter); a provider that cannot be reached keeps the session this long past the expiry
    oidc_refresh_before_seconds: float = 60.0
    oidc_unreachable_grace_seconds: float = 120.0
    # the pseudonymous account id of the operators' sign-in events (ACCOUNTS_PSEUDONYM_KEY, one per deployment)
    accounts: AccountSettings = Field(default_factory=AccountSettings)

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer)

    def production_problems(self) -> list[str]:
        problems = super().production_problems() + self.accounts.production_problems()
        if not self.cookie_secure:
            problems.append(
                "REPORTING_COOKIE_SECURE is false: the operators' session cookie would travel over HTTP"
            )
        if not self.oidc_issuer:
            problems.append(
                "REPORTING_OIDC_ISSUER is not set: operators would sign in by pasting a bearer token "
                "(development only)"
            )
        else:
            problems += secret_problems(self, self.env_prefix, ["oidc_client_secret"])
            if urlparse(self.oidc_issuer).scheme != "https":
                problems.append("REPORTING_OIDC_ISSUER is not https: tokens and codes would travel in clear")
        return problems
