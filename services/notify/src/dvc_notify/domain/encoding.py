"""SMS encoding, segment counting and Vietnamese diacritic stripping (pure functions, no I/O).

Encoding
    A message is sent as GSM-7 when every character is in the GSM 03.38 default alphabet or its
    extension table, otherwise as UCS-2 (in practice UTF-16: characters outside the Basic
    Multilingual Plane, such as emoji, take two code units, a surrogate pair).

Counting (``SmsEstimate.characters``)
    * GSM-7: number of **septets**. Characters of the extension table (``€ [ ] { } ^ ~ | \\`` and
      form feed) are sent as ESC + char and count as two septets.
    * UCS-2: number of **UTF-16 code units** (an emoji outside the BMP counts 2).

Segments
    * GSM-7: up to 160 septets is one segment; longer messages are split into parts of at most
      153 septets (7 octets go to the concatenation header). An escape pair is never split across
      two parts, so a part may carry 152 septets when the next character is an extension one.
    * UCS-2: up to 70 code units is one segment; longer messages are split into parts of at most
      67 code units, never splitting a surrogate pair (a part may carry 66 units).
    * The empty text is **0 segments, 0 characters, GSM-7**: nothing would be sent and nothing is
      billed; callers that send must reject empty bodies themselves.

Normalisation
    The text is normalised to Unicode NFC before counting and is what would be sent
    (``SmsEstimate.text``). NFD input (common when text is pasted from macOS or some Vietnamese
    input methods) would otherwise spend one code unit per combining mark, and NFC can turn
    e.g. ``e`` + U+0301 into ``é``, which is in the GSM-7 alphabet.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Final, Literal

Encoding = Literal["GSM-7", "UCS-2"]

GSM7_SINGLE_SEGMENT: Final = 160
GSM7_MULTIPART_SEGMENT: Final = 153
UCS2_SINGLE_SEGMENT: Final = 70
UCS2_MULTIPART_SEGMENT: Final = 67

# GSM 03.38 default alphabet, in code-point order 0x00..0x7F. 0x1B (ESC) is the escape to the
# extension table, not a printable character, so it is left out.
GSM7_BASIC_CHARS: Final[frozenset[str]] = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ" + "ÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)

# GSM 03.38 extension table (each sent as ESC + char, i.e. two septets). \f is form feed (0x0A).
GSM7_EXTENSION_CHARS: Final[frozenset[str]] = frozenset("\f^{}\\[~]|€")


@dataclass(frozen=True, slots=True)
class SmsEstimate:
    """What a text would cost.

    ``characters`` is septets for GSM-7 and UTF-16 code units for UCS-2 (see module docstring);
    ``text`` is the exact text that would be sent (NFC, and without diacritics when requested).
    """

    encoding: Encoding
    segments: int
    characters: int
    text: str


_GSM7_ALL: Final[frozenset[str]] = GSM7_BASIC_CHARS | GSM7_EXTENSION_CHARS


def is_gsm7(text: str) -> bool:
    """True when every character of ``text`` can be sent in GSM-7 (basic or extension table)."""
    return _GSM7_ALL.issuperset(text)


def _gsm7_cost(ch: str) -> int:
    return 2 if ch in GSM7_EXTENSION_CHARS else 1


def _utf16_units(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1


def _count_segments(costs: list[int], single: int, multipart: int) -> int:
    """Segments for a message whose indivisible units cost ``costs`` (1 or 2 each)."""
    total = sum(costs)
    if total == 0:
        return 0
    if total <= single:
        return 1
    segments = 1
    used = 0
    for cost in costs:
        if used + cost > multipart:  # never split an escape pair / surrogate pair
            segments += 1
            used = 0
        used += cost
    return segments


def estimate(text: str, strip_diacritics: bool = False) -> SmsEstimate:
    """Encoding, segment count and character count of ``text`` as it would be sent.

    With ``strip_diacritics=True`` the text is first converted to Vietnamese không dấu
    (see :func:`strip_diacritics`); the returned ``text`` is the converted one.
    """
    to_send = unicodedata.normalize("NFC", text)
    if strip_diacritics:
        to_send = _strip_vietnamese_diacritics(to_send)
    if is_gsm7(to_send):
        escapes = sum(to_send.count(ch) for ch in GSM7_EXTENSION_CHARS if ch in to_send)
        if escapes:  # an escape pair must not be split: count part by part
            costs = [_gsm7_cost(ch) for ch in to_send]
            segments = _count_segments(costs, GSM7_SINGLE_SEGMENT, GSM7_MULTIPART_SEGMENT)
        else:
            segments = _uniform_segments(len(to_send), GSM7_SINGLE_SEGMENT, GSM7_MULTIPART_SEGMENT)
        return SmsEstimate("GSM-7", segments, len(to_send) + escapes, to_send)
    units = len(to_send.encode("utf-16-le")) // 2
    if units != len(to_send):  # surrogate pairs must not be split: count part by part
        costs = [_utf16_units(ch) for ch in to_send]
        segments = _count_segments(costs, UCS2_SINGLE_SEGMENT, UCS2_MULTIPART_SEGMENT)
    else:
        segments = _uniform_segments(units, UCS2_SINGLE_SEGMENT, UCS2_MULTIPART_SEGMENT)
    return SmsEstimate("UCS-2", segments, units, to_send)


def _uniform_segments(total: int, single: int, multipart: int) -> int:
    """Segments when every unit costs 1 (the common case, computed without a loop)."""
    if total == 0:
        return 0
    return 1 if total <= single else -(-total // multipart)


# --- Vietnamese không dấu -------------------------------------------------------------------

# Combining marks used by Vietnamese: the five tones (huyền, sắc, ngã, hỏi, nặng) and the vowel
# modifiers (circumflex â ê ô, breve ă, horn ơ ư).
_VIETNAMESE_MARKS: Final[frozenset[str]] = frozenset(
    "\u0300"  # grave (huyền)
    "\u0301"  # acute (sắc)
    "\u0303"  # tilde (ngã)
    "\u0309"  # hook above (hỏi)
    "\u0323"  # dot below (nặng)
    "\u0302"  # circumflex (â ê ô)
    "\u0306"  # breve (ă)
    "\u031b"  # horn (ơ ư)
)
_VIETNAMESE_BASE_VOWELS: Final[frozenset[str]] = frozenset("aeiouyAEIOUY")
_D_WITH_STROKE: Final[dict[int, str]] = {ord("đ"): "d", ord("Đ"): "D"}


def _strip_vietnamese_diacritics(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    out: list[str] = []
    base = ""  # the last non-combining character seen
    for ch in decomposed:
        if unicodedata.combining(ch):
            if ch in _VIETNAMESE_MARKS and base in _VIETNAMESE_BASE_VOWELS:
                continue
        else:
            base = ch
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out).translate(_D_WITH_STROKE))


def strip_diacritics(text: str) -> str:
    """Vietnamese không dấu: remove tone marks and vowel modifiers, map đ/Đ to d/D.

    ``Cổng Dịch vụ công — Đồng Tháp`` → ``Cong Dich vu cong — Dong Thap``. Works on NFC and NFD
    input and returns NFC. Only Vietnamese marks on Vietnamese vowels (a e i o u y, either case)
    are removed, so e.g. ``ñ``, ``ü``, ``ç``, digits, punctuation and currency signs (``₫``, ``€``)
    are left alone. A Vietnamese text without other non-GSM characters is GSM-7 afterwards.
    """
    return _strip_vietnamese_diacritics(text)
