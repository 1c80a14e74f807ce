"""Is this Vietnamese? And text from the legacy 8-bit font encodings, back to Unicode.

A PDF's text layer is only worth trusting when it reads as Vietnamese. Older Word
documents carry it in TCVN3 (ABC, the `.VnTime` fonts) or VNI (`VNI-Times`), where
each accented letter is stored as a Latin-1 character ("Céng hßa", "Coäng hoøa"), and
some converters write "ƣ" (U+01A3) for "ư". Whether a layer is one of these is decided
by the text itself: the reading under which most words are Vietnamese syllables wins.
"""

from __future__ import annotations

import re
import unicodedata

# --- Vietnamese syllables ------------------------------------------------------------

TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_ONSETS = "ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|b|c|d|đ|g|h|k|l|m|n|p|r|s|t|v|x"
_NUCLEI = (
    "uyê|uya|uyu|ươi|ươu|oai|oay|oao|oeo|uây|uôi|iêu|yêu|ươ|uô|iê|yê|ia|ua|ưa|oa|oă|oe|uâ|uê|uy|"
    "ai|ao|au|ay|âu|ây|eo|êu|iu|oi|ôi|ơi|ui|ưi|ưu|a|ă|â|e|ê|i|o|ô|ơ|u|ư|y"
)
_CODAS = "ng|nh|ch|c|m|n|p|t"
_SYLLABLE = re.compile(rf"(?:{_ONSETS})?(?:{_NUCLEI})(?:{_CODAS})?")
LETTER_RUN = re.compile(r"[^\W\d_]+")


def toneless(word: str) -> tuple[str, int]:
    """The word without tone marks (vowel shapes kept), and how many tone marks it had."""
    nfd = unicodedata.normalize("NFD", word.lower())
    tones = sum(1 for c in nfd if c in TONES)
    return unicodedata.normalize("NFC", "".join(c for c in nfd if c not in TONES)), tones


# The date line's printed words, folded (no marks, đ as d), as OCR reads them: an italic
# 'ngày' read 'ngài', 'tháng' crowded to 'thúng' by a hand's digits written beside it.
NGAY = r"nga[yi]"
THANG = r"th[au]ng"


def bare(text: str) -> str:
    """Lower case without any diacritic (đ as d): what survives a misread accent."""
    nfd = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return "".join(c for c in nfd if not unicodedata.combining(c))


def is_syllable(word: str) -> bool:
    """Whether `word` (letters only) is a possible Vietnamese syllable: onset, vowel
    nucleus, coda, and at most one tone mark. Foreign words and abbreviations fail,
    which is why callers look at shares, never at one word."""
    bare, tones = toneless(word)
    return tones <= 1 and _SYLLABLE.fullmatch(bare) is not None


def syllable_share(text: str) -> float:
    """Share of the letter runs of `text` that are Vietnamese syllables (1.0 for text
    without letters: digits and punctuation are neither good nor bad)."""
    words = LETTER_RUN.findall(text)
    if not words:
        return 1.0
    return sum(is_syllable(w) for w in words) / len(words)


# --- TCVN3 (ABC) ----------------------------------------------------------------------

# Lower-case letters of the ABC fonts; the capitals Ă Â Đ Ê Ô Ơ Ư have their own codes,
# other capitals with tone marks exist only in the ".VnTimeH" style fonts, which draw
# the lower-case codes as capitals.
_TCVN3 = dict(
    zip(
        "µ¸¶·¹¨»¾¼½Æ©ÇÊÈÉË®ÌÐÎÏ\xd1\xaaÒÕÓÔÖ×ÝØÜÞßãáâä«åèæçé¬êíëìîïóñòô\xadõøö÷ùúýûüþ¡¢§£¤¥¦",
        "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵĂÂĐÊÔƠƯ",
        strict=True,
    )
)


def from_tcvn3(text: str) -> str:
    return "\n".join(_tcvn3_line(line) for line in text.split("\n"))


def _tcvn3_line(line: str) -> str:
    words = re.split(r"(\s+)", line)
    converted = ["".join(_TCVN3.get(c, c) for c in w) for w in words]
    # Typed in a capitals font (".VnTimeH"): the ASCII letters are capitals and the
    # accented ones came out lower case ("CéNG" is "CỘNG"). A word too short to tell
    # ("Së", "X·") follows the rest of its line.
    in_capitals = sum(_evidence(w) == "upper" for w in words) > sum(_evidence(w) == "lower" for w in words)
    return "".join(
        c.upper() if w != c and (_evidence(w) == "upper" or (in_capitals and _evidence(w) != "lower")) else c
        for w, c in zip(words, converted)
    )


def _evidence(word: str) -> str:
    """ "lower" if the word has a lower-case ASCII letter, "upper" if it has two or more
    ASCII letters and all are capitals, else "" (cannot tell)."""
    letters = [c for c in word if c.isascii() and c.isalpha()]
    if any(c.islower() for c in letters):
        return "lower"
    return "upper" if len(letters) >= 2 else ""


# --- VNI ------------------------------------------------------------------------------

_ACUTE, _GRAVE, _HOOK, _TILDE, _DOT = "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"
_CIRC, _BREVE, _HORN = "\u0302", "\u0306", "\u031b"
# A VNI mark follows its base letter: tone marks, and the circumflex and breve on their
# own or together with a tone.
_VNI_MARKS = {
    "ù": _ACUTE,
    "ø": _GRAVE,
    "û": _HOOK,
    "õ": _TILDE,
    "ï": _DOT,
    "â": _CIRC,
    "á": _CIRC + _ACUTE,
    "à": _CIRC + _GRAVE,
    "å": _CIRC + _HOOK,
    "ã": _CIRC + _TILDE,
    "ä": _CIRC + _DOT,
    "ê": _BREVE,
    "é": _BREVE + _ACUTE,
    "è": _BREVE + _GRAVE,
    "ú": _BREVE + _HOOK,
    "ü": _BREVE + _TILDE,
    "ë": _BREVE + _DOT,
}
_VNI_MARKS |= {k.upper(): v for k, v in _VNI_MARKS.items()}
# Letters VNI stores in one byte.
_VNI_LETTERS = {
    "ô": "ơ",
    "ö": "ư",
    "ñ": "đ",
    "ó": "ĩ",
    "ò": "ị",
    "æ": "ỉ",
    "î": "ỵ",
    "Ô": "Ơ",
    "Ö": "Ư",
    "Ñ": "Đ",
    "Ó": "Ĩ",
    "Ò": "Ị",
    "Æ": "Ỉ",
    "Î": "Ỵ",
}
_VOWELS = set("aeiouyAEIOUYôöÔÖ")


def from_vni(text: str) -> str:
    out: list[str] = []
    prev = ""
    for c in text:
        if c in _VNI_MARKS and prev in _VOWELS:
            out.append(_VNI_MARKS[c])
        else:
            out.append(_VNI_LETTERS.get(c, c))
        prev = c
    return unicodedata.normalize("NFC", "".join(out))


# --- choosing -------------------------------------------------------------------------

# A legacy reading is taken only when it is clearly more Vietnamese than the text as it
# stands: a real Unicode text that happens to contain "ó" stays as it is.
_MARGIN = 0.15


def normalise(text: str) -> str:
    """Unicode text in NFC, with "ƣ" (U+01A3, a converter's habit) as "ư"."""
    return unicodedata.normalize("NFC", text.replace("\u01a3", "ư").replace("\u01a2", "Ư"))


def to_unicode(text: str) -> tuple[str, str]:
    """(`text` in NFC Unicode, the encoding it was in: "unicode", "tcvn3" or "vni")."""
    text = normalise(text)
    if not any(ord(c) > 127 for c in text):
        return text, "unicode"
    best, best_share, encoding = text, syllable_share(text), "unicode"
    for name, convert in (("tcvn3", from_tcvn3), ("vni", from_vni)):
        candidate = convert(text)
        share = syllable_share(candidate)
        if share > best_share + _MARGIN:
            best, best_share, encoding = candidate, share, name
    return best, encoding
