"""The shape of a document's JSON record (the `record` column and `station process`'s
X.json): what the pipeline writes and what review, signing and delivery read."""

from __future__ import annotations

from typing import Any, TypedDict


class FieldValue(TypedDict, total=False):
    value: Any  # str, or a list of str (recipients); None when not found
    confidence: float  # 0..1; 1.0 once a clerk has corrected it
    source: str  # recognised | repaired | corrected | ...
    page: int
    box: list[int]
    note: str


class DocumentRecord(TypedDict, total=False):
    pdf: str  # the PDF/A's file name
    words: str  # the words file beside it
    pages: list[dict[str, Any]]
    fields: dict[str, FieldValue]
    standard_layout: bool
    notes: list[str]
    ocr_engine: str  # name and version of the engine that read the pages
    signature: dict[str, Any] | None  # level, signed_at, stamp box
    arrival_stamp: dict[str, Any] | None  # the ĐẾN stamp: number, date (ISO), box, page, confidence
    arrival: dict[str, Any]  # the arrival entry at approval: so_den, year, received_on, handler, due, pages, note
    amendments: list[dict[str, Any]]  # corrections after approval: at, by, reason, changes
    original: dict[str, Any] | None  # the file as received: sha256, kept_as, the sender's signatures
    secrecy_lock: dict[str, Any]  # see models.secrecy
    rejection: dict[str, Any]  # reason, by, at
    merged_into: int
    origins: list[dict[str, Any]]  # for each page: the job and page it came from
