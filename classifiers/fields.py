"""An extracted field: its value, how sure we are, and where on which page it stood."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ocr.types import Box

# Every field the station extracts, in the order people read them.
FIELD_NAMES = (
    "so_ky_hieu",
    "number",
    "date",
    "place",
    "issuer",
    "parent_issuer",
    "type",
    "subject",
    "signer",
    "signer_title",
    "signing_authority",
    "secrecy",
    "urgency",
    "recipients",
)


@dataclass
class Field:
    name: str
    value: Any
    confidence: float  # 0-1
    page: int | None = None  # 1-based page of the document
    box: Box | None = None  # in that page's upright pixel frame
    # recognised | repaired (checked against data) | restated (mended from the document's
    # own text: classifiers.restated) | handwritten | corrected (by a clerk)
    source: str = "recognised"

    def to_json(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "confidence": round(max(0.0, min(1.0, self.confidence)), 3),
            "page": self.page,
            "box": list(self.box) if self.box else None,
            "source": self.source,
        }


# Free text (subject, signer's name, recipients) has no list to be checked against: a
# confidently misread tone mark (Cống for Cổng, đấy for đẩy) is a valid word too. Read
# by OCR, such values are never reported as certain: held below green (0.9), the review
# page always shows them for a glance. Text the file itself states (a PDF's own text
# layer, every word at 1.0) was not read, and may be green.
UNVERIFIED_CAP = 0.85
STATED_TEXT = 0.9


def free_text_confidence(ocr_confidence: float) -> float:
    """A free-text value's confidence from its least sure word's (0-1)."""
    return STATED_TEXT if ocr_confidence >= 1.0 else min(ocr_confidence, UNVERIFIED_CAP)
