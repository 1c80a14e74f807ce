"""A name the document states twice. The issuer's name in the header is often read
worse than the body's text (bold caps, a seal's edge, a light stroke), and the body
names the issuer again in its own words: a subject '... của Ban Chỉ đạo X', an
authority line, a citation. A header word OCR could not read (confidence near 0) is
taken from the body where the same name stands with every other word alike and that
word read surely; the words read well are never changed, so a body that names another
body (UBND huyện B under UBND HUYỆN A) never moves the name."""

from __future__ import annotations

from collections import Counter

from rapidfuzz import fuzz

from ocr.types import Word

from .layout import Line
from .text import fold

WEAK = 50  # Tesseract's confidence (0-100) below which a header word is not trusted
_SURE = 80  # a body word that mends one must be read at least this surely
_LIKE = 60  # folded likeness (0-100) of the weak reading and the body's word ('CA', 'của')
_ANCHORS = 2  # well-read words that must stand alike around the mended ones


def mend_weak_words(name: list[Word], lines: list[Line]) -> list[str] | None:
    """The name's words with each weak one replaced by the body's reading of it (in the
    name's capitals), or None when no weak word is mended. Every place the body names
    it must agree on the word; its most frequent spelling is taken."""
    texts = [w.text for w in name]
    weak = [i for i, w in enumerate(name) if w.confidence < WEAK]
    if not weak or len(name) - len(weak) < _ANCHORS:
        return None
    own = {id(w) for w in name}
    body = [w for ln in lines for w in ln.words if id(w) not in own]
    folded = [_bare(t) for t in texts]
    seen: dict[int, list[str]] = {i: [] for i in weak}
    for start in range(len(body) - len(name) + 1):
        window = body[start : start + len(name)]
        if not all(i in seen or _bare(w.text) == folded[i] for i, w in enumerate(window)):
            continue
        if all(_mends(name[i], window[i]) for i in weak):
            for i in weak:
                seen[i].append(window[i].text.strip(_PUNCT))
    out = list(texts)
    for i, found in seen.items():
        if found and len({fold(t) for t in found}) == 1:
            out[i] = Counter(found).most_common(1)[0][0].upper()
    return out if out != texts else None


_PUNCT = ".,;:()\"'“”‘’"


def _bare(text: str) -> str:
    """Folded, without the punctuation a word carries in running text ('phủ;')."""
    return fold(text).strip(_PUNCT)


def _mends(weak: Word, word: Word) -> bool:
    letters = _bare(word.text)
    return word.confidence >= _SURE and letters.isalpha() and fuzz.ratio(_bare(weak.text), letters) >= _LIKE
