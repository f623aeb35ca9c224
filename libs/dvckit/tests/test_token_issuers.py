"""Beside an OpenID Provider (make run with Keycloak), development also trusts `make token`'s keys — for their
own issuer and audience only; production refuses that setting. Tokens carry the level of assurance."""

from __future__ import annotations

from pathlib import Path

import pytest

from dvckit.auth.jwt import DEV_ISSUER, TokenError, TokenVerifier, issue_token, load_or_create_dev_keys
from dvckit.settings import AuthSettings, ServiceSettings

IDP = "http://127.0.0.1:8080/realms/dvc"


def _verifier(tmp_path: Path, *, dev: bool) -> TokenVerifier:
    load_or_create_dev_keys(tmp_path / "idp")
    load_or_create_dev_keys(tmp_path / "dev")
    auth = AuthSettings(
        jwks_file=str(tmp_path / "idp" / "jwks.json"),
        jwks_url=None,
        issuer=IDP,
        audience="dossier",
        dev_jwks_file=str(tmp_path / "dev" / "jwks.json") if dev else None,
    )
    return TokenVerifier.from_settings(auth)


def test_provider_and_dev_tokens_each_for_their_own_issuer(tmp_path: Path) -> None:
    verifier = _verifier(tmp_path, dev=True)
    idp, dev = load_or_create_dev_keys(tmp_path / "idp"), load_or_create_dev_keys(tmp_path / "dev")
    from_idp = issue_token(idp, sub="u1", role="citizen", issuer=IDP, audience="dossier", loa=1)
    principal = verifier.verify(from_idp)
    assert (principal.sub, principal.loa) == ("u1", 1)
    assert verifier.verify(issue_token(dev, sub="u2", role="citizen")).loa == 2  # make token: loa 2
    with pytest.raises(TokenError):  # the dev key cannot sign for the provider's issuer
        verifier.verify(issue_token(dev, sub="u3", role="citizen", issuer=IDP, audience="dossier"))
    with pytest.raises(TokenError):  # nor the provider's key for the dev issuer
        verifier.verify(issue_token(idp, sub="u4", role="citizen", issuer=DEV_ISSUER, audience=DEV_ISSUER))
    with pytest.raises(TokenError):  # another service's audience
        verifier.verify(issue_token(idp, sub="u5", role="citizen", issuer=IDP, audience="payment"))


def test_without_the_dev_setting_dev_tokens_are_refused(tmp_path: Path) -> None:
    verifier = _verifier(tmp_path, dev=False)
    with pytest.raises(TokenError):
        verifier.verify(issue_token(load_or_create_dev_keys(tmp_path / "dev"), sub="u", role="citizen"))


def test_production_refuses_the_dev_key_set() -> None:
    auth = AuthSettings(jwks_url="https://id.example/certs", dev_jwks_file=".run/dev-jwt/jwks.json")
    problems = ServiceSettings(database_url="postgresql+asyncpg://x/y", auth=auth).production_problems()
    assert any("AUTH_DEV_JWKS_FILE" in p for p in problems)
