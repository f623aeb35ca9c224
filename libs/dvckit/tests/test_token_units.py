"""Tokens speak today's provinces (34 since 1 July 2025): a former province in a token is read as the one it
belongs to now, and the development token tool refuses to mint one, naming the current province."""

from __future__ import annotations

from pathlib import Path

import pytest

from dvckit.auth.cli import main as token_cli
from dvckit.auth.jwt import TokenVerifier, issue_token, load_or_create_dev_keys


def _verifier(keys_dir: Path) -> TokenVerifier:
    keys = load_or_create_dev_keys(keys_dir)
    return TokenVerifier(keys.jwks, issuer="cong-dvc", audience="cong-dvc")


@pytest.mark.parametrize(
    ("claim", "read_as"), [("27", "24"), ("74", "79"), ("24", "24"), ("01", "01"), ("97", "97")]
)
def test_a_province_claim_is_read_as_todays_unit(tmp_path: Path, claim: str, read_as: str) -> None:
    keys = load_or_create_dev_keys(tmp_path)
    token = issue_token(keys, sub="op", role="operator", province=claim)
    assert _verifier(tmp_path).verify(token).province == read_as


def test_the_token_tool_refuses_a_former_province_and_names_the_current_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as refused:
        token_cli(["--role", "operator", "--province", "27", "--keys", str(tmp_path)])
    assert refused.value.code == 2
    assert "nay thuộc tỉnh Bắc Ninh, mã 24" in capsys.readouterr().err
    token_cli(["--role", "operator", "--province", "24", "--keys", str(tmp_path)])
    assert capsys.readouterr().out.count(".") == 2  # a JWT
