"""Number and notation (Số: 123/QĐ-UBND): parse the OCR'd text, repair typical misreads,
check the parts against the abbreviation tables."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

from .reference import DATA, type_by_abbreviation
from .text import clean

# After "Số:" - the colon is often lost and the word misread (Sô, Sỗ, Sôt, Sổ, So, Sé:).
SO_RE = re.compile(
    r"^\s*S(?:[ôốồổỗộoóòỏõọơớờởỡợ0]\w?\s*[:;.,]?|[eéèẻẽẹêếềểễệ][:;])\s*(?P<rest>.+)$", re.IGNORECASE
)  # ('Sé:' with its colon too)
# A code part may join bodies' letters with '&' or, in a joint document, with commas
# as the body's name has them ('SXD,GT,VT' for a joint Sở of Xây dựng, Giao thông, Vận tải).
NOTATION_RE = re.compile(
    r"^(?P<num>[0-9OoIl|]{1,5})(?:/(?P<year>[0-9OoIl|]{4}))?/"
    r"(?P<code>[^\W\d_][^\W_]*(?:[&,][^\W_]+)*(?:-[^\W_]+(?:[&,][^\W_]+)*)*)$"
)
# The Party's and its mass organisations' style (Hướng dẫn 36-HD/VPTW): the type's code
# after a dash, the body's after the slash: '47-TB/ĐTN', '12-NQ/TW'.
PARTY_RE = re.compile(r"^(?P<num>[0-9OoIl|]{1,5})-(?P<type>[^\W\d_]+)/(?P<code>[^\W\d_][^\W_]*(?:-[^\W_]+)*)$")
_DIGIT_FIX = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1"})
# Letter misreads inside codes, tried when a part is not a known abbreviation.
_LETTER_SWAPS = [
    ("I", "T"),
    ("l", "I"),
    ("1", "I"),
    ("1", "T"),
    ("0", "O"),
    ("Ð", "Đ"),
    ("D", "Đ"),
    ("Đ", "D"),
    ("rn", "m"),
    ("Q", "O"),
    ("O", "Q"),
    ("y", "ý"),
    ("TT", "Tr"),  # a small r read as a capital T: 'CTT' for CTr (Chương trình), before collapsing doubles
]


@dataclass
class Notation:
    text: str  # as it should be printed, e.g. "09/2025/QĐ-TTg"
    number: int
    year: int | None
    parts: list[str]  # code parts: ["QĐ", "TTg"]
    repairs: int  # misreads corrected
    unknown_parts: int  # parts in no table (may still be right)

    @property
    def type_abbreviation(self) -> str | None:
        return self.parts[0] if self.parts and self.parts[0] in type_by_abbreviation() else None


@lru_cache(maxsize=1)
def known_codes() -> frozenset[str]:
    extra = (DATA / "abbreviations.txt").read_text(encoding="utf-8").split()
    return frozenset(type_by_abbreviation()) | frozenset(a for a in extra if not a.startswith("#"))


def after_so(text: str) -> str | None:
    """The text after 'Số:' if the line starts with it."""
    m = SO_RE.match(clean(text))
    return m.group("rest") if m else None


def parse(rest: str) -> Notation | None:
    """Parse what follows 'Số:'. Tolerates spaces around / and -, misread digits and
    letters; None when it is not a notation at all."""
    s = re.sub(r"\s*([/-])\s*", r"\1", clean(rest))
    s = re.sub(r"^(\w+/\d{4})(?=[^\W\d_])", r"\1/", s)  # a lost slash after the year: 09/2025QĐ-TTg
    slashed = _lost_slash(s)
    token = slashed.split(" ")[0].rstrip(".,;:")
    dashes = re.sub(r"-{2,}", "-", token)  # a dash read twice: 'TTr--UBND'
    m = NOTATION_RE.match(dashes)
    if not m:
        return _parse_party(token)
    repairs = int(dashes != token) + int(slashed != s)
    num_s = m.group("num").translate(_DIGIT_FIX)
    repairs += num_s != m.group("num")
    year_s = m.group("year")
    if year_s:
        fixed = year_s.translate(_DIGIT_FIX)
        repairs += fixed != year_s
        year_s = fixed
    parts = re.split(r"-", m.group("code"))
    out_parts: list[str] = []
    unknown = 0
    for i, part in enumerate(parts):
        # The type's and the issuer's codes come from closed lists; a unit's does not.
        closed = i == 0 or (i == 1 and out_parts[0] in type_by_abbreviation())
        fixed, n = _repair_part(part, closed)
        repairs += n
        unknown += fixed not in known_codes()
        out_parts.append(fixed)
    number = int(num_s)
    # As printed: Decree 30 asks for a leading zero below 10, but offices print "3/2025"
    # too, and the register must carry the number as the document shows it.
    num_text = num_s
    text = f"{num_text}/{year_s + '/' if year_s else ''}{'-'.join(out_parts)}"
    return Notation(text, number, int(year_s) if year_s else None, out_parts, repairs, unknown)


def _lost_slash(s: str) -> str:
    """'116UBND-TH' → '116/UBND-TH': the slash after the number lost in print, put
    back only before a code on the lists (a number run into another word stays
    unparsed). The digits may then hold the slash misread as a 1, so they are not
    taken as read (classifiers.extract._digits_as_read wants the slash after them)."""
    m = re.match(r"^(\d{1,5})([^\W\d_]+)(?=-|$|\s)", s)
    if m is None or m.group(2) not in known_codes():
        return s
    return f"{m.group(1)}/{s[m.end(1) :]}"


def _parse_party(token: str) -> Notation | None:
    m = PARTY_RE.match(token)
    if not m or m.group("type") not in type_by_abbreviation():
        return None  # only a known type's code makes a dash a notation's ('15-20/...' is not)
    num_s = m.group("num").translate(_DIGIT_FIX)
    parts = [m.group("type"), *m.group("code").split("-")]
    fixed = [_repair_part(part, i == 1) for i, part in enumerate(parts)]
    repairs = (num_s != m.group("num")) + sum(n for _, n in fixed)
    out = [f for f, _ in fixed]
    unknown = sum(f not in known_codes() for f in out)
    text = f"{num_s}-{out[0]}/{'-'.join(out[1:])}"
    return Notation(text, int(num_s), None, out, repairs, unknown)


def _repair_part(part: str, closed: bool) -> tuple[str, int]:
    codes = known_codes()
    if part in codes:
        return part, 0
    # Letters the same shape in both cases (c, o, s, v, ...) read small in a code of capitals: 'sYT'.
    upper = re.sub(r"[cosuvwxz]", lambda m: m.group().upper(), part)
    if upper != part and upper in codes:
        return upper, 1
    # Single substitutions of known confusions, then the closest known code (one edit).
    for a, b in _LETTER_SWAPS:
        if a in part:
            cand = part.replace(a, b)
            if cand in codes:
                return cand, 1
    # A small r stands in codes only after a T (TTr, CTr, GDTrH): an I, l or 1 before it
    # is a misread T, in a unit's code as well.
    mended = re.sub(r"[Il1|](?=r)", "T", part)
    if mended != part and (mended in codes or not closed):
        return mended, 1
    # A letter read twice (QĐĐ): collapse doubles.
    collapsed = re.sub(r"(.)\1", r"\1", part)
    if collapsed != part and collapsed in codes:
        return collapsed, 1
    # The closest known code (one edit) only for a type's or an issuer's code: a unit's
    # code is any office's own (NVD, Nghiệp vụ Dược), and a letter more or less makes
    # another unit's.
    if closed and len(part) >= 3:
        close = [c for c in codes if Levenshtein.distance(c, part) == 1 and len(c) >= 2]
        if len(close) == 1:
            return close[0], 1
    return part, 0
