"""Likely duplicates: the same dossier, or near-identical text. Flagged for operators, never auto-closed.

Text is compared after folding (lower case, no Vietnamese diacritics, đ → d, punctuation dropped), as
word 2-shingles — Vietnamese words are mostly two syllables ("giấy phép", "lái xe"), so pairs of syllables
keep the meaning that single syllables lose — with Jaccard similarity. A single-syllable text falls back to
the set of syllables. "Giấy phép lái xe bị trả chậm!" and "giay phep lai xe bi tra cham" are identical.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import Final

from dvckit.text import fold

# Flag when at least this similar. Changing one word of a 50-word text keeps ~0.92; appending a sentence
# of ten words keeps ~0.83; two different complaints about the same procedure stay well below 0.5.
DEFAULT_THRESHOLD: Final = 0.75
_WORD: Final = re.compile(r"[a-z0-9]+")


def fingerprint(*texts: str) -> str:
    """The folded word sequence of the texts, space-separated: what is stored and compared."""
    return " ".join(w for t in texts for w in _WORD.findall(fold(t)))


Shingles = frozenset[tuple[str, ...]]


def shingles(fp: str) -> Shingles:
    words = fp.split()
    if len(words) < 2:
        return frozenset((w,) for w in words)
    return frozenset(pairwise(words))


def jaccard(sa: Shingles, sb: Shingles) -> float:
    if not sa or not sb:
        return 0.0
    common = len(sa & sb)
    return common / (len(sa) + len(sb) - common)


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of two fingerprints' shingles, in [0, 1]; two empty texts are 0 (nothing to say)."""
    return jaccard(shingles(a), shingles(b))


@dataclass(frozen=True)
class Candidate:
    id: str
    fingerprint: str
    dossier_code: str | None


@dataclass(frozen=True)
class Match:
    of: str
    score: float
    reason: str  # "same_dossier" | "similar_text"


def best_match(
    fp: str, dossier_code: str | None, candidates: Iterable[Candidate], threshold: float = DEFAULT_THRESHOLD
) -> Match | None:
    """The earlier feedback this one most likely repeats, if any. Same dossier wins over similar text."""
    probe = shingles(fp)
    best: Match | None = None
    for c in candidates:
        if dossier_code and c.dossier_code == dossier_code:
            return Match(c.id, 1.0, "same_dossier")
        # Jaccard <= |small| / |large|. The candidate has at most (words - 1) shingles, so one too short to
        # reach the threshold is skipped without shingling it (a long one may repeat itself: not skippable).
        most = c.fingerprint.count(" ") or int(bool(c.fingerprint))
        if most < threshold * len(probe):
            continue
        score = jaccard(probe, shingles(c.fingerprint))
        if score >= threshold and (best is None or score > best.score):
            best = Match(c.id, round(score, 4), "similar_text")
    return best
