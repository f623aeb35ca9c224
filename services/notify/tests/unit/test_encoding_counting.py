"""Property: the segment/character counts equal a part-by-part count of the sent text, for any text
(GSM-7 with or without escapes, UCS-2 with or without surrogate pairs)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dvc_notify.domain.encoding import (
    GSM7_BASIC_CHARS,
    GSM7_EXTENSION_CHARS,
    estimate,
    is_gsm7,
)


def reference(text: str) -> tuple[int, int]:
    gsm = is_gsm7(text)
    costs = [(2 if c in GSM7_EXTENSION_CHARS else 1) if gsm else (2 if ord(c) > 0xFFFF else 1) for c in text]
    single, multi = (160, 153) if gsm else (70, 67)
    total = sum(costs)
    if total == 0:
        return 0, 0
    if total <= single:
        return 1, total
    segments, used = 1, 0
    for cost in costs:
        if used + cost > multi:
            segments, used = segments + 1, 0
        used += cost
    return segments, total


GSM = sorted(GSM7_BASIC_CHARS - {"\r"})
EXT = sorted(GSM7_EXTENSION_CHARS)
VIET = list("ăâđêôơưáàảãạĐỨ")
EMOJI = ["😀", "𝄞", "🇻🇳"]


@settings(max_examples=120, deadline=None)
@given(
    st.lists(
        st.one_of(st.sampled_from(GSM), st.sampled_from(EXT), st.sampled_from(VIET), st.sampled_from(EMOJI)),
        max_size=500,
    ).map("".join)
)
def test_counts_match_a_part_by_part_count(text: str) -> None:
    e = estimate(text)
    assert (e.segments, e.characters) == reference(e.text)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.one_of(st.sampled_from(GSM), st.sampled_from(EXT)), min_size=150, max_size=480).map("".join)
)
def test_gsm7_with_escapes_never_splits_a_pair(text: str) -> None:
    e = estimate(text)
    assert e.encoding == "GSM-7"
    assert (e.segments, e.characters) == reference(e.text)
