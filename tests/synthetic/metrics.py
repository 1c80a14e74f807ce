"""Character error rate of recognised text against ground truth, robust to reading
order: Tesseract may read the two header columns as one line or put blocks in another
order, which is a layout matter, not a misread character.

Each ground-truth line is aligned to its best-matching stretch of the OCR text (fuzzy
substring alignment); its errors are the edit distance to that stretch. OCR characters
that no ground-truth line claims (stamp noise, invented text) count as insertions."""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein


def normalise(s: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", s)).strip()


def char_errors(truth_lines: list[str], ocr_text: str) -> tuple[int, int]:
    """(errors, ground-truth characters) for one page."""
    ocr = normalise(ocr_text)
    covered = [False] * len(ocr)
    errors = total = 0
    for line in sorted((normalise(t) for t in truth_lines if t.strip()), key=len, reverse=True):
        total += len(line)
        if not ocr:
            errors += len(line)
            continue
        al = fuzz.partial_ratio_alignment(line, ocr)
        if al is None or al.score == 0:
            errors += len(line)
            continue
        start, end = al.dest_start, al.dest_end
        best = (Levenshtein.distance(line, ocr[start:end]), start, end)
        # The window has the truth line's length; let it grow or shrink a little to
        # absorb dropped or inserted characters.
        for ds in range(-4, 5):
            for de in range(-4, 5):
                s, e = max(0, start + ds), min(len(ocr), end + de)
                if e > s:
                    d = Levenshtein.distance(line, ocr[s:e])
                    if d < best[0]:
                        best = (d, s, e)
        errors += best[0]
        for i in range(best[1], best[2]):
            covered[i] = True
    errors += sum(1 for ch, c in zip(ocr, covered) if not c and not ch.isspace())
    return errors, total


def cer(truth_pages: list[list[str]], ocr_pages: list[str]) -> float:
    errors = total = 0
    for i, lines in enumerate(truth_pages):
        e, t = char_errors(lines, ocr_pages[i] if i < len(ocr_pages) else "")
        errors += e
        total += t
    return errors / max(1, total)
