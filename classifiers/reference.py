"""Reference data (classifiers/data): document types, organ keywords, places, issuers."""
from __future__ import annotations

import csv
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


def _lines(name: str) -> tuple[str, ...]:
    text = (DATA / name).read_text(encoding="utf-8")
    return tuple(ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#"))


@lru_cache(maxsize=1)
def organ_keywords() -> tuple[str, ...]:
    """Folded, longest first (so 'tong cuc' wins over 'cuc')."""
    return tuple(sorted({fold(k) for k in _lines("organs.txt")}, key=len, reverse=True))


@lru_cache(maxsize=1)
def places() -> tuple[str, ...]:
    return _lines("places.txt")


@lru_cache(maxsize=1)
def issuers() -> tuple[str, ...]:
    return _lines("issuers.txt")


def starts_with_organ(line: str) -> bool:
    f = fold(line)
    return any(f == k or f.startswith(k + " ") for k in organ_keywords())


@lru_cache(maxsize=1)
def titles() -> tuple[str, ...]:
    return _lines("titles.txt")


_ADMIN_WORDS = "UBND HĐND TỈNH THÀNH PHỐ HUYỆN QUẬN THỊ XÃ PHƯỜNG THỊ TRẤN TP."


@lru_cache(maxsize=1)
def caps_vocabulary() -> dict[str, str]:
    """Folded word -> the one caps word of the reference data it stands for. Words whose
    folded form is shared by two different words (TỈNH/TÍNH) are left out: only an
    unambiguous word can repair a misread one."""
    words = set(_ADMIN_WORDS.split())
    for source in (issuers(), titles(), tuple(p.upper() for p in places()), _lines("organs.txt")):
        for entry in source:
            words.update(entry.replace(",", " ").split())
    by_fold: dict[str, set[str]] = {}
    for w in words:
        by_fold.setdefault(fold(w), set()).add(w)
    return {f: next(iter(ws)) for f, ws in by_fold.items() if len(ws) == 1}


def repair_caps(text: str) -> tuple[str, int]:
    """Put the tone marks back on caps header words that OCR misread (TÍNH -> TỈNH,
    TICH -> TỊCH, ĐÁ NẴNG -> ĐÀ NẴNG), when the word without its marks is a known one.
    Returns the text and how many words changed."""
    vocab = caps_vocabulary()
    out, changed = [], 0
    for word in text.split(" "):
        fixed = vocab.get(fold(word), word) if word.isupper() else word
        changed += fixed != word
        out.append(fixed)
    return " ".join(out), changed
