"""What is delivered: the archived PDF, its metadata, and the file as the sender sent it."""

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
    # The received file, byte for byte, when it is the record (a digital or signed PDF):
    # delivered beside the station's PDF/A, its signature intact.
    original: Path | None = None

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
        return cls(pdf, record, secrecy, original_beside(pdf, record["documents"][0]))


def original_beside(pdf: Path, document: dict[str, Any]) -> Path | None:
    """The kept original of a document (`document`: its JSON record), which lies beside
    its unsigned PDF/A (the signed copy is in signed/ below it)."""
    name = (document.get("original") or {}).get("kept_as")
    if not name:
        return None
    folder = pdf.parent.parent if pdf.parent.name == "signed" else pdf.parent
    path = folder / name
    return path if path.exists() else None
