"""Production refuses the portal's development settings (dvckit.production)."""

from __future__ import annotations

import pytest

from dvc_portal.config import Settings
from dvc_portal.entrypoints.app import create_app
from dvckit.accounts import AccountSettings
from dvckit.production import RefusedInProduction
from dvckit.settings import AuthSettings


def test_development_settings_are_named() -> None:
    problems = Settings().production_problems()
    assert any(p.startswith("PORTAL_DEV_SIGN_IN is true") for p in problems)
    assert any(p.startswith("PORTAL_COOKIE_SECURE is false") for p in problems)
    assert "PORTAL_SESSION_SECRET is the development value" in problems
    assert any(p.startswith("PORTAL_DATABASE_URL is not PostgreSQL") for p in problems)
    assert "ACCOUNTS_PSEUDONYM_KEY is the development value" in problems


def test_a_production_configuration_passes() -> None:
    settings = Settings(
        database_url="postgresql+asyncpg://portal@db/portal",
        dev_sign_in=False,
        cookie_secure=True,
        session_secret="x" * 48,
        auth=AuthSettings(jwks_url="https://sso.example.vn/jwks.json"),
        accounts=AccountSettings(pseudonym_key="k" * 40),
    )
    assert settings.production_problems() == []
    short = AccountSettings(pseudonym_key="short").production_problems()
    assert short == ["ACCOUNTS_PSEUDONYM_KEY is shorter than 32 characters"]
    assert (
        Settings(session_secret="short")
        .production_problems()
        .count("PORTAL_SESSION_SECRET is shorter than 32 characters")
        == 1
    )


def test_production_refuses_to_start_with_the_dev_sign_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DVC_ENV", "production")
    with pytest.raises(RefusedInProduction) as refused:
        create_app(Settings(database_url="postgresql+asyncpg://portal@db/portal", cookie_secure=True,
                            session_secret="x" * 48, auth=AuthSettings(jwks_url="https://sso.example.vn/jwks.json"),
                            accounts=AccountSettings(pseudonym_key="k" * 40)))  # fmt: skip
    assert refused.value.problems == [
        "PORTAL_DEV_SIGN_IN is true: anyone could sign in as any citizen with the development keys"
    ]


def test_secure_cookie_when_configured() -> None:
    assert Settings(cookie_secure=True).cookie_secure
