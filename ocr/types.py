"""Plain data passed between the OCR stages (and on to classifiers and the archive).

Coordinates are page pixels in the *upright, deskewed* frame of the page (origin top
left, y down) unless a name says otherwise; that frame is what the PDF page shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

Box = tuple[int, int, int, int]  # x0, y0, x1, y1
# The confidence of a word the file itself states (a PDF's text layer): not a reading
# that could be wrong, so no recognition confidence (at most 99.x) reaches it.
STATED = 100.0


@dataclass(frozen=True)
class Word:
    text: str
    box: Box
    confidence: float  # Tesseract's 0-100
    line: int  # page-wide line id, increasing in reading order
    block: int

    @property
    def height(self) -> int:
        return self.box[3] - self.box[1]


# The fields of a RecognisedPage that are lists of words, stored as rows of plain values.
_WORD_LISTS = ("words", "marks", "handwritten", "other_readings", "confirmed_digits")


@dataclass
class RecognisedPage:
    """One page after recognition: its words, their text in reading order, and the
    geometry needed to place the page image and the text layer in the PDF."""

    index: int  # 1-based position in the source file
    width_px: int  # upright frame
    height_px: int
    dpi: float
    rotation: int  # clockwise degrees applied to make the page upright: 0/90/180/270
    skew_degrees: float  # measured skew of the upright page (positive = counter-clockwise)
    words: list[Word] = field(default_factory=list)
    mean_confidence: float = 0.0
    blank: bool = False
    notes: list[str] = field(default_factory=list)
    # Words read from coloured ink (red urgency marks, the ĐẾN stamp): not part of the
    # page text or the text layer, but seen by the classifiers.
    marks: list[Word] = field(default_factory=list)
    # Digits read from handwriting (the number and day slots); also in `words`.
    handwritten: list[Word] = field(default_factory=list)
    # Another reading of a word read surely amid its line but otherwise alone (a light
    # scan's printed year, '2021' or '2024'), in its box: the classifiers may choose it
    # where the page rules the first out. Not in `words`.
    other_readings: list[Word] = field(default_factory=list)
    # The digits of a notation token Tesseract read weakly ('956/QyĐ-UBND' at 79) that the
    # digit reader read alike, surely, in their box, at ocr.printed_digits.CONFIRMED: the
    # token in `words` stays whole and as sure as Tesseract was (the second reading vouches
    # for the digits, never for the code's letters). Not in `words`.
    confirmed_digits: list[Word] = field(default_factory=list)
    barcodes: list[str] = field(default_factory=list)  # decoded QR / Code 39 texts
    engine: str = ""  # the engine that read the page, with its version ("tesseract 5.3.4")
    quality: dict[str, Any] = field(default_factory=dict)  # ocr.quality.measure: light, skew left, cut edges

    @property
    def text(self) -> str:
        return page_text(self.words)

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "text": self.text,
            "rotation": self.rotation,
            "skew_degrees": round(self.skew_degrees, 2),
            "mean_confidence": round(self.mean_confidence, 1),
            "width_px": self.width_px,
            "height_px": self.height_px,
            "dpi": round(self.dpi, 1),
            "blank": self.blank,
            "words": len(self.words),
            **({"barcodes": self.barcodes} if self.barcodes else {}),
            **({"engine": self.engine} if self.engine else {}),
            **({"quality": self.quality} if self.quality else {}),
        }

    def to_dict(self) -> dict[str, Any]:
        """Lossless form (for storage and for handing a page to another process)."""
        d = asdict(self)
        for key in _WORD_LISTS:
            d[key] = [[w.text, list(w.box), w.confidence, w.line, w.block] for w in getattr(self, key)]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RecognisedPage:
        d = dict(d)
        for key in _WORD_LISTS:
            d[key] = [Word(t, tuple(b), c, ln, bl) for t, b, c, ln, bl in d.get(key, [])]
        return cls(**d)


def mean_confidence(words: list[Word]) -> float:
    """Mean word confidence weighted by word length (a long word misread matters more
    than a stray one-letter fragment)."""
    total = sum(len(w.text) for w in words)
    return sum(w.confidence * len(w.text) for w in words) / total if total else 0.0


def union_box(boxes: Iterable[Box]) -> Box:
    """The smallest box holding all of `boxes` (at least one)."""
    x0, y0, x1, y1 = zip(*boxes)
    return (min(x0), min(y0), max(x1), max(y1))


def centre_in(inner: Sequence[float], outer: Sequence[float]) -> bool:
    """Whether the middle of box `inner` lies in box `outer` (x0, y0, x1, y1)."""
    cx, cy = (inner[0] + inner[2]) / 2, (inner[1] + inner[3]) / 2
    return outer[0] <= cx <= outer[2] and outer[1] <= cy <= outer[3]


def lines_of(words: list[Word]) -> list[list[Word]]:
    """Words grouped by line id, in reading order."""
    lines: dict[int, list[Word]] = {}
    for w in words:
        lines.setdefault(w.line, []).append(w)
    return [sorted(ws, key=lambda w: w.box[0]) for _, ws in sorted(lines.items())]


def page_text(words: list[Word]) -> str:
    """Text in reading order: words joined by spaces, lines by newlines, and a blank
    line between layout blocks."""
    out: list[str] = []
    prev_block = None
    for ws in lines_of(words):
        if prev_block is not None and ws[0].block != prev_block:
            out.append("")
        prev_block = ws[0].block
        out.append(" ".join(w.text for w in ws))
    return "\n".join(out)
