"""An extracted field: its value, how sure we are, and where on which page it stood."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ocr.types import Box


@dataclass
class Field:
    name: str
    value: Any
    confidence: float  # 0-1
    page: int | None = None  # 1-based page of the document
    box: Box | None = None  # in that page's upright pixel frame
    source: str = "recognised"  # recognised | repaired (checked against data) | corrected (by a clerk)

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "confidence": round(max(0.0, min(1.0, self.confidence)), 3),
                "page": self.page, "box": list(self.box) if self.box else None, "source": self.source}
