"""Text helpers for matching noisy OCR against Vietnamese reference data."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Letters Tesseract produces that Vietnamese does not have, and what they stand for.
_STRAY = str.maketrans(
    {
        "ñ": "n",
        "Ñ": "N",
        "ö": "o",
        "Ö": "O",
        "ï": "i",
        "Ï": "I",
        "å": "a",
        "Å": "A",
        "ë": "e",
        "Ë": "E",
        "ü": "u",
        "Ü": "U",
        "ø": "o",
        "Ø": "O",
        "ç": "c",
        "Ç": "C",
        "Ð": "Đ",
        "ð": "đ",
        "ß": "B",
        "—": "-",
        "–": "-",
        "‐": "-",
        "‑": "-",
        "|": "I",
        "“": '"',
        "”": '"',
        "’": "'",
        "‘": "'",
    }
)

# Old-style tone placement (oà, uỷ) to the new style Decree 30 uses (òa, ủy).
_OLD_TONES = {
    "oà": "òa",
    "oá": "óa",
    "oả": "ỏa",
    "oã": "õa",
    "oạ": "ọa",
    "oè": "òe",
    "oé": "óe",
    "oẻ": "ỏe",
    "oẽ": "õe",
    "oẹ": "ọe",
    "uỳ": "ùy",
    "uý": "úy",
    "uỷ": "ủy",
    "uỹ": "ũy",
    "uỵ": "ụy",
}
_OLD_TONES.update({k.upper(): v.upper() for k, v in list(_OLD_TONES.items())})
_OLD_TONES.update({k[0].upper() + k[1:]: v[0].upper() + v[1:] for k, v in list(_OLD_TONES.items()) if k.islower()})
# After 'q' the u is the onset's ('quý', 'Quỹ'): the tone stands on the y in either style.
_OLD_RE = re.compile("(?<![qQ])(?:" + "|".join(map(re.escape, _OLD_TONES)) + r")(?=\W|$)")


def clean(s: str) -> str:
    """NFC, stray letters mapped, new-style tone placement, single spaces."""
    s = unicodedata.normalize("NFC", s).translate(_STRAY)
    s = _OLD_RE.sub(lambda m: _OLD_TONES[m.group(0)], s)
    return re.sub(r"\s+", " ", s).strip()


@lru_cache(maxsize=4096)
def fold(s: str, keep_dd: bool = False) -> str:
    """Lower case without diacritics (đ -> d): what stays when tone marks are misread.
    `keep_dd`: đ kept apart from d (in a notation's code Đ is a letter of its own)."""
    s = clean(s).replace("Đ", "đ") if keep_dd else clean(s).replace("đ", "d").replace("Đ", "D")
    s = unicodedata.normalize("NFD", s)
    return "".join(ch for ch in s if not unicodedata.combining(ch)).lower()


def is_caps(s: str) -> bool:
    letters = [c for c in s if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) >= 0.8 * len(letters)
