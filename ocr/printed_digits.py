"""The header's printed digits read a second time: the number ('Số: 47/QĐ-UBND') and
the date's ('ngày 05 tháng 8 năm 2017').

On real scans Tesseract reads printed digits right far more often than its confidence
says (80-89 where 90 is green), and misreads a degraded one now and then (a photocopied
8 as 0). The digit reader (ocr/digits.py, trained on print faces too) reads the same
digits again, one by one, from the page:
- both engines read the same digits, each surely: the word is confirmed (CONFIRMED);
- Tesseract read them weakly and the digit reader surely reads others: the digit
  reader's digits replace them, below green (REREAD), with a note. Very sure (0.97)
  it needs no one else; sure (0.9), only when Tesseract, held to digits and shown the
  word's ink alone, reads them as it does (an italic 6 read as 8 amid the line);
- digits Tesseract read surely (95) amid the line and as others on their own stay as
  read, doubted (DOUBTED), with a note;
- otherwise Tesseract's reading stays as it was."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

import cv2
import numpy as np

from .digits import NOT_A_DIGIT, DigitReader, normalise, reader
from .errors import OCREngineError
from .tesseract import read_digit_line
from .types import Word
from .vietnamese import bare

CONFIRMED = 95.0  # a word whose digits both engines read alike, surely
REREAD = 80.0  # digits the digit reader read in place of Tesseract's weak ones
DOUBTED = 50.0  # digits read surely amid the line and otherwise on their own
_SURE = 0.9  # the digit reader's probability for each digit, to confirm
_SURER = 0.97  # and to overrule Tesseract
_WEAK = 80.0  # Tesseract's confidence below which it may be overruled
_FLOOR = 30.0  # below this Tesseract's reading is no reading to confirm
_WIDEST = 0.9  # a printed digit's width against its height, at most (most are half as wide)
_NUMBER = re.compile(r"^(\d{1,5})(?=/|$)")
_DATE_PART = re.compile(r"^(\d{1,4})[,.]?$")
_BEFORE = {"number": ("so",), "date": ("ngay", "thang", "nam")}


def read_again(
    grey: np.ndarray, words: list[Word], above: float, handwritten: Sequence[Word] = ()
) -> tuple[list[Word], list[str], list[Word], list[Word]]:
    """(`words` with the header's printed digits confirmed or read anew, notes on what
    was read anew, the other reading of each word doubted: Tesseract's on the digits
    alone, in the word's box, and the digits of each notation token read weakly that
    both engines read alike: in their own box, CONFIRMED). Only words above `above`
    pixels (the header) are looked at, and not the `handwritten` readings (the digit
    reader's already)."""
    digits = reader()
    if digits is None:
        return words, [], [], []
    out, notes, others, confirmed = list(words), [], [], []
    hand = {id(w) for w in handwritten}
    for i, w in enumerate(words):
        # Digits first: the row's words are looked through only for a word that starts with one.
        if not w.text[:1].isdigit() or w.box[1] > above or w.confidence < _FLOOR or id(w) in hand:
            continue
        kind = _kind(w, words)
        if kind is None:
            continue
        m = (_NUMBER if kind == "number" else _DATE_PART).match(w.text)
        if not m:
            continue
        tesseract = m.group(1)
        alone = len(tesseract) == len(w.text.rstrip(",."))  # digits only, no code after them
        out[i], note, other, sure_digits = _second_look(digits, grey, w, kind, tesseract, alone)
        if sure_digits is not None:
            confirmed.append(sure_digits)
        if note:
            notes.append(note)
        if other:
            others.append(replace(w, text=other + w.text[len(tesseract) :], confidence=DOUBTED))
        # A word of digits alone wider than as many printed digits lost one (a hand's 17
        # written in the day's gap read as 1 at 95), and one standing raised above the
        # print of its row is a hand's, read as print (a bilevel scan's black pen): however
        # surely read, and whatever is read again, it is doubted. (Its glyphs are not
        # counted: a light scan breaks a thin printed 0 in two.)
        if alone and (too_wide(w, tesseract) or raised(w, words)):
            out[i] = replace(out[i], confidence=min(out[i].confidence, DOUBTED))
            notes.append(f"the {kind} digits '{tesseract}' may be more digits, or a hand's: check them")
    return out, notes, others, confirmed


def _second_look(
    digits: DigitReader, grey: np.ndarray, w: Word, kind: str, tesseract: str, alone: bool
) -> tuple[Word, str, str, Word | None]:
    """The word confirmed, read anew or doubted, a note on what changed ('' when
    nothing to say), when doubted the other reading of its digits ('' otherwise), and
    the digits alone, confirmed, of a token whose code keeps Tesseract's weak reading
    (None otherwise). `tesseract`: its digits as read; `alone`: no code after them."""
    if w.confidence >= CONFIRMED:
        # Read surely amid the line, the digits are still shown to Tesseract on their
        # own: a light scan's broken digit misread at 96 amid the line comes out right
        # (with a code after them, only as many other digits count).
        found = None if alone else _read(digits, grey, w, len(tesseract))
        right = w.box[2] - w.box[0] if alone else found[2] if found else None
        other = _tesseract_on(grey, w, right) if right else None
        if other and other != tesseract and (alone or len(other) == len(tesseract)):
            note = f"the printed {kind} digits '{tesseract}' may be '{other}': check them"
            return replace(w, confidence=DOUBTED), note, other, None
        return w, "", "", None
    found = _read(digits, grey, w, len(tesseract))
    if found is None:
        return w, "", "", None
    read, sure, right = found
    # A word holding a code after its digits ('47/QĐ-UBND') is confirmed whole only when
    # Tesseract read it fairly surely too: the second reading vouches for the digits,
    # never for the code's letters. Read less surely (Tesseract is rarely sure of a long
    # token of digits and capitals, even on a clean page), the word stays as read and
    # its digits alone are confirmed, in their own box.
    if read == tesseract and sure >= _SURE:
        if alone or w.confidence >= _WEAK:
            return replace(w, confidence=CONFIRMED), "", "", None
        x0, y0, x1, y1 = w.box
        return w, "", "", replace(w, text=tesseract, box=(x0, y0, min(x1, x0 + right), y1), confidence=CONFIRMED)
    if (
        read != tesseract
        and w.confidence < _WEAK
        and (sure >= _SURER or (sure >= _SURE and _tesseract_on(grey, w, right) == read))
    ):
        reread = replace(w, text=read + w.text[len(tesseract) :], confidence=REREAD)
        return reread, f"the printed {kind} digits '{tesseract}' read again as '{read}': check them", "", None
    return w, "", "", None


def too_wide(w: Word, digits: str) -> bool:
    """The word is wider than as many printed digits: it holds more than was read."""
    return w.box[2] - w.box[0] > _WIDEST * len(digits) * (w.box[3] - w.box[1])


def raised(w: Word, words: list[Word]) -> bool:
    """The word's top stands above the tops of the row's printed words (not digits) by a
    quarter of their height: a hand's digits written over the line, not print."""
    row = [v for v in words if v.line == w.line and v is not w and not any(c.isdigit() for c in v.text)]
    if not row:
        return False
    tops = sorted(v.box[1] for v in row)
    heights = sorted(v.box[3] - v.box[1] for v in row)
    return w.box[1] < tops[len(tops) // 2] - 0.25 * heights[len(heights) // 2]


def _kind(w: Word, words: list[Word]) -> str | None:
    """'number' after 'Số:', 'date' after 'ngày', 'tháng' or 'năm' on the same row."""
    h = max(1, w.box[3] - w.box[1])
    mid = (w.box[1] + w.box[3]) / 2
    for v in words:
        if not (0 <= w.box[0] - v.box[2] <= 2 * h and abs((v.box[1] + v.box[3]) / 2 - mid) < 0.6 * h):
            continue
        word = bare(v.text).rstrip(":;.,")
        for kind, before in _BEFORE.items():
            if word in before and (kind != "number" or v.text[:1] == "S"):
                return kind
    return None


def _read(digits: DigitReader, grey: np.ndarray, w: Word, n: int) -> tuple[str, float, int] | None:
    """The first `n` digits in the word's box as the digit reader reads them, its
    sureness of the least sure, and where the nth digit ends (from the box's left);
    None when the ink does not part into `n` glyphs. Printed digits stand apart, so
    each is one blob of ink (the handwriting's cutting and grouping would split a serif
    face's 4 at its thin bar), or a few one above another where a thin italic stroke
    broke on a light scan (a 9's tail apart from its bowl)."""
    x0, y0, x1, y1 = w.box
    cut = grey[max(0, y0) : y1, max(0, x0) : x1]
    if cut.size == 0:
        return None
    _, ink = cv2.threshold(cut, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    # Specks (a fifth of the word's height or less) join no glyph; a glyph is at least
    # 0.4 of the word's height (not a speck nor a diacritic).
    pieces = [k for k in range(1, count) if stats[k, cv2.CC_STAT_HEIGHT] > 0.2 * cut.shape[0]]
    glyphs = _glyphs([tuple(int(v) for v in stats[k, :4]) for k in pieces])
    tall = [g for g in glyphs if g[1][3] >= 0.4 * cut.shape[0]]
    if len(tall) < n:
        return None
    masks = []
    for parts, (x, y, bw, bh) in tall[:n]:
        inside = np.isin(labels[y : y + bh, x : x + bw], [pieces[k] for k in parts])
        masks.append(inside.astype(np.uint8) * 255)
    probs = digits.probabilities(np.stack([normalise(m) for m in masks]))[:, :NOT_A_DIGIT]
    x, _, bw, _ = tall[n - 1][1]
    return "".join(str(int(p.argmax())) for p in probs), float(probs.max(axis=1).min()), x + bw


def _tesseract_on(grey: np.ndarray, w: Word, right: int) -> str | None:
    """The digits Tesseract, held to digits, reads in the word's ink alone up to `right`
    (its digits, not a code after them), with a margin of paper; None without its
    digits' language data."""
    x0, y0, _, y1 = w.box
    cut = grey[max(0, y0) : y1, max(0, x0) : x0 + right]
    if cut.size == 0:
        return None
    try:
        return read_digit_line(cut)
    except OCREngineError:
        return None


def _glyphs(boxes: list[tuple[int, ...]]) -> list[tuple[list[int], tuple[int, int, int, int]]]:
    """Pieces of ink (x, y, w, h) grouped into glyphs, left to right: pieces that share
    most of the narrower one's width are one glyph. (indices into `boxes`, the glyph's box)."""
    out: list[tuple[list[int], tuple[int, int, int, int]]] = []
    for i in sorted(range(len(boxes)), key=lambda k: boxes[k][0]):
        x, y, w, h = boxes[i]
        if out:
            parts, (gx, gy, gw, gh) = out[-1]
            if min(x + w, gx + gw) - max(x, gx) >= 0.5 * min(w, gw):
                x0, y0 = min(x, gx), min(y, gy)
                out[-1] = (parts + [i], (x0, y0, max(x + w, gx + gw) - x0, max(y + h, gy + gh) - y0))
                continue
        out.append(([i], (x, y, w, h)))
    return out
