"""Fields of the header zone of page 1: number/notation, issue date and place, issuer
and parent body, secrecy and urgency marks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from rapidfuzz import fuzz, process

from ocr.types import STATED, Word
from ocr.vietnamese import NGAY, THANG, is_syllable

from .fields import Field
from .layout import Line
from .notation import Notation, after_so, parse
from .reference import issuers, places, repair_caps, starts_with_organ
from .restated import mend_weak_words
from .text import clean, fold, is_caps

HEADER_ZONE = 0.40  # fraction of the page height that holds the header blocks
NATIONAL = ["cong hoa xa hoi chu nghia viet nam", "doc lap - tu do - hanh phuc"]
# Letters OCR puts for digits, and the digits they may stand for (folded, lower case).
_DIGIT_LOOKALIKES = {
    "o": "0",
    "i": "1",
    "l": "1",
    "|": "1",
    "!": "1",
    "z": "20",
    "s": "5",
    "b": "86",
    "g": "9",
    "q": "9",
}
_D = "[0-9" + re.escape("".join(_DIGIT_LOOKALIKES)) + "]"
DATE_RE = re.compile(rf"{NGAY}\s*(?P<d>{_D}{{1,2}})\s*{THANG}\s*(?P<m>{_D}{{1,2}})\s*nam\s*(?P<y>{_D}{{4}})")


def header_lines(lines: list[Line]) -> list[Line]:
    return [ln for ln in lines if ln.page == 1 and ln.top < HEADER_ZONE]


def is_national(line: Line) -> bool:
    f = line.folded
    return any(fuzz.partial_ratio(n, f) >= 85 and len(f) > 0.6 * len(n) for n in NATIONAL)


def find_notation(lines: list[Line]) -> tuple[Notation, Line] | None:
    for ln in header_lines(lines):
        if ln.centre_x > 0.55:
            continue
        rest = after_so(ln.text)
        if rest is None:
            continue
        n = parse(rest)
        if n:
            return n, ln
    return None


def notation_fields(found: tuple[Notation, Line] | None) -> dict[str, Field]:
    if not found:
        return {}
    n, ln = found
    # An abbreviation missing from the lists lowers a reading (OCR may have garbled it),
    # not what the file itself states.
    stated = all(w.confidence >= STATED for w in ln.words)
    conf = ln.confidence * (0.9**n.repairs) * (1.0 if stated else 0.93**n.unknown_parts)
    # The digits are what the register is keyed on: a notation is no surer than the
    # word that holds them, however well the rest of the line read.
    at = number_word(ln)
    if at is not None:
        conf = min(conf, ln.words[at].confidence / 100)
    source = "repaired" if n.repairs else "recognised"
    return {
        "so_ky_hieu": Field("so_ky_hieu", n.text, conf, ln.page, ln.box, source),
        "number": Field("number", n.number, conf, ln.page, ln.box, source),
    }


def number_word(ln: Line) -> int | None:
    """Where in the number line the word holding the number's digits stands."""
    return next((i for i, w in enumerate(ln.words) if any(c.isdigit() for c in w.text)), None)


UNREAD = "?"  # stands for the digits of a number that could not be read


def partial_notation(lines: list[Line]) -> dict[str, Field]:
    """When the number itself cannot be read (the văn thư writes it by hand on the
    signed paper), what is printed still helps: '?/QĐ-UBND' at a low confidence, so
    the clerk types only the digits."""
    for ln in header_lines(lines):
        if ln.centre_x > 0.55 or not _looks_numbered(ln.text):
            continue
        if after_so(ln.text) is None and len(ln.text.split()) > 5:
            continue  # a sentence that ends citing another document ('... số 05-NQ/BCSĐ')
        party = _PARTY_TAIL.search(ln.text.strip())
        whole = parse("1" + re.sub(r"\s+", "", party.group(0))) if party else None
        if whole:  # the Party's style: '?-TB/ĐTN', the type's code kept
            return {
                "so_ky_hieu": Field("so_ky_hieu", UNREAD + whole.text[1:], min(0.3, ln.confidence), ln.page, ln.box)
            }
        m = _NOTATION_TAIL.search(ln.text.strip())
        if m:
            tail = re.sub(r"\s+", "", m.group(0))
            repaired = parse("1" + tail)  # the code's misreads mended as a whole notation's are ('/sYT')
            if repaired:
                tail = "/" + (f"{repaired.year}/" if repaired.year else "") + "-".join(repaired.parts)
            if not tail.rsplit("/", 1)[1][:1].isupper():
                continue
            return {"so_ky_hieu": Field("so_ky_hieu", UNREAD + tail, min(0.3, ln.confidence), ln.page, ln.box)}
    return {}


def find_date(lines: list[Line], today: date | None = None) -> dict[str, Field]:
    """The issue date: '<place>, ngày DD tháng M năm YYYY' in the header (right
    column). A date in the body ('Căn cứ ... ngày ...') is never taken."""
    today = today or date.today()
    for ln in _date_lines(lines):
        f = ln.folded
        m = DATE_RE.search(f)
        if not m:
            continue
        readings = _valid_dates(m.group("d"), m.group("m"), m.group("y"), today)
        if len(readings) != 1:
            continue  # unreadable, or misread digits that could mean two dates
        issued = readings[0]
        repaired = any(not m.group(k).isdigit() for k in ("d", "m", "y"))
        # The date is as sure as its least sure digits (a mean over the line's words
        # hid a weakly read month among surely read words). The words between them are
        # checked by the pattern ('ngày', 'tháng', 'năm' as read, nothing else between),
        # however weakly read (a hand's day written over 'ngày'), and the place before
        # them is a field of its own.
        at = next((i for i, w in enumerate(ln.words) if re.search(NGAY, fold(w.text))), 0)
        digits = [w.confidence / 100 for w in ln.words[at : at + 7] if any(c.isdigit() for c in w.text)]
        conf = min(digits or [ln.confidence]) * (0.8 if repaired else 1.0)
        date_field = Field("date", issued.isoformat(), conf, ln.page, ln.box, "repaired" if repaired else "recognised")
        return _with_place(date_field, ln, m.start())
    return {}


def _date_lines(lines: list[Line]) -> Iterator[Line]:
    """Header lines that may hold the date, rightmost first: it stands in the right
    column; body text starts at the left margin."""
    for ln in sorted(header_lines(lines), key=lambda ln: -ln.centre_x):
        if ln.centre_x >= 0.45 and ln.box[0] >= 0.3 * ln.page_width:
            yield ln


def _with_place(date_field: Field, ln: Line, start: int) -> dict[str, Field]:
    """The date and the place: what stands before ', ngày' (at `start`; fold keeps
    character positions)."""
    out = {"date": date_field}
    place_raw = ln.text[:start].rstrip(" ,.")
    if place_raw:
        out["place"] = _place(place_raw, ln)
    return out


_PARTIAL_DATE = re.compile(rf"{NGAY}\W*(?P<d>\d{{1,2}}\b)?.*?{THANG}\W*(?P<m>\d{{1,2}}\b)?.*?nam\s*(?P<y>\d{{4}})\b")


def partial_date(lines: list[Line], today: date | None = None) -> dict[str, Field]:
    """When the day (or the month) cannot be read (written by hand, or a misread), what
    is printed still helps, as offices write a date: '?/05/2015' at a low confidence,
    so the clerk types only the day. Approval takes only a whole date."""
    today = today or date.today()
    for ln in _date_lines(lines):
        m = _PARTIAL_DATE.search(ln.folded)
        if not m or not 1945 <= int(m.group("y")) <= today.year + 1:
            continue
        day = m.group("d") if m.group("d") and 1 <= int(m.group("d")) <= 31 else None
        month = m.group("m") if m.group("m") and 1 <= int(m.group("m")) <= 12 else None
        if day and month:
            continue  # a whole date find_date could not take is no partial one
        shown = "/".join(f"{int(v):02d}" if v else UNREAD for v in (day, month)) + "/" + m.group("y")
        return _with_place(Field("date", shown, min(0.3, ln.confidence), ln.page, ln.box), ln, m.start())
    return {}


def _valid_dates(d: str, m: str, y: str, today: date) -> list[date]:
    """Every calendar date the three (possibly misread) numbers can stand for."""

    def readings(token: str) -> list[int]:
        out = [""]
        for ch in token:
            out = [o + c for o in out for c in (ch if ch.isdigit() else _DIGIT_LOOKALIKES.get(ch, ""))]
        return [int(o) for o in out if o]

    found = set()
    for yy in readings(y):
        for mm in readings(m):
            for dd in readings(d):
                try:
                    candidate = date(yy, mm, dd)
                except ValueError:
                    continue
                if 1945 <= yy <= today.year + 1:
                    found.add(candidate)
    return sorted(found)


def _place(raw: str, ln: Line) -> Field:
    best = process.extractOne(fold(raw), {p: fold(p) for p in places()}, scorer=fuzz.ratio)
    if best and best[1] >= 85:
        name = best[2]
        return Field(
            "place",
            name,
            ln.confidence * (1.0 if best[1] == 100 else 0.9),
            ln.page,
            ln.box,
            "recognised" if name == raw else "repaired",
        )
    return Field("place", raw, ln.confidence * 0.8, ln.page, ln.box)


# The lines of an e-signature box stamped on the page ('Người ký: CỔNG THÔNG TIN ĐIỆN
# TỬ CHÍNH PHỦ', 'Cơ quan: SỞ ...'): the signer's, never the issuer's or its parent.
_SIGNATURE_BOX = ("nguoi ky", "ky boi", "co quan:", "thoi gian ky", "email")


def find_issuer(lines: list[Line], so_line: Line | None) -> dict[str, Field]:
    """Bodies in the top-left block above 'Số:': a line that starts with an organ word
    (ỦY BAN, SỞ, BỘ, ...) starts a body, other lines continue the one above. With two
    bodies the first is the parent (plain caps) and the second the issuer (bold)."""
    if so_line is None:
        # The number line unread (handwritten number, noise): its printed '/QĐ-UBND'
        # still ends the bodies' block, so the line never joins the issuer's name.
        so_line = next((ln for ln in header_lines(lines) if ln.centre_x < 0.55 and _looks_numbered(ln.text)), None)
    # Lines above the number line. Its top is that of its lowest word, the printed
    # '/QĐ-UBND': a handwritten number rises above the printed line.
    limit = max(w.box[1] for w in so_line.words) if so_line else None
    block = [
        ln
        for ln in header_lines(lines)
        if ln.centre_x < 0.5
        and is_caps(ln.text)
        and not is_national(ln)
        and not fold(ln.text).startswith(_SIGNATURE_BOX)
        and not _numbered(ln.text)
        and (limit is None or ln.box[3] <= limit + 0.2 * ln.height)
    ]
    if limit is None:
        block = block[:4]
    bodies: list[list[Line]] = []
    for ln in block:
        # A body's line ending in a dash joins the next body: two issuers of one joint
        # document ('LIÊN ĐOÀN LAO ĐỘNG -' over 'SỞ VĂN HÓA, ...'), not a parent and its child.
        joint = bool(bodies) and bodies[-1][-1].text.rstrip().endswith(("-", "–"))
        if not bodies or (starts_with_organ(ln.text) and not joint):
            bodies.append([ln])
        else:
            bodies[-1].append(ln)
    if not bodies:
        return {}
    out = {}
    issuer_lines = bodies[-1]
    if len(bodies) >= 2:
        out["parent_issuer"] = _body("parent_issuer", bodies[-2], known=False)
    mended = mend_weak_words([w for ln in issuer_lines for w in ln.words], lines)
    out["issuer"] = _body("issuer", issuer_lines, known=True, words=mended)
    return out


_PARTY_TAIL = re.compile(r"-\s*[A-ZĐ][A-Za-zĐđ]{0,4}\s*/\s*[A-ZĐ][A-Za-zĐđ]+(\s*-\s*[A-ZĐ][A-Za-zĐđ]*)*\s*$")
# The printed part after a hand's number: its code, and the year before it if it has one
# ('/2024/QĐ-UBND': the year is printed, only the number is written).
_NOTATION_TAIL = re.compile(r"(/\s*(19|20)\d\d\s*)?/\s*[A-Za-zĐ][A-Za-zĐđ]{1,}(\s*-\s*[A-ZĐ][A-Za-zĐđ&,]*)*\s*$")


def _looks_numbered(text: str) -> bool:
    """'Số: ... /QĐ-UBND' however damaged: 'Số' first with a slash or digits after it
    ('SỞ Y TẾ' also starts like 'Số'), or a notation's tail at the end."""
    rest = after_so(text)
    if rest is not None and ("/" in rest or any(c.isdigit() for c in rest[:6])):
        return True
    return bool(_NOTATION_TAIL.search(text.strip()))


def _numbered(text: str) -> bool:
    """A 'Số: ...' line even when too damaged to parse: never part of a body's name."""
    rest = after_so(text)
    return rest is not None and any(c.isdigit() for c in rest[:4])


# A speck or a scanner's mark before the name reads as a quote or a dash, the rule
# under it as underscores ('UBND TỈNH LẠNG SƠN _', '__ BỘ NỘI VỤ').
_SPECKS = "'\"`‘’“”-–—_.,:;·*~ "


def _trimmed(name: str) -> str:
    """A body's name without the specks around it, nor a word in small letters before
    an organ's name ('Ta BỘ TÀI CHÍNH': a seal's edge read as letters)."""
    name = name.strip(_SPECKS)
    first, _, rest = name.partition(" ")
    if rest and not is_caps(first) and starts_with_organ(rest):
        name = rest.lstrip(_SPECKS)
    return name


def _body(name: str, lines: list[Line], known: bool, words: list[str] | None = None) -> Field:
    """The body's name from its lines (or from `words`, their words mended)."""
    read = _trimmed(clean(" ".join(ln.text for ln in lines)))
    text = _trimmed(clean(" ".join(words))) if words is not None else read
    conf = min(ln.confidence for ln in lines)
    box = (min(ln.box[0] for ln in lines), lines[0].box[1], max(ln.box[2] for ln in lines), lines[-1].box[3])
    source = "recognised" if words is None else "restated"
    best = process.extractOne(fold(text), {i: fold(i) for i in issuers()}, scorer=fuzz.ratio) if known else None
    # A near miss that names another kind of body is another body (BỘ XÂY DỰNG is not
    # SỞ XÂY DỰNG): the list may mend the name's letters, never its organ word.
    if best and fold(best[2]).split()[:1] != fold(text).split()[:1]:
        best = None
    if best and best[1] >= 90:
        if best[2] != text:
            text, source = best[2], "repaired"
            conf *= 1.0 if best[1] == 100 else 0.95
    else:
        text, changed = repair_caps(text)
        if changed and source == "recognised":
            source = "repaired"
        conf *= 0.93  # no list to confirm the whole name against
    if source == "restated" and repair_caps(read)[0] == text:
        source = "repaired"  # the reference words alone put back what the body did
    if not starts_with_organ(text):
        conf *= 0.7
    return Field(name, text, conf, lines[0].page, box, source)


SECRECY = ["TUYỆT MẬT", "TỐI MẬT", "MẬT"]
URGENCY = ["HỎA TỐC", "THƯỢNG KHẨN", "KHẨN"]
_MARK_WORDS = {fold(w) for v in SECRECY + URGENCY for w in v.split()}  # 'hoa', 'toc', 'mat', ...


def find_marks(lines: list[Line], marks: list[Line]) -> dict[str, Field]:
    """Secrecy and urgency marks: a line of their own on page 1, in black or in
    coloured ink read from the colour layer. Urgency is looked for where Decree 30 puts
    it (the left column of the header); a secrecy word standing alone anywhere on page 1
    counts, wherever it was stamped: missing one would send a secret document out."""
    out: dict[str, Field] = {}
    page1 = [ln for ln in lines + marks if ln.page == 1]
    where = {
        "secrecy": page1,
        "urgency": [ln for ln in header_lines(lines) + marks if ln.page == 1 and ln.centre_x < 0.5],
    }
    stamped = {id(ln) for ln in marks}
    for field, values in (("secrecy", SECRECY), ("urgency", URGENCY)):
        candidates = [run for ln in where[field] for run in ([ln] + (_caps_runs(ln) if id(ln) in stamped else []))]
        for ln in candidates:
            letters = re.sub(r"[^\w ]", "", ln.text).strip()
            if not is_caps(letters):
                continue
            f = fold(letters)
            for v in values:
                if f == fold(v):
                    out[field] = Field(field, v, ln.confidence, ln.page, ln.box)
                    break
            if field in out:
                break
    return out


def _caps_runs(ln: Line) -> list[Line]:
    """A coloured line's runs of words in capitals bounded by other words: a stamp
    beside another on one row ('HỎA TỐC' in red beside the arrival stamp's 'Chuyển: VP'
    in blue) is read as one line with it. A run beside a word of a mark itself read
    small ('thượng KHẨN') is no run of its own: KHẨN alone would be a lesser urgency."""
    runs: list[list[Word]] = [[]]
    for w in ln.words:
        if runs[-1] and is_caps(w.text) != is_caps(runs[-1][-1].text):
            runs.append([])
        runs[-1].append(w)
    if len(runs) < 2:
        return []
    runs = [_without_debris(run) for run in runs]
    out = []
    for i, run in enumerate(runs):
        if not run:
            continue
        beside = ([runs[i - 1][-1]] if i and runs[i - 1] else []) + (
            [runs[i + 1][0]] if i + 1 < len(runs) and runs[i + 1] else []
        )
        if is_caps(run[0].text) and not any(fold(re.sub(r"\W", "", w.text)) in _MARK_WORDS for w in beside):
            out.append(ln.sub(run))
    return out


_DEBRIS = 80.0  # a stamp's frame read as letters ('ÌÌ' at 59) is read no surer than this


def _without_debris(run: list[Word]) -> list[Word]:
    """A run of capitals without the stamp frame's strokes OCR read as letters at its
    ends ('HỎA TỐC ÌÌ': a frame's side beside the arrival stamp): no syllable, read
    weakly."""

    def debris(w: Word) -> bool:
        letters = re.sub(r"\W", "", w.text)
        return w.confidence < _DEBRIS and not (letters and is_syllable(letters))

    start, end = 0, len(run)
    while start < end and debris(run[start]):
        start += 1
    while end > start and debris(run[end - 1]):
        end -= 1
    return run[start:end]
