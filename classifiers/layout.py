"""Lines of a recognised page as layout units: text, box, confidence, and the column
they stand in. Decree 30 pages are read by position (the issuer block is top left,
the date top right, the signature bottom right), not by the order OCR emits text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ocr.types import Box, RecognisedPage, Word, lines_of, union_box
from ocr.vietnamese import NGAY, THANG

from .text import clean, fold


@dataclass
class Line:
    words: list[Word]
    page: int  # 1-based page of the document
    page_width: int
    page_height: int

    @property
    def text(self) -> str:
        return clean(" ".join(w.text for w in self.words))

    @property
    def folded(self) -> str:
        return fold(self.text)

    @property
    def box(self) -> Box:
        return union_box(w.box for w in self.words)

    @property
    def height(self) -> int:
        return self.box[3] - self.box[1]

    @property
    def confidence(self) -> float:
        """Character-weighted mean OCR confidence, 0-1."""
        n = sum(len(w.text) for w in self.words)
        return sum(w.confidence * len(w.text) for w in self.words) / n / 100 if n else 0.0

    @property
    def weakest(self) -> float:
        """The least confident word, 0-1: for free text, which no list can confirm, one
        misread word makes the value wrong however sure OCR was of the rest."""
        return min((w.confidence for w in self.words), default=0.0) / 100

    @property
    def centre_x(self) -> float:
        return (self.box[0] + self.box[2]) / 2 / self.page_width

    @property
    def top(self) -> float:
        return self.box[1] / self.page_height

    def sub(self, words: list[Word]) -> Line:
        return Line(words, self.page, self.page_width, self.page_height)


def page_lines(page: RecognisedPage, doc_page: int) -> list[Line]:
    """Lines top to bottom, each split where a wide gap separates two columns (OCR
    often reads the issuer block and the national title as one line)."""
    out: list[Line] = []
    for ws in lines_of(page.words):
        line = Line(ws, doc_page, page.width_px, page.height_px)
        out.extend(split_columns(line))
    return sorted(out, key=lambda ln: (ln.box[1] + ln.box[3]) / 2)


_ANCHORS = (("cong", "hoa"), ("doc", "lap"))  # national title and motto start the right column
_SO = re.compile(r"^s[o0]\w?[:;]?$")
_DATE_SLOT_BEFORE = re.compile(f"{NGAY}|{THANG}")  # a slot's gap follows them


def split_columns(line: Line) -> list[Line]:
    """Split at a wide gap, and where the right-hand header column (CỘNG HÒA ...,
    Độc lập ...) or a 'Số:' starts after other words: OCR runs the issuer block into
    the national title when the gap between them is small."""
    ws = line.words
    if len(ws) < 2:
        return [line]
    h = max(1, line.height)
    for i in range(1, len(ws)):
        f, nxt = fold(ws[i].text), fold(ws[i + 1].text) if i + 1 < len(ws) else ""
        if (f, nxt) in _ANCHORS or (
            _SO.match(f) and ws[i].text[:1] == "S" and i + 1 < len(ws) and any(c.isdigit() for c in ws[i + 1].text)
        ):
            return split_columns(line.sub(ws[:i])) + split_columns(line.sub(ws[i:]))
    # The slots of the number ("Số:    55    /QĐ-UBND") and of the day and month ("ngày
    # 17  tháng  01  năm"), left wide for the văn thư to fill, are gaps inside one line,
    # not between columns: a slot still empty or its hand unread must not cut the line.
    gaps = [
        (ws[i + 1].box[0] - ws[i].box[2], i)
        for i in range(len(ws) - 1)
        if not (
            _SO.match(fold(ws[i].text))
            or ws[i + 1].text.startswith("/")
            or _DATE_SLOT_BEFORE.fullmatch(fold(ws[i].text).strip(".,"))
        )
    ]
    gap, i = max(gaps, default=(0, 0))
    if gap > 1.2 * h:
        return split_columns(line.sub(ws[: i + 1])) + split_columns(line.sub(ws[i + 1 :]))
    return [line]
