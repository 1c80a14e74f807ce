"""The documents a document cites, with their dates ('Căn cứ Kế hoạch số 215/KH-UBND,
ngày 12/3/2024'): they were issued before it, so its own date cannot be of an earlier
year. A printed year misread (2023 for 2025) is then caught, and the date is shown as
one to check instead of green. The year is not mended from the citation: a document
cites last year's plans as readily as this year's. But where the year's digits were
read two ways (Tesseract amid the line, and on their own: '2021' and '2024') and the
citation rules out the first, the other is taken, still to check."""

from __future__ import annotations

import datetime
import re

from .fields import Field
from .layout import Line

# A notation ('215/KH-UBND', '30/2020/NĐ-CP', '87-CV/TU'; folded), then its date
# ('ngày 12/3/2024', 'ngày 05 tháng 9 năm 2024').
_CITED = re.compile(
    r"\b\d{1,5}(?:[/-][a-z0-9]+)*/[a-z][a-z0-9&.\-]*\s*[,;]?\s*ngay\s*"
    r"(?P<d>\d{1,2})\s*(?:/|-|\.|thang)\s*(?P<m>\d{1,2})\s*(?:/|-|\.|nam)\s*(?P<y>(?:19|20)\d\d)\b"
)
CONTRADICTED = 0.6  # a date its own page contradicts: to check


def cited_years(lines: list[Line], skip: list[Line]) -> list[int]:
    """The years of the dated documents cited in `lines` (all pages), `skip` left out
    (the document's own number and date lines)."""
    text = " ".join(ln.folded for ln in lines if ln not in skip)
    return [int(m.group("y")) for m in _CITED.finditer(text)]


def check_year(date: Field, cited: list[int], notes: list[str], other_years: list[int] | None = None) -> None:
    """Below green, with a note, a date (whole or partial: '?/05/2015') whose year is
    earlier than that of a document it cites; its year's other reading taken, from
    `other_years`, when one alone is not earlier (nor later than next year)."""
    if not isinstance(date.value, str) or not cited:
        return
    m = re.search(r"(19|20)\d\d", date.value)
    if m is None or int(m.group()) >= max(cited):
        return
    date.confidence = min(date.confidence, CONTRADICTED)
    fits = {y for y in other_years or [] if max(cited) <= y <= datetime.date.today().year + 1}
    value = _with_year(date.value, m, next(iter(fits))) if len(fits) == 1 else None
    if value:
        notes.append(
            f"date: the year read {m.group()} is earlier than that of a document it cites ({max(cited)}); "
            f"read on its own it is {value[m.start() : m.end()]}: check it"
        )
        date.value = value
        return
    notes.append(f"date: the year {m.group()} is earlier than that of a document it cites ({max(cited)}): check it")


def take_notations_year(date: Field, notation: str | None, other_years: list[int], notes: list[str]) -> None:
    """A date's year read two ways ('2021' amid the line, '2024' on its own), the other
    the notation's own year ('12/2024/QĐ-UBND', printed on another line): that one is
    taken, still to check."""
    own = re.match(r"[^/]*/((?:19|20)\d\d)/", notation or "")
    if own is None or not isinstance(date.value, str) or int(own.group(1)) not in other_years:
        return
    m = re.search(r"(19|20)\d\d", date.value)
    if m is None or m.group() == own.group(1):
        return
    value = _with_year(date.value, m, int(own.group(1)))
    if value is None:
        return
    notes.append(f"date: the year read {m.group()} is {own.group(1)} read on its own, as in the number: check it")
    date.value = value
    date.confidence = min(date.confidence, CONTRADICTED)


def _with_year(value: str, year_at: re.Match[str], year: int) -> str | None:
    """The date `value` (whole or partial) with the year found at `year_at` made `year`;
    None when that makes no date (29 February of a common year)."""
    value = value[: year_at.start()] + str(year) + value[year_at.end() :]
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return None if re.fullmatch(r"\d{4}-\d\d-\d\d", value) else value
    return value
