"""Settings: pydantic-settings, one env prefix per service, shared KAFKA_* / AUTH_* groups."""

from __future__ import annotations

import os

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class KafkaSettings(BaseSettings):
    """Read from KAFKA_* (KAFKA_BOOTSTRAP is what every service and test reads)."""

    model_config = SettingsConfigDict(env_prefix="KAFKA_", extra="ignore")

    bootstrap: str = "127.0.0.1:9092"
    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: str | None = None
    ssl_cafile: str | None = None
    ssl_certfile: str | None = None
    ssl_keyfile: str | None = None
    # Kafka's default in production; development and tests set 1000-2000 so groups form in ~1 s on Tansu.
    session_timeout_ms: int = 45000
    request_timeout_ms: int = 15000
    # The relay's idempotent producer (Apache Kafka): a retried batch is written once and keeps its place in the
    # key's order. Off only for dev brokers without it (Tansu, noida-db), which DevBroker says in the env.
    idempotence: bool = True

    @property
    def servers(self) -> list[str]:
        """The bootstrap list (``KAFKA_BOOTSTRAP`` may name several brokers, comma-separated, as a cluster needs):
        FastStream hands a single string to aiokafka as one host, so every client gets this list."""
        return [s.strip() for s in self.bootstrap.split(",") if s.strip()]

    @property
    def heartbeat_interval_ms(self) -> int:
        return max(100, self.session_timeout_ms // 4)


class AuthSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AUTH_", extra="ignore")

    jwks_file: str | None = ".run/dev-jwt/jwks.json"
    jwks_url: str | None = None
    issuer: str = "cong-dvc"
    audience: str = "cong-dvc"
    # Development beside an OpenID Provider (make run with Keycloak): `make token`'s key set is trusted too, for
    # its own issuer and audience ("cong-dvc") only. Production refuses it.
    dev_jwks_file: str | None = None


class ServiceSettings(BaseSettings):
    """Base for a service's settings. Subclasses set ``env_prefix`` (e.g. ``DOSSIER_``)."""

    model_config = SettingsConfigDict(extra="ignore")

    service_name: str = "service"
    http_port: int = 8080
    database_url: str = ""
    database_pre_ping: bool = False  # a round trip per transaction besides the free closed check (dvckit.db)
    # connections kept open, and how many more a burst may open (each closed again when returned: a new
    # server process and TLS handshake per use). Where PostgreSQL's max_connections allows, a larger pool
    # with no overflow serves a steady load of more than pool-size requests at lower cost (docs/reliability.md)
    database_pool_size: int = Field(default=10, ge=1, le=200)
    database_max_overflow: int = Field(default=10, ge=0, le=200)
    # <PREFIX>LOG_LEVEL, else the deployment-wide LOG_LEVEL, else INFO
    log_level: str = Field(default_factory=lambda: os.environ.get("LOG_LEVEL", "INFO"))
    relay_batch_size: int = 500
    relay_idle_seconds: float = 0.2
    outbox_retention_hours: float = 168.0  # sent outbox rows are deleted after this (a week)
    # a topic the broker still does not know after this long is a mistake: its rows are dead-lettered
    relay_unknown_topic_seconds: float = 600.0
    # handled event ids older than this are deleted (0: kept forever); see dvckit.messaging.inbox
    inbox_retention_days: float = 30.0
    consumer_max_attempts: int = 3
    consumer_max_records: int = 500
    consumer_batch_timeout_ms: int = 50  # how long a batch waits to fill before it is handled
    consumer_fetch_max_wait_ms: int = 100  # how long the broker may hold a fetch with nothing new
    consumer_group: str = ""  # default dvc-<service>
    broker_check_seconds: float = 5.0  # how often the broker-health signal asks the broker (dvckit.health)
    max_body_bytes: int = 2 * 1024 * 1024  # larger request bodies get 413 before they are read
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)

    @property
    def group_id(self) -> str:
        return self.consumer_group or f"dvc-{self.service_name}"

    @property
    def env_prefix(self) -> str:
        return str(self.model_config.get("env_prefix", "")).upper()

    def production_problems(self) -> list[str]:
        """The development settings production refuses (dvckit.production); services add their own."""
        problems = []
        if not self.database_url or self.database_url.startswith("sqlite"):
            problems.append(f"{self.env_prefix}DATABASE_URL is not PostgreSQL (SQLite is for make run)")
        if not self.auth.jwks_url and self.auth.jwks_file == AuthSettings().jwks_file:
            problems.append(
                "AUTH_JWKS_URL is not set: the local development keys (make token) would be trusted"
            )
        if self.auth.dev_jwks_file:
            problems.append(
                "AUTH_DEV_JWKS_FILE is set: the local development keys (make token) would be trusted"
            )
        return problems

    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///.run/{self.service_name}.db"
