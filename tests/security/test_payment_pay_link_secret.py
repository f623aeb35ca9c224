"""Pay links are signed with PAYMENT_PAY_LINK_SECRET: production refuses the repository's development value, a
missing one and a short one (the other payment secrets are checked in test_production_settings)."""

from __future__ import annotations

from pydantic import SecretStr

from dvc_payment.config import Settings

REAL = SecretStr("k8s-secret-" + "q" * 32)


def _pay_link_problems(settings: Settings) -> list[str]:
    return [p for p in settings.production_problems() if p.startswith("PAYMENT_PAY_LINK_SECRET")]


def test_the_development_pay_link_secret_is_refused_in_production() -> None:
    assert _pay_link_problems(Settings()) == ["PAYMENT_PAY_LINK_SECRET is the development value"]
    assert _pay_link_problems(Settings(pay_link_secret=SecretStr(""))) == [
        "PAYMENT_PAY_LINK_SECRET is missing"
    ]
    short = Settings(pay_link_secret=SecretStr("short-but-not-the-default"))
    assert _pay_link_problems(short) == ["PAYMENT_PAY_LINK_SECRET is shorter than 32 characters"]
    assert _pay_link_problems(Settings(pay_link_secret=REAL)) == []


def test_the_secret_is_never_shown() -> None:
    assert "q" * 32 not in repr(Settings(pay_link_secret=REAL))
