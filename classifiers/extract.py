"""From recognised pages to registration fields (Decree 30 layout)."""
from __future__ import annotations

from dataclasses import dataclass, field

from ocr.types import RecognisedPage

from .fields import Field
from .header import (find_date, find_issuer, find_marks, find_notation, header_lines, is_national, notation_fields,
                     partial_notation)
from .heading import find_type_heading, subject_after_heading, subject_vv
from .layout import Line, page_lines
from .reference import type_by_abbreviation
from .signature import find_recipients_heading, recipients, signature

# Disagreement between two readings (heading vs notation) means one of them is wrong.
_DISAGREE = 0.6


@dataclass
class Extraction:
    fields: dict[str, Field]
    standard: bool  # has the Decree 30 header; False: a form, letter or handwritten page
    notes: list[str] = field(default_factory=list)

    def fields_json(self) -> dict:
        return {k: f.to_json() for k, f in self.fields.items()}


def extract(pages: list[RecognisedPage]) -> Extraction:
    lines: list[Line] = []
    marks: list[Line] = []
    for i, p in enumerate(pages, 1):
        lines += page_lines(p, i)
        # Words read from coloured ink, laid out as lines like the rest.
        marks += page_lines(RecognisedPage(p.index, p.width_px, p.height_px, p.dpi, 0, 0.0, words=p.marks), i)
    fields: dict[str, Field] = {}
    notes: list[str] = []
    found = find_notation(lines)
    fields.update(notation_fields(found) or partial_notation(lines))
    if not found and "so_ky_hieu" in fields:
        notes.append("the number could not be read (handwritten?): type the digits in place of '?'")
    so_line = found[1] if found else None
    fields.update(find_date(lines))
    fields.update(find_issuer(lines, so_line))
    fields.update(find_marks(lines, marks))

    below = so_line.box[3] if so_line else 0
    heading = find_type_heading(lines, below)
    vv = subject_vv(lines, below)
    abbr = found[0].type_abbreviation if found else None
    if heading:
        doc_type, ln, score = heading
        conf = ln.confidence * score
        subject = subject_after_heading(lines, ln)
        type_field = Field("type", doc_type.name, conf, ln.page, ln.box)
        if abbr and abbr != doc_type.abbreviation:
            notes.append(f"the heading says {doc_type.name} but the notation says {abbr}")
            type_field.confidence *= _DISAGREE
            for k in ("so_ky_hieu", "number"):
                fields[k].confidence *= _DISAGREE
    elif vv:
        subject = vv
        type_field = Field("type", "Công văn", vv.confidence, vv.page, vv.box)
        if abbr:
            notes.append(f"a 'V/v' subject (công văn) but the notation names the type {abbr}")
            type_field.confidence *= _DISAGREE
    elif abbr:
        subject = None
        t = type_by_abbreviation()[abbr]
        type_field = Field("type", t.name, fields["so_ky_hieu"].confidence * 0.75, so_line.page, so_line.box,
                           "repaired")
        notes.append("type taken from the notation: no heading found")
    else:
        subject, type_field = None, None
    if type_field:
        fields["type"] = type_field
    if subject:
        fields["subject"] = subject
    heading_nn = find_recipients_heading(lines)
    rec = recipients(lines, heading_nn)
    if rec:
        fields["recipients"] = rec
    fields.update(signature(lines, heading_nn))

    national = any(is_national(ln) for ln in header_lines(lines))
    present = sum([national, "so_ky_hieu" in fields, "date" in fields, "issuer" in fields])
    standard = present >= 3
    if not standard:
        missing = [n for n, ok in (("national title", national), ("number", "so_ky_hieu" in fields),
                                   ("issue date", "date" in fields), ("issuer", "issuer" in fields)) if not ok]
        notes.append("not a standard administrative document (no " + ", ".join(missing) + "): needs review")
    return Extraction(fields, standard, notes)
