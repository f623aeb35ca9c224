"""Vietnamese mobile number validation, E.164 normalisation and masking."""

from __future__ import annotations

import pytest

from dvc_notify.domain.phone import InvalidPhone, mask_phone, normalise_vn_mobile


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0912345678", "+84912345678"),
        ("84912345678", "+84912345678"),
        ("+84912345678", "+84912345678"),
        ("+84 912 345 678", "+84912345678"),
        ("+84-91-234-5678", "+84912345678"),
        ("(+84) 912345678", "+84912345678"),
        ("  0912.345.678  ", "+84912345678"),
        ("0912 345 678", "+84912345678"),
        ("0084912345678", "+84912345678"),
        ("+84 0912 345 678", "+84912345678"),  # trunk 0 after the country code
        ("840912345678", "+84912345678"),
        ("912345678", "+84912345678"),  # bare national number (form with a fixed +84 prefix)
        ("0\u00a0912\u00a0345\u00a0678", "+84912345678"),  # non-breaking spaces from copy-paste
        ("0321234567", "+84321234567"),  # Viettel 03x
        ("0389999999", "+84389999999"),
        ("0521234567", "+84521234567"),  # Vietnamobile 05x
        ("0591234567", "+84591234567"),  # Gmobile
        ("0701234567", "+84701234567"),  # MobiFone 07x
        ("0791234567", "+84791234567"),
        ("0812345678", "+84812345678"),  # VinaPhone 08x
        ("0843123456", "+84843123456"),  # 084 starts with the country code digits
        ("0868123456", "+84868123456"),
        ("0981234567", "+84981234567"),
        ("849123456", "+84849123456"),  # bare 9-digit NSN starting with 84
    ],
)
def test_valid_numbers(raw: str, expected: str) -> None:
    assert normalise_vn_mobile(raw) == expected
    assert normalise_vn_mobile(expected) == expected  # idempotent


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("+", "empty"),
        ("()-", "empty"),
        ("0912abc678", "invalid_characters"),
        ("0912345678x", "invalid_characters"),
        ("０９１２３４５６７８", "invalid_characters"),  # full-width digits
        ("091234567#", "invalid_characters"),
        ("84+912345678", "invalid_characters"),
        ("++84912345678", "invalid_characters"),
        ("091234567", "wrong_length"),
        ("09123456789", "wrong_length"),
        ("+8491234567", "wrong_length"),
        ("+849123456789", "wrong_length"),
        ("0", "wrong_length"),
        ("+84", "wrong_length"),
        ("02438234567", "not_vietnamese_mobile"),  # Hà Nội landline
        ("028 3829 1234", "not_vietnamese_mobile"),  # TP.HCM landline
        ("+84 24 3823 4567", "not_vietnamese_mobile"),
        ("01689123456", "not_vietnamese_mobile"),  # retired 11-digit mobile
        ("0412345678", "not_vietnamese_mobile"),
        ("0612345678", "not_vietnamese_mobile"),
        ("+1 202 555 0100", "not_vietnamese_mobile"),
        ("+856 20 1234 5678", "not_vietnamese_mobile"),  # Laos
        ("0012025550100", "not_vietnamese_mobile"),
    ],
)
def test_invalid_numbers(raw: str, reason: str) -> None:
    with pytest.raises(InvalidPhone) as info:
        normalise_vn_mobile(raw)
    assert info.value.reason == reason
    assert info.value.message_vi and info.value.message_en
    assert reason in str(info.value)


def test_rejection_message_is_bilingual_and_does_not_leak_the_number() -> None:
    with pytest.raises(InvalidPhone) as info:
        normalise_vn_mobile("02438234567")
    message = str(info.value)
    assert "Không phải số điện thoại di động Việt Nam" in message
    assert "Not a Vietnamese mobile number" in message
    assert "38234567" not in message
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("+84912345678", "+8491*****78"),
        ("+84321234567", "+8432*****67"),
        (" +84912345678 ", "+8491*****78"),
        ("+14155550100", "**********00"),
        ("0912345678", "********78"),
        ("123", "***"),
        ("", ""),
    ],
)
def test_mask_phone(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked
