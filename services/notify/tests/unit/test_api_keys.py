"""API keys: their shape (owner first, id and secret read from the right) and the hash that is all notify keeps."""

from __future__ import annotations

import pytest

from dvc_notify.domain.api_keys import hash_secret, new_key, parse_key, secret_matches, slug


def test_a_key_names_its_owner_and_only_a_hash_of_its_secret_is_kept() -> None:
    made = new_key("Payment refunds (prod)", "so-gtvt-01")
    assert made.key.startswith("payment_refunds_prod-so-gtvt-01-" + made.id + "-")
    parsed = parse_key(made.key)
    assert parsed is not None and parsed[0] == made.id
    assert made.secret_hash == hash_secret(parsed[1]) and parsed[1] not in made.secret_hash
    assert secret_matches(parsed[1], made.secret_hash) and not secret_matches("0" * 64, made.secret_hash)
    assert new_key("x", "payment").key != new_key("x", "payment").key
    assert slug("Hoàn phí — Đồng Tháp!") == "hoan_phi_dong_thap" and slug("!!!") == "key"


@pytest.mark.parametrize(
    "key",
    ["", "abc", "Bearer x", "x-payment-" + "0" * 36 + "-" + "0" * 64, "x-payment-" + "a" * 101],
)
def test_malformed_keys_are_not_looked_up(key: str) -> None:
    assert parse_key(key) is None


def test_a_key_with_its_last_digit_changed_parses_but_does_not_match() -> None:
    made = new_key("x", "payment")
    forged = made.key[:-1] + ("0" if made.key[-1] != "0" else "1")
    parsed = parse_key(forged)
    assert parsed is not None and not secret_matches(parsed[1], made.secret_hash)
