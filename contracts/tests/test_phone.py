"""Vietnamese mobile numbers: validation, E.164 normalisation and masking (dvc_contracts.phone)."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field, ValidationError

from dvc_contracts.phone import InvalidPhone, MobilePhone, is_valid, mask, normalise


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
        ("0522123456", "+84522123456"),  # Vietnamobile 0522
        ("0561234567", "+84561234567"),  # Vietnamobile 056
        ("0591234567", "+84591234567"),  # Gmobile
        ("0701234567", "+84701234567"),  # MobiFone 07x
        ("0791234567", "+84791234567"),
        ("0812345678", "+84812345678"),  # VinaPhone 08x
        ("0843123456", "+84843123456"),  # 084 starts with the country code digits
        ("0868123456", "+84868123456"),
        ("0871234567", "+84871234567"),  # iTel
        ("0921234567", "+84921234567"),  # Vietnamobile 092
        ("0981234567", "+84981234567"),
        ("849123456", "+84849123456"),  # bare 9-digit NSN starting with 84
    ],
)
def test_valid_numbers(raw: str, expected: str) -> None:
    assert normalise(raw) == expected
    assert normalise(expected) == expected  # idempotent
    assert is_valid(raw)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("+", "empty"),
        ("()-", "empty"),
        ("0912abc678", "invalid_characters"),  # libphonenumber alone would read "abc" as keypad digits
        ("0912345678x", "invalid_characters"),
        ("０９１２３４５６７８", "invalid_characters"),  # full-width digits
        ("091234567#", "invalid_characters"),
        ("84+912345678", "invalid_characters"),
        ("++84912345678", "invalid_characters"),
        ("091234567", "wrong_length"),
        ("091234", "wrong_length"),  # libphonenumber keeps the trunk 0 of so short a number
        ("0912", "wrong_length"),
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
        ("0571234567", "not_vietnamese_mobile"),  # a mobile family, but a block not allocated to a network
        ("+1 202 555 0100", "not_vietnamese_mobile"),
        ("+856 20 1234 5678", "not_vietnamese_mobile"),  # Laos
        ("0012025550100", "not_vietnamese_mobile"),
    ],
)
def test_invalid_numbers(raw: str, reason: str) -> None:
    with pytest.raises(InvalidPhone) as info:
        normalise(raw)
    assert info.value.reason == reason
    assert info.value.message_vi and info.value.message_en
    assert reason in str(info.value)
    assert not is_valid(raw)


def test_rejection_message_is_bilingual_and_does_not_leak_the_number() -> None:
    with pytest.raises(InvalidPhone) as info:
        normalise("02438234567")
    message = str(info.value)
    assert "Số điện thoại không hợp lệ: không phải số di động Việt Nam" in message
    assert "Not a Vietnamese mobile number" in message
    assert "38234567" not in message
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("+84912345678", "+8491*****78"),
        ("+84321234567", "+8432*****67"),
        (" +84912345678 ", "+8491*****78"),
        ("0912 345 678", "+8491*****78"),  # one number, one mask, whatever form it was typed in
        ("+14155550100", "**********00"),
        ("02438234567", "*********67"),
        ("123", "***"),
        ("", ""),
        (None, None),
    ],
)
def test_mask(phone: str | None, masked: str | None) -> None:
    assert mask(phone) == masked


class _Body(BaseModel):
    phone: MobilePhone = Field(default=None, max_length=32)


def test_a_request_field_stores_e164_and_refuses_with_the_vietnamese_message() -> None:
    assert _Body(phone="0912 345 678").phone == "+84912345678"
    assert _Body().phone is None and _Body(phone="  ").phone is None
    with pytest.raises(ValidationError) as info:
        _Body(phone="02438234567")
    (error,) = info.value.errors()
    assert error["type"] == "value_error" and error["loc"] == ("phone",)
    assert error["msg"] == "Value error, " + InvalidPhone("not_vietnamese_mobile").message_vi
    with pytest.raises(ValidationError):
        _Body(phone="0" * 40)  # max_length still applies
