"""Tone marks OCR misread, mended by the words they belong to.

Tesseract confuses a Vietnamese syllable's tone marks (hỏi read as sắc, huyền dropped:
`tuyến sinh` for tuyển sinh, `bôi dưỡng` for bồi dưỡng, `Cống` for Cổng) and the
misread syllable is a valid one, so no syllable check catches it. The word it belongs
to does: `tuyến sinh` is no Vietnamese word, `tuyển sinh` is. A syllable is mended when,
as read, it makes no word of two or three syllables with its neighbours, and exactly one
other tone on it does (classifiers/data/compounds.txt, from Viet74K:
scripts/make_compounds.py). Only the marks above the letter change (the dot below is
read apart from them, and `để` → `đệ trình` would make a word as easily), never a
letter or a vowel's shape; never a syllable common as a word alone (`tại khoản` is not
`tài khoản`: classifiers/data/standalone.txt), nor a capitalised one inside the text
(a name: `Hòa Lợi`). Only free text is mended (a subject, the recipients, the
searchable PDF's text layer); names have their reference lists. The figures, on real
text every word of which is right and on OCR'd scans, are in the README
(`python -m benchmarks.tones`)."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from functools import lru_cache

from ocr.vietnamese import LETTER_RUN, TONES, toneless

from .reference import data_lines
from .text import clean

_DOT_BELOW = "\u0323"
_WIDEST = 3  # the longest word looked for, in syllables


def _toneless(syllable: str) -> str:
    return toneless(syllable)[0]


def _tone(syllable: str) -> str:
    return next((c for c in unicodedata.normalize("NFD", syllable) if c in TONES), "")


def _canonical(syllable: str, spellings: dict[str, frozenset[str]]) -> str:
    """The dictionary's spelling of the same syllable, tone and all: OCR puts a mark on
    another vowel of it now and then ('qũy' for quỹ), which is no other tone."""
    same = [s for s in spellings.get(_toneless(syllable), ()) if _tone(s) == _tone(syllable)]
    return same[0] if len(same) == 1 else syllable


def _dotted(syllable: str) -> bool:
    return _DOT_BELOW in unicodedata.normalize("NFD", syllable)


@lru_cache(maxsize=1)
def _standalone() -> frozenset[str]:
    return frozenset(data_lines("standalone.txt"))


@lru_cache(maxsize=1)
def _dictionary() -> tuple[frozenset[tuple[str, ...]], dict[str, frozenset[str]]]:
    """(the words, as tuples of syllables; each toneless syllable's spellings in them)."""
    words: set[tuple[str, ...]] = set()
    spellings: dict[str, set[str]] = defaultdict(set)
    for line in data_lines("compounds.txt"):
        word = tuple(line.split())
        words.add(word)
        for s in word:
            spellings[_toneless(s)].add(s)
    return frozenset(words), {k: frozenset(v) for k, v in spellings.items()}


def _word_at(chain: list[str], i: int, free: list[bool], words: frozenset[tuple[str, ...]]) -> range | None:
    """The span of a word of two or three syllables holding the chain's syllable i whose
    other syllables are `free` (in no word as read), or None."""
    for n in range(_WIDEST, 1, -1):
        for start in range(max(0, i - n + 1), min(i, len(chain) - n) + 1):
            span = range(start, start + n)
            if tuple(chain[start : start + n]) in words and all(free[k] for k in span if k != i):
                return span
    return None


def mend_tones(text: str) -> str:
    """`text` (cleaned) with each syllable whose tone alone kept it out of a word set
    right (a capital at its start kept). Words in capitals are left: abbreviations,
    names."""
    return _mended(clean(text))


def _mended(text: str) -> str:
    """mend_tones of text already cleaned."""
    words, spellings = _dictionary()
    out = list(text)
    # A chain: syllables one space apart (a comma or a digit between two ends it).
    chain: list[re.Match[str]] = []
    for m in [*LETTER_RUN.finditer(text), None]:
        if m is not None and (not chain or text[chain[-1].end() : m.start()] == " "):
            chain.append(m)
            continue
        first = bool(chain) and chain[0].start() == 0
        for k, mended in _mend_chain([c.group() for c in chain], first, words, spellings).items():
            out[chain[k].start() : chain[k].end()] = mended
        chain = [m] if m is not None else []
    return "".join(out)


def _mend_chain(
    chain: list[str], first: bool, words: frozenset[tuple[str, ...]], spellings: dict[str, frozenset[str]]
) -> dict[int, str]:
    """{index: the syllable mended} for a chain of syllables as read (`first`: the chain
    starts the text, where a capital is no name's). A syllable already in a word is
    never changed, nor made into a word with one that is ('giao chỉ tiêu' stays, though
    'giáo chỉ' is a word too); two mendings whose words would share a syllable ('bải
    mìn lòm': 'bãi mìn' or 'mìn lõm') are both left."""
    read = [_canonical(s.lower(), spellings) for s in chain]
    free = [_word_at(read, i, [True] * len(read), words) is None for i in range(len(read))]
    found: dict[int, tuple[str, range]] = {}
    for i, syllable in enumerate(chain):
        named = syllable[0].isupper() and not (first and i == 0)
        if not free[i] or named or read[i] in _standalone() or _dotted(read[i]):
            continue
        fits = []
        for other in spellings.get(_toneless(read[i]), frozenset()) - {read[i]}:
            if _dotted(other) or _tone(other) == _tone(read[i]):
                continue
            span = _word_at([*read[:i], other, *read[i + 1 :]], i, free, words)
            if span is not None:
                fits.append((other, span))
        if len(fits) == 1:
            found[i] = fits[0]
    out = {}
    for i, (other, span) in found.items():
        if any(set(span) & set(s) for k, (_, s) in found.items() if k != i):
            continue
        mended = other[0].upper() + other[1:] if chain[i][0].isupper() else other
        if len(mended) == len(chain[i]):  # NFC: one character per letter, with its tone or none
            out[i] = mended
    return out


def mend_read(text: str, weakest: float) -> str:
    """mend_tones of text OCR read (`weakest`: its least sure word, 0-1); text a file
    states (a PDF's own text layer, at 1.0) is what the document says, and stays."""
    return text if weakest >= 1.0 else mend_tones(text)


def mend_line(texts: list[str]) -> list[str]:
    """A line's words as OCR read them, each with its misread tones mended and nothing
    else changed (its punctuation and stray letters stay as read): the searchable
    PDF's text, which a records system may search with its marks."""
    joined = clean(" ".join(texts))
    cleaned, mended = joined.split(" "), _mended(joined).split(" ")
    if not (len(cleaned) == len(mended) == len(texts)):
        return texts  # a word of blanks: the words and the text no longer line up
    out = []
    for word, c, m in zip(texts, cleaned, mended):
        same_length = len(word) == len(c) == len(m)
        out.append("".join(m[k] if c[k] != m[k] else word[k] for k in range(len(word))) if same_length else word)
    return out
