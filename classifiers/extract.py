"""From recognised pages to registration fields (Decree 30 layout)."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from ocr.handwriting import READ_ALIKE
from ocr.types import RecognisedPage, centre_in

from .arrival import ArrivalStamp, find_arrival_stamp
from .citations import check_year, cited_years, take_notations_year
from .corroborate import corroborate, undouble_code
from .fields import Field
from .header import (
    find_date,
    find_issuer,
    find_marks,
    find_notation,
    header_lines,
    is_national,
    notation_fields,
    number_word,
    partial_date,
    partial_notation,
)
from .heading import MISREAD_MARKER, addressed, find_type_heading, subject_after_heading, subject_vv
from .layout import Line, page_lines
from .reference import type_by_abbreviation
from .restated import filed_units, restated
from .signature import find_recipients_heading, recipients, signature

# Disagreement between two readings (heading vs notation) means one of them is wrong.
_DISAGREE = 0.6


@dataclass
class Extraction:
    fields: dict[str, Field]
    standard: bool  # has the Decree 30 header; False: a form, letter or handwritten page
    notes: list[str] = field(default_factory=list)
    arrival_stamp: ArrivalStamp | None = None  # the receiving office's ĐẾN stamp, when stamped

    def fields_json(self) -> dict:
        return {k: f.to_json() for k, f in self.fields.items()}


def extract(pages: list[RecognisedPage], known_issuers: Collection[str] = ()) -> Extraction:
    """Every registration field of a document, each with its confidence and place.
    `known_issuers`: bodies known beside the reference lists, to confirm an issuer read
    as it stands (the issuers of the documents the office has registered)."""
    lines, marks = _lines(pages)
    fields: dict[str, Field] = {}
    notes: list[str] = []
    found = find_notation(lines)
    fields.update(notation_fields(found) or partial_notation(lines))
    if not found and "so_ky_hieu" in fields:
        notes.append("the number could not be read (handwritten?): type the digits in place of '?'")
    so_line = found[1] if found else None
    fields.update(find_date(lines) or partial_date(lines))
    fields.update(find_issuer(lines, so_line))
    fields.update(find_marks(lines, marks))
    fields.update(_type_and_subject(lines, so_line, found[0].type_abbreviation if found else None, fields, notes))
    heading_nn = find_recipients_heading(lines)
    rec = recipients(lines, heading_nn)
    if rec:
        fields["recipients"] = rec
    fields.update(signature(lines, heading_nn))
    _mark_handwriting(pages, fields, notes)
    undouble_code(fields)
    issuer = fields.get("issuer")
    corroborate(
        fields,
        *_notation_words(so_line, pages),
        digits_as_read=_digits_as_read(fields, so_line),
        # A name mended from the body is no second reading of its own to agree with the
        # body's (one whose caps' marks the reference words put back still is).
        issuer_restated=bool(
            issuer and issuer.source != "restated" and restated(str(issuer.value), lines, issuer.page, issuer.box)
        ),
        filed=filed_units(lines),
        known_issuers=known_issuers,
    )
    if "date" in fields:
        date_field = fields["date"]
        own = [ln for ln in lines if ln is so_line or (ln.page == date_field.page and ln.box == date_field.box)]
        other_years = _other_years(pages, date_field)
        notation = fields["so_ky_hieu"].value if "so_ky_hieu" in fields else None
        take_notations_year(date_field, notation if isinstance(notation, str) else None, other_years, notes)
        check_year(date_field, cited_years(lines, own), notes, other_years)
    # The stamp's year comes from a whole date only, never a marked one ('?/05/2015').
    issued = fields["date"].value if "date" in fields else None
    issued = issued if isinstance(issued, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", issued) else None
    arrival = find_arrival_stamp(lines, marks, issued)
    return Extraction(fields, _is_standard(lines, fields, notes), notes, arrival)


# Digits read from a hand by one reader are shown as ones to check (red), with the crop
# beside them; read alike by two (ocr.handwriting.READ_ALIKE), they count as read.
HANDWRITTEN_CONFIDENCE = 0.6
_AGREE = 0.96  # heading score when the notation's type code confirms it
_VV_ALONE = 0.85  # a công văn known from its 'V/v' alone


def _mark_handwriting(pages: list[RecognisedPage], fields: dict[str, Field], notes: list[str]) -> None:
    """Fields whose value includes digits read from handwriting say so, below green."""
    for name in ("so_ky_hieu", "number", "date"):
        f = fields.get(name)
        if f is None or f.page is None or f.box is None or not 0 < f.page <= len(pages):
            continue
        box = f.box
        hand = [w for w in pages[f.page - 1].handwritten if centre_in(w.box, box)]
        if not hand:
            continue
        f.source = "handwritten"
        if min(w.confidence for w in hand) < READ_ALIKE:
            f.confidence = min(f.confidence, HANDWRITTEN_CONFIDENCE)
            if name != "number":
                notes.append(f"{name}: digits read from handwriting ({f.value}): check them")
        elif name != "number":
            notes.append(f"{name}: digits read from handwriting ({f.value}), alike by two readers")


def _other_years(pages: list[RecognisedPage], date_field: Field) -> list[int]:
    """Years the date's line was also read as (ocr.printed_digits: its digits alone)."""
    if date_field.page is None or date_field.box is None or not 0 < date_field.page <= len(pages):
        return []
    box = date_field.box
    return [
        int(w.text)
        for w in pages[date_field.page - 1].other_readings
        if centre_in(w.box, box) and re.fullmatch(r"(19|20)\d\d", w.text)
    ]


def _digits_as_read(fields: dict[str, Field], so_line: Line | None) -> bool:
    """The notation's number (and year: '09/2025') stand on the number line as read,
    the slash after them too (a slash put back may have been read as a digit)."""
    notation = fields.get("so_ky_hieu")
    if so_line is None or notation is None or not isinstance(notation.value, str) or "/" not in notation.value:
        return False
    digits = notation.value.rsplit("/", 1)[0]
    return bool(re.fullmatch(r"\d+(/\d{4})?", digits)) and digits + "/" in "".join(w.text for w in so_line.words)


def _notation_words(so_line: Line | None, pages: list[RecognisedPage]) -> tuple[float | None, float | None]:
    """How sure OCR was of the number's digits (of the word holding them, or of the
    digits alone where a second engine read them alike: RecognisedPage.confirmed_digits),
    and of the least sure word of the code after them (0-1; None without a number line)."""
    at = number_word(so_line) if so_line else None
    if so_line is None or at is None:
        return None, None
    words = so_line.words
    code = [w.confidence for w in words[at:] if any(c.isalpha() for c in w.text)]
    word = words[at]
    page = pages[so_line.page - 1] if 0 < so_line.page <= len(pages) else None
    alike = [
        d.confidence
        for d in (page.confirmed_digits if page else [])
        if centre_in(d.box, word.box) and word.text.startswith(d.text)
    ]
    return max([word.confidence, *alike]) / 100, (min(code) / 100 if code else None)


def _lines(pages: list[RecognisedPage]) -> tuple[list[Line], list[Line]]:
    """The text lines of all pages, and the lines of words read from coloured ink."""
    lines: list[Line] = []
    marks: list[Line] = []
    for i, p in enumerate(pages, 1):
        lines += page_lines(p, i)
        marks += page_lines(RecognisedPage(p.index, p.width_px, p.height_px, p.dpi, 0, 0.0, words=p.marks), i)
    return lines, marks


def _type_and_subject(
    lines: list[Line], so_line: Line | None, abbr: str | None, fields: dict[str, Field], notes: list[str]
) -> dict[str, Field]:
    """The type from the heading (QUYẾT ĐỊNH), from 'V/v' (a công văn) or, failing both,
    from the notation's code; and the subject under it. Two sources that disagree lower
    the confidence of both (in `fields` too)."""
    below = so_line.box[3] if so_line else 0
    heading = find_type_heading(lines, below)
    vv = subject_vv(lines, below)
    subject: Field | None = None
    type_field: Field | None = None
    if heading:
        doc_type, ln, score = heading
        subject = subject_after_heading(lines, ln)
        type_field = Field("type", doc_type.name, ln.confidence * score, ln.page, ln.box)
        if abbr and abbr != doc_type.abbreviation:
            notes.append(f"the heading says {doc_type.name} but the notation says {abbr}")
            type_field.confidence *= _DISAGREE
            for k in ("so_ky_hieu", "number"):
                fields[k].confidence *= _DISAGREE
        elif abbr == doc_type.abbreviation and score < 1.0:
            # A heading run together with its subject is not enough alone; the number's
            # code naming the same type (KẾ HOẠCH ... and 46/KH-...) is a second source.
            type_field.confidence = ln.confidence * max(score, _AGREE)
    elif vv:
        subject, marker = vv
        # The 'V/v' says công văn, however weakly the subject after it was read (a 'V/v'
        # read at 0 says nothing: the subject's reading stands); alone it stays below
        # green (a thông báo may carry one too), a code with no type in it confirms it
        # (corroborate).
        # A 'V/v' OCR misread ('⁄%') says công văn only weakly; a 'Kính gửi:' under it, no
        # type heading above, says it again.
        sure = _VV_ALONE if marker <= MISREAD_MARKER and addressed(lines, below) else marker or subject.confidence
        type_field = Field("type", "Công văn", min(sure, _VV_ALONE), subject.page, subject.box)
        if abbr:
            notes.append(f"a 'V/v' subject (công văn) but the notation names the type {abbr}")
            type_field.confidence *= _DISAGREE
    elif abbr and so_line is not None:
        t = type_by_abbreviation()[abbr]
        conf = fields["so_ky_hieu"].confidence * 0.75
        type_field = Field("type", t.name, conf, so_line.page, so_line.box, "repaired")
        notes.append("type taken from the notation: no heading found")
    return {k: f for k, f in (("type", type_field), ("subject", subject)) if f}


def _is_standard(lines: list[Line], fields: dict[str, Field], notes: list[str]) -> bool:
    """A Decree 30 document has at least three of: national title, number, date, issuer."""
    national = any(is_national(ln) for ln in header_lines(lines))
    parts = {
        "national title": national,
        "number": "so_ky_hieu" in fields,
        "issue date": "date" in fields,
        "issuer": "issuer" in fields,
    }
    if sum(parts.values()) >= 3:
        return True
    missing = ", ".join(n for n, ok in parts.items() if not ok)
    notes.append(f"not a standard administrative document (no {missing}): needs review")
    return False
