"""Production refuses development settings: with DVC_ENV=production a service will not start while a secret is
missing or still the repository's value, a sandbox or fake gateway is on, a cookie is not Secure, the database
is SQLite or the tokens would be checked against the local development keys — one log line names the setting."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from typing import Any

import pytest
from pydantic import SecretStr

from dvckit.accounts import AccountSettings
from dvckit.production import RefusedInProduction
from dvckit.settings import AuthSettings

SERVICES = ("catalog", "dossier", "payment", "feedback", "notify", "reporting")
FIRST_OWN_PROBLEM = {
    "payment": "PAYMENT_SANDBOX_ENABLED",
    "notify": "NOTIFY_PROVIDERS includes sandbox",
    "reporting": "REPORTING_COOKIE_SECURE",
}
PROD_DB = "postgresql+asyncpg://dvc@db.internal/{}"
PROD_AUTH = AuthSettings(jwks_url="https://id.dichvucong.gov.vn/realms/dvc/protocol/openid-connect/certs")


def _settings(service: str, **values: Any) -> Any:
    module = importlib.import_module(f"dvc_{service}.config")
    return module.Settings(**values)


def _app(service: str) -> Any:
    return importlib.import_module(f"dvc_{service}.entrypoints.app").create_app


def _production_values(service: str) -> dict[str, Any]:
    values: dict[str, Any] = {"database_url": PROD_DB.format(service), "auth": PROD_AUTH}
    if service == "payment":
        values |= {
            "sandbox_enabled": False, "public_base_url": "https://dichvucong.gov.vn/thanh-toan",
            "portal_url": "https://dichvucong.gov.vn",
            "vnpay_hash_secret": SecretStr("vnpay-" + "x" * 24), "vnpay_pay_url": "https://pay.vnpay.vn/vpcpay.html",
            "vnpay_api_url": "https://merchant.vnpay.vn/merchant_webapi/api/transaction",
            "momo_access_key": "momo-access-real", "momo_secret_key": SecretStr("momo-" + "y" * 24),
            "momo_endpoint": "https://payment.momo.vn", "paygov_secret": SecretStr("paygov-" + "z" * 24),
            "paygov_endpoint": "https://api.paygov.vn", "pay_link_secret": SecretStr("paylink-" + "p" * 32),
        }  # fmt: skip
    if service == "dossier":  # documents in a bucket, links signed with a real key
        values |= {
            "documents_store": "s3://dvc-documents",
            "documents_link_secret": SecretStr("links-" + "d" * 32),
        }
    if service == "notify":
        values |= {
            "providers": ["gw-rest", "kafka"], "fake_gateways": False, "gw_rest_url": "https://sms.example.vn/api",
            "gw_rest_api_key": "rest-key-real", "gw_rest_callback_secret": "rest-callback-real",
        }  # fmt: skip
    if service == "reporting":  # operators sign in at the provider (no token-paste page in production)
        values |= {
            "cookie_secure": True, "oidc_issuer": "https://id.dichvucong.gov.vn/realms/dvc",
            "oidc_client_secret": SecretStr("reporting-" + "s" * 24),
            "accounts": AccountSettings(pseudonym_key="accounts-" + "k" * 32),  # the sign-in events' ids
        }  # fmt: skip
    return values


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DVC_ENV", "production")


@pytest.mark.parametrize("service", SERVICES)
def test_the_development_defaults_are_refused_in_production(production: None, service: str) -> None:
    with pytest.raises(RefusedInProduction) as refused:
        _app(service)(_settings(service))
    problems = refused.value.problems
    assert any("DATABASE_URL is not PostgreSQL" in p for p in problems)
    assert any(p.startswith("AUTH_JWKS_URL is not set") for p in problems)
    if service == "reporting":  # the operators' sign-in events would be pseudonymised with a published key
        assert "ACCOUNTS_PSEUDONYM_KEY is the development value" in problems
    if service in FIRST_OWN_PROBLEM:
        assert any(FIRST_OWN_PROBLEM[service] in p for p in problems), problems
    assert refused.value.code == 78


@pytest.mark.parametrize("service", SERVICES)
def test_production_settings_start(production: None, service: str) -> None:
    settings = _settings(service, **_production_values(service))
    assert settings.production_problems() == []
    assert _app(service)(settings) is not None


def test_documents_refuse_the_development_store_and_link_key(production: None) -> None:
    problems = _settings("dossier", **_production_values("dossier") | {
        "documents_store": "file://.run/dossier-documents",
        "documents_link_secret": SecretStr("dev-dossier-documents-link-secret")}).production_problems()  # fmt: skip
    assert problems == [
        "DOSSIER_DOCUMENTS_LINK_SECRET is the development value",
        "DOSSIER_DOCUMENTS_STORE is the development directory (.run/): name an s3:// bucket or a file:// "
        "directory on a kept, backed-up volume",
    ]
    short = _production_values("dossier") | {"documents_link_secret": SecretStr("short")}
    assert _settings("dossier", **short).production_problems() == [
        "DOSSIER_DOCUMENTS_LINK_SECRET is shorter than 32 characters"
    ]
    on_a_volume = _production_values("dossier") | {"documents_store": "file:///var/lib/dvc/documents"}
    assert _settings("dossier", **on_a_volume).production_problems() == []


def test_a_repository_secret_is_refused_even_with_everything_else_right(production: None) -> None:
    values = _production_values("payment") | {"momo_secret_key": SecretStr("dvc-sandbox-momo-secret-0001")}
    with pytest.raises(RefusedInProduction) as refused:
        _app("payment")(_settings("payment", **values))
    assert refused.value.problems == ["PAYMENT_MOMO_SECRET_KEY is the development value"]


@pytest.mark.parametrize("env", ["development", "test"])
def test_development_and_test_keep_make_run_easy(monkeypatch: pytest.MonkeyPatch, env: str) -> None:
    monkeypatch.setenv("DVC_ENV", env)
    assert _app("payment")(_settings("payment")) is not None


def test_the_real_process_exits_with_one_line_naming_the_setting() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAYMENT_", "DVC_CLOCK"))}
    env |= {"DVC_ENV": "production", "PAYMENT_DATABASE_URL": PROD_DB.format("payment"),
            "AUTH_JWKS_URL": PROD_AUTH.jwks_url or ""}  # fmt: skip
    code = "from dvc_payment.entrypoints.app import create_app; create_app()"
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 78
    refused = [line for line in (run.stdout + run.stderr).splitlines() if "production.refused" in line]
    assert len(refused) == 1 and "PAYMENT_SANDBOX_ENABLED is true" in refused[0], run.stderr[-2000:]


def test_an_unknown_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DVC_ENV", "prod")
    with pytest.raises(RefusedInProduction, match="not one of development, test, production"):
        _app("catalog")(_settings("catalog"))
