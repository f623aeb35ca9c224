"""Settings of the citizens' portal (``PORTAL_*``): where the other services answer, the session, the
development sign-in switch. Production refuses the development values (dvckit.production)."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from dvckit.accounts import AccountSettings
from dvckit.client_ip import TrustedProxies
from dvckit.production import secret_problems
from dvckit.settings import ServiceSettings

# The procedures the home page shows first (codes of the seed catalog; a code the catalog lacks is skipped).
DEFAULT_POPULAR = [
    "GPLX-DOI-L4",
    "DKX-OTO",
    "XLVP-GTDB",
    "CT-BAN-SAO-DT",
    "HT-KHAI-SINH",
    "LLTP-CAP-PHIEU",
]


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PORTAL_", extra="ignore")

    service_name: str = "portal"
    http_port: int = 8006
    # the other services' public APIs (nothing else: the portal reads no other database)
    catalog_url: str = "http://127.0.0.1:8001"
    dossier_url: str = "http://127.0.0.1:8002"
    payment_url: str = "http://127.0.0.1:8003"
    feedback_url: str = "http://127.0.0.1:8004"
    notify_url: str = "http://127.0.0.1:8005"  # the citizen's own SMS opt-out
    upstream_timeout_seconds: float = 8.0
    # a submission's documents (forwarded to the dossier service, which checks and keeps them): the size of each
    # file, as the dossier service's DOSSIER_DOCUMENTS_MAX_BYTES (a larger file is refused here, unsent)
    documents_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    popular: list[str] = Field(default_factory=lambda: list(DEFAULT_POPULAR))
    popular_cache_seconds: float = 60.0
    # The citizen's session: a random id in an HttpOnly cookie; the bearer token stays on the server,
    # encrypted with a key derived from session_secret (a leaked table gives no usable token).
    session_hours: float = 8.0
    session_secret: SecretStr = SecretStr("dev-only-portal-session-secret-not-for-production")
    cookie_secure: bool = False  # Secure cookies: set behind HTTPS (production refuses false)
    # Development sign-in: mint a citizen token with the local development keys (as `make token ROLE=citizen`)
    # until SSO (VNeID) is connected. Refused in production.
    dev_sign_in: bool = True
    dev_keys_dir: str = ".run/dev-jwt"
    # Sign-in with an OpenID Provider (authorization code + PKCE S256; Keycloak under `make run`): the issuer
    # URL alone (its /.well-known/openid-configuration gives the endpoints and keys), this portal's client.
    # When set, "Đăng nhập" goes to the provider and the development sign-in is off.
    oidc_issuer: str = ""
    oidc_client_id: str = "portal"
    oidc_client_secret: SecretStr = SecretStr("")
    oidc_scope: str = "openid"
    # This site's public base URL (https://dichvucong.example.vn) for the redirect URIs (the callback
    # <public_url>/dang-nhap/oidc/callback, registered at the provider; after logout <public_url>/); empty:
    # the request's
    public_url: str = ""
    oidc_timeout_seconds: float = 10.0
    # the access token is refreshed when it has less than this left (Keycloak's live 5 minutes)
    oidc_refresh_margin_seconds: float = 30.0
    # Behind an ingress: its address ranges, so the citizen's address (not the ingress's) is the one
    # forwarded to the services that rate-limit per client (payment's fine lookup).
    trusted_proxies: str = ""
    # the pseudonymous account id of the sign-in events (ACCOUNTS_PSEUDONYM_KEY, one per deployment)
    accounts: AccountSettings = Field(default_factory=AccountSettings)

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_parse(cls, value: str) -> str:
        TrustedProxies.parse(value)
        return value

    @field_validator(
        "catalog_url", "dossier_url", "payment_url", "feedback_url", "notify_url", "oidc_issuer", "public_url"
    )
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def oidc(self) -> bool:
        """Whether citizens sign in with the OpenID Provider."""
        return bool(self.oidc_issuer)

    @property
    def dev_sign_in_enabled(self) -> bool:
        """The development sign-in: only when switched on and no provider is configured."""
        return self.dev_sign_in and not self.oidc

    @property
    def proxies(self) -> TrustedProxies:
        return TrustedProxies.parse(self.trusted_proxies)

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        if self.dev_sign_in:
            problems.append(
                "PORTAL_DEV_SIGN_IN is true: anyone could sign in as any citizen with the development keys"
            )
        if not self.cookie_secure:
            problems.append(
                "PORTAL_COOKIE_SECURE is false: the citizens' session cookie would travel over HTTP"
            )
        if self.oidc and not self.oidc_issuer.startswith("https://"):
            problems.append("PORTAL_OIDC_ISSUER is not https: codes and tokens would travel in clear")
        if self.oidc and not self.oidc_client_secret.get_secret_value():
            problems.append("PORTAL_OIDC_CLIENT_SECRET is empty")
        problems += self.accounts.production_problems()
        problems += secret_problems(self, "PORTAL_", ["session_secret"]) or (
            ["PORTAL_SESSION_SECRET is shorter than 32 characters"]
            if len(self.session_secret.get_secret_value()) < 32
            else []
        )
        return problems
