"""The receiving office's "ĐẾN" stamp: its own number (số đến) and arrival date.

The stamp (about 50 × 35 mm, blue or red, over the header) says ĐẾN in capitals with
"Số: ..." and "Ngày: d/m" beside and under it, usually written by pen. What it holds is
the arrival entry, not the document's own registration: it is returned apart from the
fields, and it is never shown as certain (stamp ink over print, often handwriting)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from ocr.types import Box, centre_in, union_box

from .layout import Line
from .text import fold

# Where the stamp's other lines stand around its ĐẾN, as shares of an A4 page.
_LEFT, _RIGHT, _ABOVE, _BELOW = 0.06, 0.26, 0.04, 0.10
_NUMBER = re.compile(r"\bs[o0]\s*[:.;]?\s*(\d{1,5})\b")
_DAY = re.compile(r"\bngay\s*[:.;]?\s*(\d{1,2})\s*[/.\-⁄∕]\s*(\d{1,2})(?:\s*[/.\-⁄∕]\s*(\d{2,4}))?")
STAMP_CONFIDENCE = 0.6  # never green: stamp ink, and usually the văn thư's pen


@dataclass
class ArrivalStamp:
    number: int | None
    day_month: str | None  # "dd/mm" as stamped
    date: str | None  # ISO; the year from the document's date when the stamp has none, else None
    box: Box
    page: int
    confidence: float

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "day_month": self.day_month,
            "date": self.date,
            "box": list(self.box),
            "page": self.page,
            "confidence": round(self.confidence, 3),
        }


def find_arrival_stamp(lines: list[Line], marks: list[Line], issued: str | None) -> ArrivalStamp | None:
    """The ĐẾN stamp on page 1, from the words read in black and in coloured ink.
    `issued`: the document's own date (ISO), for a stamp that gives no year."""
    page1 = [ln for ln in marks + lines if ln.page == 1 and ln.box[1] < 0.45 * ln.page_height]
    coloured = [ln for ln in marks if ln.page == 1]
    # The stamp's ĐẾN, in black or coloured ink; failing that, its "Số:" or "Ngày:" in
    # coloured ink (no printed line of the document is in colour).
    anchors = [(w, ln) for ln in page1 for w in ln.words if fold(w.text).strip(".:,") == "den" and w.text.isupper()]
    anchors += [(w, ln) for ln in coloured for w in ln.words if re.match(r"(so|ngay)\b", fold(w.text))]
    for den, ln in anchors:
        w, h = ln.page_width, ln.page_height
        left = _LEFT if fold(den.text).startswith("den") else _RIGHT / 2
        zone = (den.box[0] - left * w, den.box[1] - _ABOVE * h, den.box[0] + _RIGHT * w, den.box[1] + _BELOW * h)
        # A stamp in colour is read from the coloured ink alone: the document's own
        # "Số:" line in black may stand within reach.
        source = coloured if any(ln is c for c in coloured) else page1
        inside = [x for y in source for x in y.words if centre_in(x.box, zone)]
        row = max(1, int(0.012 * h))  # words of one stamp line share a row, give or take
        ordered = sorted(inside, key=lambda x: ((x.box[1] + x.box[3]) // (2 * row), x.box[0]))
        text = " ".join(fold(x.text) for x in ordered)
        number = _NUMBER.search(text)
        day = _DAY.search(text)
        box = union_box([x.box for x in inside])
        conf = min([STAMP_CONFIDENCE] + [x.confidence / 100 for x in inside])
        return ArrivalStamp(
            int(number.group(1)) if number else None,
            f"{int(day.group(1)):02d}/{int(day.group(2)):02d}" if day else None,
            _date(day, issued) if day else None,
            box,
            1,
            conf,
        )
    return None


def _date(m: re.Match[str], issued: str | None) -> str | None:
    d, mo = int(m.group(1)), int(m.group(2))
    year = int(m.group(3)) if m.group(3) else None
    if year is not None and year < 100:
        year += 2000
    if year is None and issued:
        # Mail arrives after it is issued: the issue year, or the next one in January.
        doc = date.fromisoformat(issued)
        year = doc.year + (1 if (mo, d) < (doc.month, doc.day) else 0)
    if year is None:
        return None
    try:
        return date(year, mo, d).isoformat()
    except ValueError:
        return None
