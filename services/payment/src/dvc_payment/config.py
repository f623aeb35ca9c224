"""Payment settings (env prefix ``PAYMENT_``). Provider credentials default to local sandbox values; in production
they come from secrets (``PAYMENT_VNPAY_HASH_SECRET`` …) and the provider URLs point at the real gateways."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from dvckit.client_ip import TrustedProxies
from dvckit.production import secret_problems
from dvckit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PAYMENT_", extra="ignore")

    service_name: str = "payment"
    http_port: int = 8003
    # How citizens' browsers and providers reach this service (e.g. https://dichvucong.gov.vn/thanh-toan).
    # Empty: taken from each request (local runs); server-to-server URLs then stay relative (in-process sandbox).
    public_base_url: str = ""
    # The citizens' portal: the result page links back to it (the dossier's page for a fee, the fines page for a
    # fine). Built here from this setting and the intent itself, never from a URL in the request: no open redirect.
    portal_url: str = "http://127.0.0.1:8006"

    # --- payment intents ---------------------------------------------------------------------------------
    payment_ttl_minutes: int = 90
    providers: str = "vnpay,momo,paygov"  # enabled providers, in the order the pay page shows them
    provider_timeout_seconds: float = 10.0
    callback_max_age_seconds: int = 900  # a signed callback older than this is refused (replay guard)
    # A pay link is shown as soon as a dossier is submitted; its payment-requested may still be on the way:
    # a checkout of an intent not known yet waits this long for it (at most that many requests at once).
    checkout_wait_seconds: float = 5.0
    checkout_max_waiters: int = 1000
    # Each checkout is a provider order that reconciliation asks about for 24 h: at most this many per intent.
    max_attempts_per_payment: int = 20
    # Pay links (/payments/{id}/pay?exp=…&sig=…) are HMAC-signed with this (the owner may use their token).
    pay_link_secret: SecretStr = SecretStr("dvc-dev-pay-link-secret-0001")

    # --- background jobs ----------------------------------------------------------------------------------
    expiry_interval_seconds: float = 1.0
    reconcile_interval_seconds: float = 30.0  # first status query of an attempt, then doubling …
    reconcile_max_interval_seconds: float = 900.0  # … up to this
    reconcile_lookback_hours: float = 24.0  # failed / expired attempts are still queried this long
    # a success its provider does not date (MoMo) first seen this long after the deadline is a late one
    undated_grace_seconds: float = Field(default=30.0, ge=0)
    refund_interval_seconds: float = 1.0
    refund_max_attempts: int = 5
    maintenance_interval_seconds: float = 300.0  # pruning of the replay guard and of rate-limit buckets
    callback_retention_days: float = 30.0  # provider_callbacks rows (the replay guard) are kept this long

    # --- webhooks for agencies (payment.succeeded / failed / expired / refunded / refund_failed) -------------
    webhook_interval_seconds: float = 1.0  # how often the sender looks for due deliveries
    webhook_timeout_seconds: float = 10.0  # per attempt (connect + answer)
    webhook_max_attempts: int = 10  # then the delivery is marked failed (still listed, with every attempt)
    webhook_backoff_base_seconds: float = 10.0  # wait after attempt n: ½..1 × min(max, base × 2^(n-1))
    webhook_backoff_max_seconds: float = 3600.0
    webhook_lease_seconds: float = 60.0  # a claimed delivery whose sender died is sent again after this
    webhook_max_endpoints: int = 5  # active endpoints per agency and province
    webhook_max_url_length: int = 500
    webhook_max_body_bytes: int = 65536  # a larger body is not sent (delivery failed: body_too_large)
    # after POST …/rotate-secret the previous secret signs too (a second v1) this long, unless the request says
    webhook_rotation_grace_seconds: float = Field(default=86400.0, ge=0, le=7 * 86400)
    # finished deliveries (delivered or failed) and their attempts are pruned this long after they were made
    webhook_log_retention_days: float = Field(default=90.0, gt=0)

    # --- traffic fines ---------------------------------------------------------------------------------
    # Early online payment discount (proposed in the seeds): percent off when paid within N days of the
    # decision (decided_at, Vietnam calendar days, inclusive). 0 disables it.
    fine_discount_percent: int = 10
    fine_discount_days: int = 15
    fines_lookup_burst: int = 20  # token bucket per client IP for /fines/lookup and /fines/{no}/pay
    fines_lookup_per_minute: float = 30.0
    # The reverse proxies in front of the service (CIDR list, e.g. "10.0.0.0/8"): X-Forwarded-For is believed
    # only from them (the right-most hop that is not one of them is the client). Empty: the TCP peer.
    trusted_proxies: str = ""

    # --- providers (dev credentials for the local sandbox) ----------------------------------------------
    vnpay_tmn_code: str = "DVCSBX01"
    vnpay_hash_secret: SecretStr = SecretStr("dvc-sandbox-vnpay-hash-secret-0001")
    vnpay_pay_url: str = "/sandbox/vnpay/pay"
    vnpay_api_url: str = "/sandbox/vnpay/merchant_webapi/api/transaction"
    momo_partner_code: str = "MOMODVC01"
    momo_access_key: str = "dvc-sandbox-momo-access"
    momo_secret_key: SecretStr = SecretStr("dvc-sandbox-momo-secret-0001")
    momo_endpoint: str = "/sandbox/momo"
    paygov_merchant_id: str = "DVC-PAYMENT"
    paygov_secret: SecretStr = SecretStr("dvc-sandbox-paygov-secret-0001")
    paygov_endpoint: str = "/sandbox/paygov"

    # --- local sandboxes of the three providers (mounted under /sandbox/<provider>/) ----------------------
    sandbox_enabled: bool = True
    sandbox_decline_rate: float = 0.0  # share of "Thanh toán" clicks the bank declines
    sandbox_callback_delay_seconds: float = 1.0  # from the click to the signed callback
    sandbox_slow_seconds: float = 20.0  # the "slow bank" scenario settles after this long
    sandbox_vnpay_ipn_url: str = "/callbacks/vnpay"  # the merchant IPN URL registered at the provider

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_parse(cls, value: str) -> str:
        TrustedProxies.parse(value)  # a typo fails at start-up, not as one shared bucket for everybody
        return value

    @field_validator("callback_retention_days")
    @classmethod
    def _retention_outlives_replays(cls, value: float) -> float:
        if value < 2:  # callbacks are fresh for 15 min and reconciliation asks for 24 h
            raise ValueError("callback_retention_days must be at least 2")
        return value

    @property
    def proxies(self) -> TrustedProxies:
        return TrustedProxies.parse(self.trusted_proxies)

    @property
    def enabled_providers(self) -> list[str]:
        return [p.strip() for p in self.providers.split(",") if p.strip()]

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        if self.sandbox_enabled:
            problems.append("PAYMENT_SANDBOX_ENABLED is true: /sandbox/* would settle any payment")
        problems += secret_problems(self, "PAYMENT_", ["pay_link_secret"]) or (
            ["PAYMENT_PAY_LINK_SECRET is shorter than 32 characters"]
            if len(self.pay_link_secret.get_secret_value()) < 32
            else []
        )
        secrets = {"vnpay": ["vnpay_hash_secret"], "momo": ["momo_access_key", "momo_secret_key"],
                   "paygov": ["paygov_secret"]}  # fmt: skip
        for provider in self.enabled_providers:
            problems += secret_problems(self, "PAYMENT_", secrets.get(provider, []))
            for url in ("pay_url", "api_url", "endpoint"):
                value = getattr(self, f"{provider}_{url}", None)
                if isinstance(value, str) and "/sandbox/" in value:
                    problems.append(f"PAYMENT_{provider.upper()}_{url.upper()} points at the local sandbox")
        if not self.public_base_url.startswith("https://"):
            problems.append("PAYMENT_PUBLIC_BASE_URL is not an https:// address")
        if not self.portal_url.startswith("https://"):
            problems.append("PAYMENT_PORTAL_URL is not an https:// address")
        return problems
