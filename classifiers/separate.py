"""Splitting a batch scan into documents (archive boxes are scanned in one go).

A new document starts at a separator sheet (a barcode with the configured value; the
sheet itself is dropped), at a page that carries a Decree 30 document header, or,
if asked, after a blank page. Blank pages (the empty backs of duplex scans) are
dropped."""

from __future__ import annotations

from dataclasses import dataclass

from ocr.types import RecognisedPage

from .header import find_date, find_notation, header_lines, is_national
from .layout import page_lines

DEFAULT_SEPARATOR = "SEPARATOR"


@dataclass(frozen=True)
class SeparationOptions:
    separator: str | None = DEFAULT_SEPARATOR  # barcode value of separator sheets
    by_header: bool = True  # a page with a document header starts a document
    split_on_blank: bool = False  # a blank page ends a document
    keep_blank: bool = False  # a blank page stays in its document (archives that keep every side)


def is_separator(page: RecognisedPage, options: SeparationOptions) -> bool:
    return bool(options.separator) and options.separator in page.barcodes


def starts_document(page: RecognisedPage) -> bool:
    """The national title at the top, with a number or a dated place line beside it."""
    lines = page_lines(page, 1)
    head = header_lines(lines)
    if not any(is_national(ln) and ln.top < 0.2 for ln in head):
        return False
    return find_notation(lines) is not None or bool(find_date(lines))


def separate(pages: list[RecognisedPage], options: SeparationOptions) -> list[list[RecognisedPage]]:
    documents: list[list[RecognisedPage]] = []
    current: list[RecognisedPage] = []

    def close() -> None:
        nonlocal current
        if current:
            documents.append(current)
        current = []

    for page in pages:
        if is_separator(page, options):
            close()
        elif page.blank and not options.keep_blank:
            if options.split_on_blank:
                close()
        else:
            if options.by_header and current and starts_document(page):
                close()
            current.append(page)
    close()
    return documents
