"""What citizens type → how procedures are officially named.

People search for "bằng lái", "phạt nguội" or "giấy xác nhận độc thân"; the procedures are called "giấy phép
lái xe", "nộp phạt vi phạm hành chính…" and "Giấy xác nhận tình trạng hôn nhân". A query is folded (no
diacritics, lower case), its known phrases are each replaced by their group of equivalent phrases, and every
remaining word stands alone. A procedure matches when its folded text satisfies every part of the query; a part
is satisfied by any of its alternatives, and an alternative when the text contains all of its pieces. A known
phrase's alternatives are its group's phrases, each whole, plus the typed words each on their own (so
"đăng ký xe" still finds "Đăng ký sang tên xe ô tô", as it did before synonyms).
"""

from __future__ import annotations

import re
from functools import cache

# Each line: equivalent phrases, folded (lower case, no diacritics). The first is how procedures are named.
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("giay phep lai xe", "bang lai xe", "bang lai", "gplx"),
    (
        "doi giay phep lai xe",
        "gia han giay phep lai xe",
        "gia han bang lai",
        "doi bang lai",
        "lam lai bang lai",
    ),
    ("le phi truoc ba", "thue truoc ba", "truoc ba", "lptb"),
    ("dang ky xe", "dang ky bien so", "bien so xe", "bam bien so"),
    ("nop phat", "phat nguoi", "nop tien phat", "dong phat", "phat giao thong"),
    ("chung thuc ban sao", "sao y ban chinh", "sao y", "cong chung ban sao"),
    ("tinh trang hon nhan", "xac nhan doc than", "giay doc than"),
    ("ly lich tu phap", "lltp"),
    ("bao hiem y te", "bhyt"),
    ("bao hiem xa hoi", "bhxh"),
    ("dang ky thue", "ma so thue", "mst"),
    ("ho kinh doanh", "giay phep kinh doanh", "dang ky kinh doanh"),
    ("cap dien", "xin cap dien", "lap dong ho dien", "dau noi dien"),
    ("tien dien", "hoa don dien"),
    ("tot nghiep trung hoc pho thong", "thi tot nghiep", "thpt"),
)


@cache
def _groups() -> dict[str, tuple[str, ...]]:
    return {phrase: group for group in SYNONYMS for phrase in group}


@cache
def _pattern() -> re.Pattern[str]:
    phrases = sorted(_groups(), key=len, reverse=True)  # longest first: "gia han bang lai" before "bang lai"
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(p) for p in phrases) + r")(?![\w-])")


Alternative = tuple[str, ...]  # pieces that must all be contained


def query_parts(folded: str) -> list[tuple[Alternative, ...]]:
    """The parts a procedure's folded text must all satisfy, each as its alternatives: 'bang lai o to' →
    [(("giay phep lai xe",), …, ("bang lai",), ("bang", "lai")), (("o",),), (("to",),)]."""
    parts: list[tuple[Alternative, ...]] = []
    rest: list[str] = []
    position = 0
    for m in _pattern().finditer(folded):
        rest.append(folded[position : m.start()])
        typed = m.group(1)
        parts.append((*((phrase,) for phrase in _groups()[typed]), tuple(typed.split())))
        position = m.end()
    rest.append(folded[position:])
    parts += [((word,),) for word in " ".join(rest).split()]
    return parts


_TOKEN = re.compile(r"[a-z0-9]+")


def ranking_query(folded: str) -> str | None:
    """The query for PostgreSQL's ``to_tsquery('simple', …)`` that ranks what :func:`query_parts` matched:
    every alternative of every part, a phrase as adjacent words (``giay <-> phep <-> lai <-> xe``), the pieces
    of an alternative by AND, and all alternatives by OR so each part that matches whole words adds to the rank. Only ``[a-z0-9]`` words reach it (the query
    syntax's operators never do); ``None`` when no word is left."""
    alternatives: dict[str, None] = {}  # in order, once each
    for part in query_parts(folded):
        for alternative in part:
            pieces = [" <-> ".join(words) for piece in alternative if (words := _TOKEN.findall(piece))]
            if pieces:
                alternatives[" & ".join(pieces)] = None
    return " | ".join(f"({a})" for a in alternatives) or None
