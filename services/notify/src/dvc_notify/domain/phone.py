"""Vietnamese mobile numbers: validation, E.164 normalisation and masking (pure functions).

Since the 2018 renumbering, Vietnamese mobile numbers are ``0`` + 9 digits nationally
(``+84`` + 9 digits in E.164) and start with 03, 05, 07, 08 or 09. Fixed lines start with 02
(``024 …`` Hà Nội, ``028 …`` TP. Hồ Chí Minh) and are rejected, as are the retired 11-digit
mobile numbers (``01xx …``). Any number in an allowed family is accepted rather than checking
the operator allocation list (032–039, 052, 056, 058, 059, 070, 076–079, 081–089, 090–099, …):
rejecting a real citizen's new prefix costs more than one undeliverable SMS.

Accepted input shapes (separators: spaces, ``-``, ``.``, parentheses):
``0912345678``, ``912345678``, ``84912345678``, ``+84912345678``, ``+84 912 345 678``,
``+84-91-234-5678``, ``(+84) 912345678``, ``0084912345678``, and ``+84 0912 345 678``
(a trunk ``0`` written after the country code is dropped).
"""

from __future__ import annotations

import re
from typing import Final, Literal

PhoneRejectReason = Literal["empty", "invalid_characters", "wrong_length", "not_vietnamese_mobile"]

_MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "empty": (
        "Chưa nhập số điện thoại.",
        "No phone number given.",
    ),
    "invalid_characters": (
        "Số điện thoại chỉ được chứa chữ số, dấu + ở đầu, khoảng trắng, dấu gạch ngang, dấu chấm"
        " hoặc dấu ngoặc.",
        "A phone number may only contain digits, a leading +, spaces, hyphens, dots or parentheses.",
    ),
    "wrong_length": (
        "Số điện thoại di động Việt Nam phải có 10 chữ số (ví dụ 0912345678) hoặc dạng +84 và 9 chữ số.",
        "A Vietnamese mobile number has 10 digits (e.g. 0912345678), or +84 followed by 9 digits.",
    ),
    "not_vietnamese_mobile": (
        "Không phải số điện thoại di động Việt Nam (đầu số phải là 03, 05, 07, 08 hoặc 09;"
        " không nhận số cố định và số nước ngoài).",
        "Not a Vietnamese mobile number (the prefix must be 03, 05, 07, 08 or 09;"
        " landlines and foreign numbers are not accepted).",
    ),
}

_ALLOWED: Final = re.compile(r"[0-9+()\-.\s]*")
_SEPARATORS: Final = re.compile(r"[()\-.\s]")
_MOBILE_FAMILIES: Final = frozenset("35789")
_E164_VN: Final = re.compile(r"\+84(\d{5,})")


class InvalidPhone(ValueError):
    """A phone number that is not an acceptable Vietnamese mobile number.

    ``reason`` is machine-readable (one of :data:`PhoneRejectReason`); ``message_vi`` and
    ``message_en`` are for people. The rejected input is deliberately not part of the message
    (phone numbers must not end up in logs unmasked).
    """

    def __init__(self, reason: PhoneRejectReason) -> None:
        self.reason: PhoneRejectReason = reason
        self.message_vi, self.message_en = _MESSAGES[reason]
        super().__init__(f"{self.message_vi} / {self.message_en} ({reason})")


def normalise_vn_mobile(raw: str) -> str:
    """Return ``raw`` as E.164 ``+84xxxxxxxxx`` or raise :class:`InvalidPhone`."""
    text = raw.strip()
    if not text:
        raise InvalidPhone("empty")
    if not _ALLOWED.fullmatch(text):
        raise InvalidPhone("invalid_characters")
    compact = _SEPARATORS.sub("", text)
    if compact.count("+") > 1 or ("+" in compact and not compact.startswith("+")):
        raise InvalidPhone("invalid_characters")
    digits = compact.removeprefix("+")
    if not digits:
        raise InvalidPhone("empty")

    with_country_code = False
    if compact.startswith("+"):
        if not digits.startswith("84"):
            raise InvalidPhone("not_vietnamese_mobile")
        national, with_country_code = digits[2:], True
    elif digits.startswith("0084"):
        national, with_country_code = digits[4:], True
    elif digits.startswith("84") and len(digits) in (11, 12):
        national, with_country_code = digits[2:], True
    elif digits.startswith("0"):
        national = digits[1:]
    else:
        national = digits  # bare national significant number, e.g. "912345678"

    if with_country_code and national.startswith("0") and len(national) == 10:
        national = national[1:]  # "+84 0912 345 678"

    if not national:
        raise InvalidPhone("wrong_length")
    if national[0] not in _MOBILE_FAMILIES:
        raise InvalidPhone("not_vietnamese_mobile")
    if len(national) != 9:
        raise InvalidPhone("wrong_length")
    return "+84" + national


def mask_phone(e164: str) -> str:
    """Mask a phone number for listings and logs: ``+84912345678`` → ``+8491*****78``.

    Shows the country code, the first two and the last two digits. Anything that is not a
    ``+84`` number is masked except for its last two characters.
    """
    match = _E164_VN.fullmatch(e164.strip())
    if match:
        national = match.group(1)
        return "+84" + national[:2] + "*" * (len(national) - 4) + national[-2:]
    value = e164.strip()
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 2) + value[-2:]
