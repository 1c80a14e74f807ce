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
