"""GSM-7 / UCS-2 detection, segment counting and Vietnamese không dấu."""

from __future__ import annotations

import unicodedata

import pytest

from dvc_notify.domain.encoding import (
    GSM7_BASIC_CHARS,
    GSM7_EXTENSION_CHARS,
    SmsEstimate,
    estimate,
    is_gsm7,
    strip_diacritics,
)

EMOJI = "😀"  # U+1F600, outside the BMP: one surrogate pair = 2 UTF-16 units
VI = "Hồ sơ của bạn đã được tiếp nhận. Hạn trả kết quả: 15/03/2025. Đề nghị bổ sung giấy tờ."
VI_STRIPPED = "Ho so cua ban da duoc tiep nhan. Han tra ket qua: 15/03/2025. De nghi bo sung giay to."


@pytest.mark.parametrize(
    ("text", "encoding", "segments", "characters"),
    [
        pytest.param("", "GSM-7", 0, 0, id="empty-is-0-segments"),
        pytest.param("a", "GSM-7", 1, 1, id="one-char"),
        pytest.param("a" * 160, "GSM-7", 1, 160, id="gsm-160"),
        pytest.param("a" * 161, "GSM-7", 2, 161, id="gsm-161"),
        pytest.param("a" * 153 * 2, "GSM-7", 2, 306, id="gsm-153x2"),
        pytest.param("a" * (153 * 2 + 1), "GSM-7", 3, 307, id="gsm-153x2+1"),
        pytest.param("a" * 153 * 3, "GSM-7", 3, 459, id="gsm-153x3"),
        pytest.param("€" * 80, "GSM-7", 1, 160, id="euro-80-is-160-septets"),
        pytest.param("€" * 81, "GSM-7", 2, 162, id="euro-81"),
        pytest.param("a" * 159 + "€", "GSM-7", 2, 161, id="escape-pushes-over-160"),
        pytest.param("a" * 158 + "€", "GSM-7", 1, 160, id="escape-fits-160"),
        # 152 + an escape pair would straddle the 153 boundary: the pair moves to part 2.
        pytest.param("a" * 152 + "€" + "a" * 151, "GSM-7", 2, 305, id="escape-not-split-fits"),
        # 306 septets would fit 2 x 153, but only if the pair were split → 3 parts.
        pytest.param("a" * 152 + "€" + "a" * 152, "GSM-7", 3, 306, id="escape-not-split-needs-3"),
        pytest.param("[]{}^~|\\\f", "GSM-7", 1, 18, id="every-extension-char-counts-2"),
        pytest.param("@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà", "GSM-7", 1, 42, id="gsm-latin-greek"),
        pytest.param("line1\nline2\r", "GSM-7", 1, 12, id="cr-lf-are-gsm"),
        pytest.param("ư" * 70, "UCS-2", 1, 70, id="ucs2-70"),
        pytest.param("ư" * 71, "UCS-2", 2, 71, id="ucs2-71"),
        pytest.param("ư" * 67 * 2, "UCS-2", 2, 134, id="ucs2-67x2"),
        pytest.param("ư" * (67 * 2 + 1), "UCS-2", 3, 135, id="ucs2-67x2+1"),
        pytest.param("a" * 69 + "đ", "UCS-2", 1, 70, id="one-non-gsm-char-forces-ucs2"),
        pytest.param(EMOJI, "UCS-2", 1, 2, id="emoji-is-2-units"),
        pytest.param(EMOJI * 35, "UCS-2", 1, 70, id="emoji-35-is-70-units"),
        pytest.param(EMOJI * 36, "UCS-2", 2, 72, id="emoji-36"),
        # 66 units + a surrogate pair would straddle 67: the pair moves to the next part.
        pytest.param("ư" * 66 + EMOJI + "ư" * 65, "UCS-2", 2, 133, id="surrogate-not-split-fits"),
        # 134 units would fit 2 x 67, but only if the pair were split → 3 parts.
        pytest.param("ư" * 66 + EMOJI + "ư" * 66, "UCS-2", 3, 134, id="surrogate-not-split-needs-3"),
        pytest.param(EMOJI * 66, "UCS-2", 2, 132, id="emoji-66-is-2x33-pairs"),
        pytest.param(EMOJI * 67, "UCS-2", 3, 134, id="emoji-67-needs-3-parts"),
        pytest.param("ç", "UCS-2", 1, 1, id="lowercase-c-cedilla-is-not-gsm"),
        pytest.param("`", "UCS-2", 1, 1, id="backtick-is-not-gsm"),
    ],
)
def test_segments(text: str, encoding: str, segments: int, characters: int) -> None:
    result = estimate(text)
    assert (result.encoding, result.segments, result.characters) == (encoding, segments, characters)
    assert result.text == text


def test_estimate_is_a_frozen_value() -> None:
    result = estimate("Xin chao")
    assert result == SmsEstimate(encoding="GSM-7", segments=1, characters=8, text="Xin chao")
    with pytest.raises(AttributeError):
        result.segments = 2  # type: ignore[misc]


def test_vietnamese_needs_ucs2_and_stripping_makes_it_cheaper() -> None:
    text = VI + " " + VI
    with_marks = estimate(text)
    stripped = estimate(text, strip_diacritics=True)
    assert with_marks.encoding == "UCS-2"
    assert with_marks.characters == len(text) == 173
    assert with_marks.segments == 3
    assert stripped.encoding == "GSM-7"
    assert stripped.text == VI_STRIPPED + " " + VI_STRIPPED
    assert stripped.characters == 173
    assert stripped.segments == 2
    assert stripped.segments < with_marks.segments


def test_nfd_input_is_sent_as_nfc() -> None:
    nfd = unicodedata.normalize("NFD", VI)
    assert len(nfd) > len(VI)
    result = estimate(nfd)
    assert result.text == VI
    assert result.characters == len(VI)


def test_nfd_e_acute_becomes_gsm() -> None:
    assert estimate("Caf" + "e\u0301").encoding == "GSM-7"


def test_gsm_tables_have_the_standard_sizes() -> None:
    assert len(GSM7_BASIC_CHARS) == 127  # 128 code points minus ESC
    assert len(GSM7_EXTENSION_CHARS) == 10
    assert is_gsm7("Hello, World! 0123456789 @£$")
    assert not is_gsm7("Cổng")


# --- Vietnamese không dấu ---------------------------------------------------------------------

BASE_VOWELS = "aăâeêioôơuưy"
TONES = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")  # none, huyền, sắc, ngã, hỏi, nặng
UNMARKED = {"ă": "a", "â": "a", "ê": "e", "ô": "o", "ơ": "o", "ư": "u"}


def _vietnamese_letters() -> list[tuple[str, str]]:
    """Every precomposed Vietnamese letter that is not plain ASCII, with its không dấu form."""
    letters: list[tuple[str, str]] = []
    for vowel in BASE_VOWELS:
        for tone in TONES:
            for case in (str.lower, str.upper):
                letter = unicodedata.normalize("NFC", case(vowel) + tone)
                if letter.isascii():
                    continue
                letters.append((letter, case(UNMARKED.get(vowel, vowel))))
    letters += [("đ", "d"), ("Đ", "D")]
    return letters


VIETNAMESE_LETTERS = _vietnamese_letters()


def test_there_are_134_precomposed_vietnamese_letters() -> None:
    assert len(VIETNAMESE_LETTERS) == 134
    assert len({letter for letter, _ in VIETNAMESE_LETTERS}) == 134
    assert all(len(letter) == 1 for letter, _ in VIETNAMESE_LETTERS)  # all precomposed in NFC
    for letter in "ỳỹỷỵỲỸỶỴýÝ":
        assert letter in {v for v, _ in VIETNAMESE_LETTERS}


@pytest.mark.parametrize(("letter", "expected"), VIETNAMESE_LETTERS, ids=[v for v, _ in VIETNAMESE_LETTERS])
@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_strip_every_vietnamese_letter(letter: str, expected: str, form: str) -> None:
    result = strip_diacritics(unicodedata.normalize(form, letter))  # type: ignore[arg-type]
    assert result == expected
    assert len(result) == 1 and result.isascii() and result.isalpha()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Cổng Dịch vụ công Quốc gia", "Cong Dich vu cong Quoc gia"),
        ("ĐỒNG THÁP, Đắk Lắk, Bà Rịa – Vũng Tàu", "DONG THAP, Dak Lak, Ba Ria – Vung Tau"),
        ("Nguyễn Thị Thuỳ Dương, Huỳnh Ngọc Thủy", "Nguyen Thi Thuy Duong, Huynh Ngoc Thuy"),
        ("Số tiền: 1.250.000 đ (₫) — 100% €5 $3", "So tien: 1.250.000 d (₫) — 100% €5 $3"),
        ("España Müller Garçon naïve", "España Müller Garçon naïve"),
        ("0912345678 #@!?/()[]{}", "0912345678 #@!?/()[]{}"),
        ("", ""),
    ],
)
def test_strip_diacritics_examples(text: str, expected: str) -> None:
    assert strip_diacritics(text) == expected
    assert strip_diacritics(unicodedata.normalize("NFD", text)) == expected


def test_stripped_vietnamese_is_gsm7() -> None:
    text = " ".join(letter for letter, _ in VIETNAMESE_LETTERS) + " Cổng DVC: 1.250.000 đ, 15/03/2025."
    assert estimate(text).encoding == "UCS-2"
    result = estimate(text, strip_diacritics=True)
    assert result.encoding == "GSM-7"
    assert result.text.isascii()
