"""A name the document states twice. The issuer's name in the header is often read
worse than the body's text (bold caps, a seal's edge, a light stroke), and the body
names the issuer again in its own words: a subject '... của Ban Chỉ đạo X', an
authority line, a citation, 'Trường Đại học X thông báo'.

- A header word OCR could not read (confidence near 0) is taken from the body where the
  same name stands with every other word alike and that word read surely; the words
  read well are never changed, so a body that names another body (UBND huyện B under
  UBND HUYỆN A) never moves the name.
- A name the body states again word for word, every word read surely, was read twice,
  in other letters (caps and small): a second reading that agrees (classifiers.corroborate
  confirms an issuer no list knows with it and the notation's code)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from rapidfuzz import fuzz

from ocr.types import Box, Word, centre_in
from ocr.vietnamese import is_syllable

from .layout import Line
from .text import clean, fold

_WEAK = 50  # Tesseract's confidence (0-100) below which a header word is not trusted
_SURE = 80  # a body word that mends one must be read at least this surely
_LIKE = 60  # folded likeness (0-100) of the weak reading and the body's word ('CA', 'của')
_ANCHORS = 2  # well-read words that must stand alike around the mended ones


def mend_weak_words(name: list[Word], lines: list[Line]) -> list[str] | None:
    """The name's words with each doubtful one replaced by the body's reading of it (in
    the name's capitals), or None when none is mended. Doubtful: read weakly, or no
    Vietnamese syllable ('MIÊỀN'); or read with other marks than the body's same word
    (_better_marked). Every place the body names it must agree on the word; its most
    frequent spelling is taken."""
    texts = [w.text for w in name]
    weak = {i for i, w in enumerate(name) if w.confidence < _WEAK or not _syllable(w.text)}
    if len(name) - len(weak) < _ANCHORS:
        return None
    own = {id(w) for w in name}
    body = [w for ln in lines for w in ln.words if id(w) not in own]
    bare = [_bare(w.text) for w in body]  # once: a long document has thousands of words
    folded = [_bare(t) for t in texts]
    seen: dict[int, list[str]] = {i: [] for i in range(len(name))}
    for start in range(len(body) - len(name) + 1):
        if not all(i in weak or bare[start + i] == folded[i] for i in range(len(name))):
            continue
        # Each doubtful word is mended by a body word like it read surely, the others
        # standing alike around it.
        for i, w in enumerate(body[start : start + len(name)]):
            if _mends(name[i], w) if i in weak else _better_marked(name[i], w):
                seen[i].append(w.text.strip(_PUNCT))
    out = list(texts)
    for i, found in seen.items():
        # A weak word's readings agree as letters; marks added must agree to the mark.
        if found and len({fold(t) if i in weak else t.lower() for t in found}) == 1:
            out[i] = Counter(found).most_common(1)[0][0].upper()
    return out if out != texts else None


def _syllable(text: str) -> bool:
    """A word of letters that is a Vietnamese syllable, or not a word to judge (an
    abbreviation such as UBND or TP., a number, a one-letter word)."""
    letters = text.strip(_PUNCT)
    if (
        len(letters) < 2
        or not letters.isalpha()
        or (letters.isupper() and not re.search(r"[aeiouy]", fold(letters)[1:]))
    ):
        return True
    return is_syllable(letters)


def _marks(text: str) -> Counter[str]:
    """The diacritics of a word (đ's stroke among them), counted."""
    nfd = unicodedata.normalize("NFD", text.lower())
    return Counter(c for c in nfd if unicodedata.combining(c)) + Counter("đ" * nfd.count("đ"))


def _better_marked(read: Word, body: Word) -> bool:
    """The body's word is the header's with other marks, read surely: marks the header
    lost ('MIEN' for Miền), or others where the body was read the surer ('MIỄN' at 70,
    'Miền' at 96). Caps in a bold header lose and change their marks more often than
    running text does."""
    had, has = _marks(read.text.strip(_PUNCT)), _marks(body.text.strip(_PUNCT))
    if body.confidence < _SURE or _bare(read.text) != _bare(body.text) or had == has:
        return False
    return not (had - has) or body.confidence > read.confidence


_PUNCT = ".,;:()\"'“”‘’"


def _bare(text: str) -> str:
    """Folded, without the punctuation a word carries in running text ('phủ;')."""
    return fold(text).strip(_PUNCT)


def _mends(weak: Word, word: Word) -> bool:
    letters = _bare(word.text)
    return word.confidence >= _SURE and letters.isalpha() and fuzz.ratio(_bare(weak.text), letters) >= _LIKE


def restated(name: str, lines: list[Line], page: int | None, box: Box | None) -> bool:
    """`name` (read in `box` on `page`) stands elsewhere in the document word for word,
    tone marks and all (case aside), each word read at least _SURE. A city's 'TP.' and
    'Thành phố' are one ('... KỸ THUẬT TP. HẢI PHÒNG', '... Kỹ thuật Thành phố Hải
    Phòng')."""
    body = [w for ln in lines if not (box is not None and ln.page == page and centre_in(ln.box, box)) for w in ln.words]
    said = [_word(w.text) for w in body]
    for spelt in {name, _CITY.sub("Thành phố ", name), _CITY_IN_FULL.sub("TP. ", name)}:
        target = [_word(t) for t in spelt.split()]
        n = len(target)
        if any(
            said[i : i + n] == target
            and all(w.confidence >= _SURE for w in body[i : i + n])
            and _bounded(body, i, i + n)
            for i in range(len(body) - n + 1)
        ):
            return True
    return False


_CITY = re.compile(r"\bTP\.\s*", re.I)
_CITY_IN_FULL = re.compile(r"\bthành phố\s+", re.I)


def _bounded(body: list[Word], start: int, end: int) -> bool:
    """The words body[start:end] are a whole name, not part of a longer one: no
    capitalised word runs on into them, before or after, without punctuation between
    ('Trường Đại học Công nghiệp' is not the name 'Trường Đại học Công nghiệp Thực phẩm')."""
    before = body[start - 1].text if start > 0 else ""
    after = body[end].text if end < len(body) else ""
    joined_before = before[:1].isupper() and before[-1:] not in _PUNCT
    joined_after = after[:1].isupper() and body[end - 1].text[-1:] not in _PUNCT and not _article(body, end)
    return not (joined_before or joined_after)


def _article(body: list[Word], at: int) -> bool:
    """body[at:] begins an article's heading ('Điều 2.'), which no name runs on into."""
    return fold(body[at].text) == "dieu" and at + 1 < len(body) and body[at + 1].text[:1].isdigit()


def _word(text: str) -> str:
    return clean(text).lower().strip(_PUNCT)


_FILED = re.compile(r"^l[uư]u\b\s*:?\s*", re.I)  # 'Lưu: VT, KHTC.', 'Lưu:VT,', 'Lưu VT,'
_CODE = re.compile(r"^[^\W\d_]*[A-ZĐ][^\W\d_]*[A-ZĐ][^\W\d_]*$")  # two capitals at least: 'VT', 'PGDTr'
_FILED_WORDS = 8  # 'Lưu: VT, Vụ KHTC, Cục QLTT (2).': a short list, ended by a full stop


def filed_units(lines: list[Line]) -> set[str]:
    """The codes the 'Lưu:' item of the recipients' list names, each read at least
    _SURE: '- Lưu: VT, KHTC.' → {'VT', 'KHTC'}. The last is the drafting unit's,
    which a notation's code names too ('47/SGDĐT-KHTC'): read again in another
    place on the page, it is a second reading of that code part. ('Lưu ý:', a note,
    names none.) The item ends at its full stop: the signer's name may share its row."""
    found: set[str] = set()
    for ln in lines:
        at = next((i for i, w in enumerate(ln.words[:2]) if _FILED.match(w.text)), None)
        if at is None:
            continue
        first = ln.words[at]
        rest = [(_FILED.sub("", first.text), first.confidence)] + [(w.text, w.confidence) for w in ln.words[at + 1 :]]
        if not rest[0][0] and len(rest) > 1 and fold(rest[1][0]).startswith("y"):
            continue  # 'Lưu ý:'
        for text, confidence in rest[:_FILED_WORDS]:
            for token in re.split(r"[,;/.()\s]+", text):
                if confidence >= _SURE and _CODE.match(token):
                    found.add(token)
            if text.endswith("."):
                break
    return found
