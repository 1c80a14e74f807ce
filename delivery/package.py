"""What is delivered: the archived PDF and its metadata."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Package:
    pdf: Path
    metadata: dict[str, Any]  # the document's JSON record
    secrecy: str | None  # MẬT / TỐI MẬT / TUYỆT MẬT, or None

    @property
    def name(self) -> str:
        return self.pdf.stem

    @property
    def idempotency_key(self) -> str:
        """Same document, same key: a receiver can drop a repeated delivery."""
        return hashlib.sha256(self.pdf.read_bytes()).hexdigest()

    @classmethod
    def from_record(cls, pdf: Path, record: dict[str, Any]) -> Package:
        fields = record["documents"][0]["fields"]
        secrecy = fields.get("secrecy", {}).get("value") if fields.get("secrecy") else None
        return cls(pdf, record, secrecy)
