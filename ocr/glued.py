"""A number line read as one word. A hand's digits written tight between 'Số:' and the
printed '/KTHN' leave no gap, and Tesseract may read the whole line as one weak word
with no slash in it ('Só42ÐKTHN'): no slot is found and the number is lost. The word's
ink read again alone, as a line, and character by character, says where 'Số:' ends
and where the slash begins; the word is split there, so the slot between them is
found as on any other page."""

from __future__ import annotations

import numpy as np

from .errors import OCREngineError
from .handwriting import WEAK_DIGITS, right_of, so_label, so_printed
from .tesseract import read_symbols
from .types import Word


def split_glued_numbers(grey: np.ndarray, words: list[Word], above: float, dpi: float) -> list[Word]:
    """`words` with each weakly read number line glued into one word (in the rows
    higher than `above`) split into 'Số:', what stands between, and the '/CODE'."""
    out: list[Word] = []
    for w in words:
        pieces = _split(grey, w, dpi) if w.box[1] <= above and _glued(w, words) else None
        out += pieces or [w]
    return out


def _glued(w: Word, words: list[Word]) -> bool:
    printed = so_label(w, words)
    if printed is None or w.confidence >= WEAK_DIGITS or "/" in w.text[printed:]:
        return False
    if len(w.text) - printed < 3:
        return False  # 'Số:' alone, or with a digit or two: the rest of the row says more
    # The slash read as a word of its own on the row: the slot is found without help.
    h = w.box[3] - w.box[1]
    return not any("/" in x.text for x in right_of(w, words, 10 * h)[:4])


def _split(grey: np.ndarray, w: Word, dpi: float) -> list[Word] | None:
    x0, y0, x1, y1 = w.box
    pad = (y1 - y0) // 4
    top = max(0, y0 - pad)
    cut = grey[top : y1 + pad, max(0, x0) : x1]
    if cut.size == 0:
        return None
    try:
        symbols = read_symbols(cut, dpi)
    except OCREngineError:
        return None
    text = "".join(t for t, _ in symbols)
    printed = so_printed(text)
    slash = text.find("/", printed or 0)
    if printed is None or slash < 0 or not any(c.isalpha() for c in text[slash:]):
        return None
    # Character index -> symbol, in page pixels.
    at: list[tuple[int, int]] = []
    for t, b in symbols:
        at += [(b[0] + x0, b[2] + x0)] * len(t)
    so = Word(text[:printed], (x0, y0, at[printed - 1][1], y1), w.confidence, w.line, w.block)
    code = Word(text[slash:], (at[slash][0], y0, x1, y1), w.confidence, w.line, w.block)
    between = text[printed:slash].strip()
    if not between:
        return [so, code]
    # What stands between keeps the glued word's weak confidence: print sets spaces
    # around its digits, so a reading run into 'Số:' is taken for a hand's.
    middle = Word(between, (so.box[2], y0, code.box[0], y1), w.confidence, w.line, w.block)
    return [so, middle, code]
