"""Vietnamese mobile numbers: the portal's one validation, normalisation (E.164) and masking.

A phone number reaches the portal to receive SMS (the dossier's, the payment receipt, the answer to a
feedback), so the only numbers accepted are Vietnamese mobile numbers, checked where they are typed — at
submission — rather than found undeliverable when the SMS fails. ``normalise`` returns the number in E.164
(``+84`` and the 9-digit national number, e.g. ``+84912345678``), the one form stored and sent on the bus.

Which numbers are mobile is Google's libphonenumber metadata (the ``phonenumbers`` package), which follows the
numbering plan of the Ministry of Science and Technology (Cục Viễn thông): since the 2018 renumbering, mobile
numbers are ``0`` + 9 digits starting 03, 05, 07, 08 or 09, but only the allocated blocks are valid (056, 058
and 0522 are, 0571 is not). Fixed lines (``024 …`` Hà Nội, ``028 …`` TP. Hồ Chí Minh), the retired 11-digit
mobiles (``01xx …``), foreign numbers and unallocated blocks are refused. Keep ``phonenumbers`` current: a new
block is known from the release that adds it.

Accepted input shapes (separators: spaces, non-breaking spaces, ``-``, ``.``, parentheses): ``0912345678``,
``912345678``, ``84912345678``, ``+84912345678``, ``+84 912 345 678``, ``(+84) 912345678``, ``0084912345678``
and ``+84 0912 345 678`` (a trunk ``0`` after the country code). Letters are refused (libphonenumber would
read ``ABC`` as keypad digits), and so are full-width digits.

``mask`` is the one way a number is shown in lists, events (``phone_masked``) and logs.
"""

from __future__ import annotations

import re
from typing import Annotated, Final, Literal, overload

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType
from pydantic import AfterValidator

__all__ = ["InvalidPhone", "MobilePhone", "PhoneRejectReason", "is_valid", "mask", "normalise"]

PhoneRejectReason = Literal["empty", "invalid_characters", "wrong_length", "not_vietnamese_mobile"]

_MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "empty": (
        "Chưa nhập số điện thoại.",
        "No phone number given.",
    ),
    "invalid_characters": (
        "Số điện thoại không hợp lệ: chỉ được chứa chữ số, dấu + ở đầu, khoảng trắng, dấu gạch ngang, dấu chấm"
        " hoặc dấu ngoặc.",
        "A phone number may only contain digits, a leading +, spaces, hyphens, dots or parentheses.",
    ),
    "wrong_length": (
        "Số điện thoại không hợp lệ: số di động Việt Nam có 10 chữ số (ví dụ 0912345678), hoặc +84 và 9 chữ số.",
        "A Vietnamese mobile number has 10 digits (e.g. 0912345678), or +84 followed by 9 digits.",
    ),
    "not_vietnamese_mobile": (
        "Số điện thoại không hợp lệ: không phải số di động Việt Nam (không nhận số cố định, số nước ngoài"
        " và đầu số chưa được cấp cho mạng di động).",
        "Not a Vietnamese mobile number (landlines, foreign numbers and unallocated prefixes are not accepted).",
    ),
}

VN_COUNTRY_CODE: Final = 84
_ALLOWED: Final = re.compile(
    r"[0-9+()\-.\s]*"
)  # \s: any Unicode space, the non-breaking one of copy-paste too
_SEPARATORS: Final = re.compile(r"[()\-.\s]")
_MOBILE: Final = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})
_MOBILE_FAMILIES: Final = frozenset("35789")  # first digit of a mobile national number since 2018
_MOBILE_LENGTH: Final = 9  # digits of a mobile national number (after +84 or the trunk 0)


class InvalidPhone(ValueError):
    """A phone number that is not an acceptable Vietnamese mobile number.

    ``reason`` is machine-readable (one of :data:`PhoneRejectReason`); ``message_vi`` and ``message_en`` are
    for people. The rejected input is deliberately not part of the message (phone numbers must not end up in
    logs unmasked).
    """

    def __init__(self, reason: PhoneRejectReason) -> None:
        self.reason: PhoneRejectReason = reason
        self.message_vi, self.message_en = _MESSAGES[reason]
        super().__init__(f"{self.message_vi} / {self.message_en} ({reason})")


def normalise(raw: str) -> str:
    """``raw`` as E.164 (``+84`` and 9 digits), or :class:`InvalidPhone` if it is no Vietnamese mobile number.
    Idempotent: ``normalise(normalise(x)) == normalise(x)``."""
    text = raw.strip()
    if not text:
        raise InvalidPhone("empty")
    if not _ALLOWED.fullmatch(text):
        raise InvalidPhone("invalid_characters")
    compact = _SEPARATORS.sub("", text)
    if compact.count("+") > 1 or ("+" in compact and not compact.startswith("+")):
        raise InvalidPhone("invalid_characters")
    if not compact.removeprefix("+"):
        raise InvalidPhone("empty")
    try:
        number = phonenumbers.parse(compact, "VN")
    except NumberParseException as exc:
        if exc.error_type == NumberParseException.INVALID_COUNTRY_CODE:
            raise InvalidPhone("not_vietnamese_mobile") from None
        raise InvalidPhone("wrong_length") from None  # too short or too long to be a number at all
    if number.country_code != VN_COUNTRY_CODE:
        raise InvalidPhone("not_vietnamese_mobile")
    national = phonenumbers.national_significant_number(number)
    if phonenumbers.is_valid_number(number):
        if phonenumbers.number_type(number) not in _MOBILE:
            raise InvalidPhone("not_vietnamese_mobile")  # a fixed line (024…, 028…) or a special number
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    core = national.removeprefix("0")  # libphonenumber keeps the trunk 0 of a number too short to be one
    if core[:1] in _MOBILE_FAMILIES and len(core) != _MOBILE_LENGTH:
        raise InvalidPhone("wrong_length")  # a mobile prefix with a digit too many or too few
    raise InvalidPhone("not_vietnamese_mobile")  # 01x (retired), 04x, 06x, an unallocated block …


def is_valid(raw: str | None) -> bool:
    """Whether ``raw`` is an acceptable Vietnamese mobile number (None and "" are not)."""
    try:
        normalise(raw or "")
    except InvalidPhone:
        return False
    return True


@overload
def mask(phone: str) -> str: ...
@overload
def mask(phone: None) -> None: ...
def mask(phone: str | None) -> str | None:
    """A number as lists, events and logs show it: ``+84912345678`` (or ``0912 345 678``) → ``+8491*****78``:
    the country code, the first two and the last two digits. Anything that is not a Vietnamese mobile number
    is masked but for its last two characters (all of it when 4 characters or fewer). None and "" are kept."""
    if not phone:
        return phone
    try:
        national = normalise(phone).removeprefix("+84")
    except InvalidPhone:
        value = phone.strip()
        return "*" * len(value) if len(value) <= 4 else "*" * (len(value) - 2) + value[-2:]
    return "+84" + national[:2] + "*" * (len(national) - 4) + national[-2:]


def _validated(raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        return None
    try:
        return normalise(raw)
    except InvalidPhone as exc:
        raise ValueError(exc.message_vi) from None  # a value_error: services show its text as it is


# A request body's phone field: a Vietnamese mobile number, stored as E.164; blank is None. A bad number fails
# validation (a ``value_error``) with the Vietnamese message of :class:`InvalidPhone`.
MobilePhone = Annotated[str | None, AfterValidator(_validated)]
