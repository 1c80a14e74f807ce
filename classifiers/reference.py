"""Reference data (classifiers/data): document types, organ keywords, places, issuers."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .text import fold

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class DocType:
    name: str  # "Quyết định"
    abbreviation: str  # "QĐ"; "" for công văn and thư công


@lru_cache(maxsize=1)
def doc_types() -> tuple[DocType, ...]:
    with (DATA / "types.csv").open(encoding="utf-8") as f:
        return tuple(DocType(r["name"], r["abbreviation"]) for r in csv.DictReader(f))


@lru_cache(maxsize=1)
def type_by_abbreviation() -> dict[str, DocType]:
    return {t.abbreviation: t for t in doc_types() if t.abbreviation}


def data_lines(name: str) -> tuple[str, ...]:
    text = (DATA / name).read_text(encoding="utf-8")
    return tuple(ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#"))


@lru_cache(maxsize=1)
def organ_keywords() -> tuple[str, ...]:
    """Folded, longest first (so 'tong cuc' wins over 'cuc')."""
    return tuple(sorted({fold(k) for k in data_lines("organs.txt")}, key=len, reverse=True))


@lru_cache(maxsize=1)
def places() -> tuple[str, ...]:
    return data_lines("places.txt")


@lru_cache(maxsize=1)
def issuers() -> tuple[str, ...]:
    return data_lines("issuers.txt")


_LEVELS = ("TỈNH", "THÀNH PHỐ", "HUYỆN", "QUẬN", "THỊ XÃ")


@lru_cache(maxsize=1)
def known_bodies() -> frozenset[str]:
    """Names of real bodies, to tell a name read whole from a garbled one: the list, and
    every People's Committee and Council of a known place ('ỦY BAN NHÂN DÂN TỈNH PHÚ
    THỌ'). The latter only confirm a name read as it is, never mend one: a place misread
    is another place, and fuzzy matching would move the name there."""
    local = {
        f"{body} {level} {place.upper()}"
        for body in ("ỦY BAN NHÂN DÂN", "HỘI ĐỒNG NHÂN DÂN", "UBND", "HĐND")
        for level in _LEVELS
        for place in places()
        if not place.upper().startswith(_LEVELS + ("TP",))
    }
    return frozenset(issuers()) | frozenset(local)


def starts_with_organ(line: str) -> bool:
    f = fold(re.sub(r"^[\W_]+", "", line))  # a speck or quote read before the name
    return any(f == k or f.startswith(k + " ") for k in organ_keywords())


@lru_cache(maxsize=1)
def titles() -> tuple[str, ...]:
    return data_lines("titles.txt")


_ADMIN_PHRASES = [
    "UBND TỈNH",
    "UBND THÀNH PHỐ",
    "UBND HUYỆN",
    "UBND QUẬN",
    "UBND THỊ XÃ",
    "UBND XÃ",
    "UBND PHƯỜNG",
    "HĐND TỈNH",
    "HĐND THÀNH PHỐ",
    "HĐND HUYỆN",
]


@lru_cache(maxsize=1)
def _caps_phrases() -> tuple[str, ...]:
    phrases = list(_ADMIN_PHRASES) + list(issuers()) + list(titles()) + list(data_lines("organs.txt"))
    phrases += list(data_lines("name_words.txt"))
    for place in places():
        up = place.upper()
        phrases += [up, f"TỈNH {up}", f"THÀNH PHỐ {up}", f"HUYỆN {up}", f"QUẬN {up}", f"THỊ XÃ {up}"]
    return tuple(p.replace(",", " ") for p in phrases)


@lru_cache(maxsize=1)
def caps_vocabulary() -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """Folded word -> the one caps word of the reference data it stands for, and folded
    word pair -> the pair. A word whose folded form two words share (TỈNH / TĨNH,
    PHÓ / PHỐ) is only repaired through a pair it stands in (UBND TỈNH, HÀ TĨNH)."""
    by_fold: dict[str, set[str]] = {}
    pairs: dict[str, set[tuple[str, str]]] = {}
    for phrase in _caps_phrases():
        ws = phrase.split()
        for w in ws:
            by_fold.setdefault(fold(w), set()).add(w)
        for a, b in zip(ws, ws[1:]):
            pairs.setdefault(fold(a) + " " + fold(b), set()).add((a, b))
    words = {f: next(iter(ws)) for f, ws in by_fold.items() if len(ws) == 1}
    return words, {f: next(iter(ps)) for f, ps in pairs.items() if len(ps) == 1}


def repair_caps(text: str) -> tuple[str, int]:
    """Put the tone marks back on caps header words that OCR misread (TÍNH -> TỈNH,
    TICH -> TỊCH, ĐÁ NẴNG -> ĐÀ NẴNG), when the word without its marks is a known one.
    Words joined by a dot (TP.HO CHÍ MINH) are taken one by one. Returns the text and
    how many words changed."""
    words, pairs = caps_vocabulary()
    # Pieces with what follows each: a space or a dot.
    pieces = [
        (p, "." if k < len(token.split(".")) - 1 else " ")
        for token in text.split(" ")
        for k, p in enumerate(token.split("."))
    ]
    ws = [p for p, _ in pieces]
    out = list(ws)
    for i, w in enumerate(ws):
        if not w.isupper():
            continue
        f = fold(w)
        if f in words:
            out[i] = words[f]
            continue
        before = pairs.get(fold(ws[i - 1]) + " " + f) if i > 0 else None
        after = pairs.get(f + " " + fold(ws[i + 1])) if i + 1 < len(ws) else None
        if before:
            out[i] = before[1]
        elif after:
            out[i] = after[0]
    joined = "".join(w + sep for w, (_, sep) in zip(out, pieces)).rstrip(" ")
    return joined, sum(a != b for a, b in zip(ws, out))
