"""Measures of a scanned page an archive checks before accepting it (issue 15): how
light or dark it is, how much skew is left after deskew, and whether its text runs
into the edge of the image (a page cut off by the scanner). Cheap: a reduced grey
copy for the light, the words already read for the rest."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from math import atan, degrees
from typing import Any

import numpy as np
from PIL import Image

from .types import RecognisedPage, Word

_EDGE_FRACTION = 0.004  # a word this close to the image edge (≈1 mm on A4) touches it
_MIN_LINE_WORDS = 4


def measure(image: Image.Image, page: RecognisedPage) -> dict[str, Any]:
    """The page's quality figures, kept in its record: mean grey (0 black - 255 white),
    the grey of its darkest ink, skew left in degrees (None when too few lines to say),
    and the edges that text touches."""
    grey = np.asarray(_reduced(image).convert("L"), dtype=np.uint8)
    skew = residual_skew(page.words)
    return {
        "grey": round(float(grey.mean()), 1),
        # How dark the darkest ink is: black print is near 0; faint print or an
        # over-bright scan leaves even its darkest strokes grey.
        "ink": round(float(np.percentile(grey, 0.1)), 1),
        "skew_left": None if skew is None else round(skew, 2),
        "cut_edges": cut_edges(page.words, page.width_px, page.height_px),
    }


def _reduced(image: Image.Image) -> Image.Image:
    # Strokes must stay wider than a pixel for the ink's grey to be seen: ≈ 150 dpi.
    factor = max(1, min(image.size) // 1200)
    if image.mode in ("1", "P"):
        image = image.convert("L")
    return image.reduce(factor) if factor > 1 else image


def residual_skew(words: Sequence[Word]) -> float | None:
    """The median slope of the text lines, in degrees (positive: rising to the right),
    from the middles of each line's words: what deskew did not take out."""
    lines: dict[int, list[Word]] = defaultdict(list)
    for w in words:
        if w.text.strip() and w.box[2] > w.box[0]:
            lines[w.line].append(w)
    slopes = []
    for ws in lines.values():
        if len(ws) < _MIN_LINE_WORDS:
            continue
        xs = np.array([(w.box[0] + w.box[2]) / 2 for w in ws], dtype=float)
        ys = np.array([(w.box[1] + w.box[3]) / 2 for w in ws], dtype=float)
        if xs.max() - xs.min() < 10 * statistics.median(w.height for w in ws):
            continue  # a short line says little about the angle
        slope = np.polyfit(xs, ys, 1)[0]
        slopes.append(-degrees(atan(slope)))  # y grows downwards
    return statistics.median(slopes) if len(slopes) >= 3 else None


def cut_edges(words: Sequence[Word], width: int, height: int) -> list[str]:
    """Edges of the image that words run into: the page was cut there, or laid askew
    on the glass. Stray marks (one or two characters, dust) do not count."""
    mx, my = width * _EDGE_FRACTION, height * _EDGE_FRACTION
    touched: dict[str, int] = defaultdict(int)
    for w in words:
        if len(w.text.strip()) < 3:
            continue
        x0, y0, x1, y1 = w.box
        for edge, hit in (
            ("left", x0 <= mx),
            ("right", x1 >= width - mx),
            ("top", y0 <= my),
            ("bottom", y1 >= height - my),
        ):
            if hit:
                touched[edge] += 1
    return sorted(e for e, n in touched.items() if n >= 2)
