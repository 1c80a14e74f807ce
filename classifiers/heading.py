"""Document type and subject: the centred heading (QUYẾT ĐỊNH / Về việc ...) or, for a
công văn, the 'V/v ...' lines under the number."""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from .fields import Field, free_text_confidence
from .layout import Line
from .reference import DocType, doc_types
from .text import clean, fold, is_caps
from .tones import mend_read

V_V = re.compile(r"^\s*v\s*[/|l1]?\s*[vy]\b[\s.:]*", re.IGNORECASE)
# An italic 'V/v' that OCR made into other marks around a slash ('⁄%', 'W/', '\/y'): one
# short token holding a slash, then the subject. Says công văn only weakly (red).
V_V_MISREAD = re.compile(r"^\s*[^\s/⁄∕]{0,2}[/⁄∕][^\s/⁄∕]{0,2}\s+(?=\w)")
MISREAD_MARKER = 0.5
# 'Về việc', its marks misread or lost ('Vê việc'), and on some papers in brackets.
_E = "eêèéẻẽẹềếểễệ"
VE_VIEC = re.compile(rf"^\s*\(?\s*v[{_E}]\s+vi[{_E}]c\b[\s:]*", re.IGNORECASE)
# Under a type heading the subject opens with 'Về việc' or, on some papers, 'V/v'.
_UNDER_HEADING = re.compile(f"(?:{VE_VIEC.pattern})|(?:{V_V.pattern})", re.IGNORECASE)
BODY_START = ("can cu", "kinh gui", "theo de nghi", "thuc hien", "dieu 1")


def find_type_heading(lines: list[Line], below_y: int) -> tuple[DocType, Line, float] | None:
    """A centred all-caps line naming one of the document types; a line that names none
    is tried again with the caps pieces beside it on its row (_spaced_row)."""
    for piece in lines:
        if piece.page != 1 or piece.box[1] < below_y or piece.top > 0.55:
            continue
        row = _spaced_row(piece, lines)
        for ln in (piece, row) if row is not piece else (piece,):
            found = _names_type(ln)
            if found:
                return found
    return None


def _names_type(ln: Line) -> tuple[DocType, Line, float] | None:
    if not (0.3 < ln.centre_x < 0.75) or not is_caps(ln.text) or len(ln.text) > 120:
        return None
    f = ln.folded.strip(" .:")
    if len(ln.text) <= 40:
        best = max(((t, fuzz.ratio(f, fold(t.name))) for t in doc_types()), key=lambda x: x[1])
        if best[1] >= 85:
            return best[0], ln, best[1] / 100
    # The heading run together with its subject ('KẾ HOẠCH TRIỂN KHAI ...'): the
    # longest type name the line starts with, never shown green on that alone.
    for t in sorted(doc_types(), key=lambda t: -len(t.name)):
        name = fold(t.name)
        if f.startswith(name + " ") and len(name) >= 4:
            return t, ln, 0.85
    return None


def _spaced_row(piece: Line, lines: list[Line]) -> Line:
    """The heading's caps line with the caps pieces beside it on its row: a heading
    set with wide letter spacing ('T H Ô N G   B Á O') comes out of OCR as pieces, its
    line split at the wide gap between the words (ocr.tesseract.parse_tsv)."""
    if not is_caps(piece.text):
        return piece
    words = list(piece.words)
    mid, h = (piece.box[1] + piece.box[3]) / 2, max(piece.height, 1)
    for ln in sorted(lines, key=lambda ln: ln.box[0]):
        right = max(w.box[2] for w in words)
        if (
            ln.page == piece.page
            and 0 <= ln.box[0] - right <= 4 * h
            and abs((ln.box[1] + ln.box[3]) / 2 - mid) < 0.5 * h
            and is_caps(ln.text)
        ):
            words += ln.words
    return piece if len(words) == len(piece.words) else Line(words, piece.page, piece.page_width, piece.page_height)


def subject_after_heading(lines: list[Line], heading: Line) -> Field | None:
    """The centred lines under the type heading, up to the rule and the body."""
    picked: list[Line] = []
    prev = heading
    own = set(heading.words)  # a heading set with wide gaps: its pieces on its row are its own
    for ln in lines:
        if ln.page != 1 or ln.box[1] <= heading.box[1] or own.issuperset(ln.words):
            continue
        if ln.box[1] - prev.box[3] > 1.6 * max(prev.height, 1) or not (0.3 < ln.centre_x < 0.75):
            break
        if fold(ln.text).startswith(BODY_START) or _after_body_start(ln, lines):
            break
        # Under a subject in small letters, a line in capitals is the next block: the
        # authority of a decision ('BỘ TRƯỞNG BỘ ...', 'CHỦ TỊCH ỦY BAN NHÂN DÂN ...').
        if picked and is_caps(ln.text) and not is_caps(picked[-1].text):
            break
        picked.append(ln)
        prev = ln
    return _subject(picked, _UNDER_HEADING)


def _after_body_start(ln: Line, lines: list[Line]) -> bool:
    """The line stands on a row after a body's opening words ('Kính gửi: | Ban Chấp
    hành ...', the wide gap after the colon splitting the row into two lines)."""
    mid = (ln.box[1] + ln.box[3]) / 2
    return any(
        other.page == ln.page
        and other.box[2] <= ln.box[0]
        and other.box[1] < mid < other.box[3]
        and fold(other.text).startswith(BODY_START)
        for other in lines
    )


def addressed(lines: list[Line], below_y: int) -> bool:
    """A 'Kính gửi:' opens page 1's text under the number: the document is addressed to
    its recipients, as a công văn is (a type with a heading may be too, but its heading
    names it)."""
    return any(
        ln.page == 1 and ln.box[1] >= below_y and ln.top < 0.6 and fold(ln.text).replace(" ", "").startswith("kinhgui")
        for ln in lines
    )


def subject_vv(lines: list[Line], below_y: int) -> tuple[Field, float] | None:
    """'V/v ...' in the left column under the number, possibly over several lines, and
    how sure OCR was of the 'V/v' itself (0-1): what says công văn, whatever the
    subject's words after it."""
    under = [
        i for i, ln in enumerate(lines) if ln.page == 1 and ln.box[1] >= below_y and ln.centre_x < 0.5 and ln.top < 0.45
    ]
    prefix = V_V
    start = next((i for i in under if V_V.match(lines[i].text)), None)
    if start is None:
        # Only the first line of text under the issuer block and the number may be a
        # misread 'V/v'.
        first = next(
            (i for i in under if len(lines[i].text) > 6 and not is_caps(lines[i].text) and not _is_so(lines[i])),
            None,
        )
        if first is None or not V_V_MISREAD.match(lines[first].text):
            return None
        start, prefix = first, V_V_MISREAD
    picked = [lines[start]]
    for ln in lines[start + 1 :]:
        prev = picked[-1]
        if ln.centre_x >= 0.5:
            continue
        if (
            ln.box[1] - prev.box[3] > 1.0 * max(prev.height, 1)
            or is_caps(ln.text)
            or fold(ln.text).startswith(BODY_START)
        ):
            break
        picked.append(ln)
    subject = _subject(picked, prefix)
    marker = lines[start].words[0].confidence / 100
    return (subject, marker if prefix is V_V else min(marker, MISREAD_MARKER)) if subject else None


def _is_so(ln: Line) -> bool:
    return fold(ln.text).startswith("so")


def _subject(picked: list[Line], prefix: re.Pattern) -> Field | None:
    if not picked:
        return None
    text = clean(" ".join(ln.text for ln in picked))
    bracketed = text.lstrip().startswith("(") and text.rstrip().endswith(")")
    text = prefix.sub("", text, count=1).strip()
    if bracketed:  # '(Về việc ...)': the subject without its brackets
        text = text.lstrip("( ").removesuffix(")").strip()
    text = text.rstrip(" _")  # the rule under it, drawn or typed as underscores
    if not text:
        return None
    weakest = min(ln.weakest for ln in picked)
    box = (min(ln.box[0] for ln in picked), picked[0].box[1], max(ln.box[2] for ln in picked), picked[-1].box[3])
    return Field("subject", mend_read(text, weakest)[:500], free_text_confidence(weakest), picked[0].page, box)
