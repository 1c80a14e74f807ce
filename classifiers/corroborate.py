"""Two readings that say the same thing. OCR's own confidence on a real scan rarely
passes 0.9 even where it read right, so a value read once stays below green; a value
that another, independent part of the page confirms can be shown green:

- the issuer, a name on the reference list or among the issuers of the documents the
  office has registered (or one the body states again word for word:
  classifiers.restated), whose initials the notation's code spells (SỞ Y TẾ and
  .../SYT-KHTC; SỞ GIÁO DỤC VÀ ĐÀO TẠO and .../SGDĐT-...);
- the type, from a heading (QUYẾT ĐỊNH) or a 'V/v' line, that the code confirms (QĐ-...;
  for a công văn, a code with no type in it);
- the number and notation, printed digits read with high confidence (or a hand's
  digits two readers read alike), whose code parts both of the above confirm. A code
  mended from a misread ('QĐÐ-BGDĐT') is confirmed too when it is nothing but those
  two parts, each spelled by another field, its year (if any) is the date's and the
  digits before it stand on the page as they were read: every letter of it is then
  confirmed, however weakly OCR read them.

A confirmation never raises what was read weakly: a garbled name whose initials happen
to fit stays as unsure as OCR said."""

from __future__ import annotations

import re
from collections.abc import Collection

from .fields import Field
from .reference import known_bodies, type_by_abbreviation
from .text import fold

CONFIRMED = 0.93  # a value two readings agree on
_FIRM = 0.75  # below this a reading is too weak to be confirmed by anything
_DIGITS_FIRM = 0.9  # the number's own word: digits are confirmed by nothing else
_SKIPPED = {"va", "cua"}  # 'và', 'của' give no letter to an abbreviation


def initials(name: str, strict: bool = False) -> str:
    """'SỞ GIÁO DỤC VÀ ĐÀO TẠO' → 'sgddt' (folded; `strict`: 'sgdđt'); an abbreviation
    inside the name ('UBND TỈNH LẠNG SƠN') gives all its letters."""
    out = []
    for word in re.split(r"[\s.,\-–]+", fold(name, keep_dd=strict)):
        if not word or fold(word) in _SKIPPED:
            continue
        letters = re.sub(r"[^a-zđ]", "", word)
        if not letters:
            continue
        abbreviation = len(letters) <= 5 and not re.search(r"[aeiouy]", fold(letters[1:]))
        out.append(letters if abbreviation and len(letters) > 1 else letters[0])
    return "".join(out)


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(c in it for c in short)


_PARTY_TYPE = re.compile(r"^[\d?]+-([^\W\d_]+)$")  # '55-TB' before the slash: the Party's style


def code_parts(so_ky_hieu: str) -> list[str]:
    """'12/TB-SYT' → ['TB', 'SYT']; '?/2025/QĐ-UBND' → ['QĐ', 'UBND']; in the Party's
    style the type stands with the number: '55-TB/ĐTN' → ['TB', 'ĐTN']."""
    head, _, code = so_ky_hieu.rpartition("/")
    party = _PARTY_TYPE.match(head)
    return ([party.group(1)] if party else []) + [p for p in code.split("-") if p]


def type_code(parts: list[str]) -> str | None:
    """The type's code leading a notation's code (QĐ in QĐ-UBND); a công văn has none."""
    return parts[0] if len(parts) > 1 and parts[0] in type_by_abbreviation() else None


def names_issuer(parts: list[str], issuer: str, strict: bool = False) -> bool:
    """A code part (not the type's) of two letters or more spelled by the issuer's
    initials; `strict`: its Đ and D each as the name has them ('BCDPCTT' does not spell
    BAN CHỈ ĐẠO PHÒNG CHỐNG THIÊN TAI: a Đ read as D, or a code that writes it so)."""
    own = initials(issuer, strict)
    for i, part in enumerate(parts):
        if i == 0 and type_code(parts):
            continue
        letters = re.sub(r"[^a-zđ]", "", fold(part, keep_dd=strict))
        if (len(letters) >= 2 and own.startswith(letters[0]) and _subsequence(letters, own)) or (
            len(letters) >= 3 and letters in own
        ):
            return True
    return False


def undouble_code(fields: dict[str, Field]) -> None:
    """The notation's code part a letter of which was read twice or more ('CĐĐKTMN'):
    the letter taken fewer times where the issuer's initials spell the part so and not as read
    (a code on no list, so nothing else could mend it; 'ĐĐBQH' as the issuer spells it
    stays)."""
    notation, issuer = fields.get("so_ky_hieu"), fields.get("issuer")
    if notation is None or issuer is None or not isinstance(notation.value, str) or "/" not in notation.value:
        return
    head, code = notation.value.rsplit("/", 1)
    parts = code.split("-")
    for i, part in enumerate(parts):
        if (i == 0 and type_code(parts)) or names_issuer([part], str(issuer.value)):
            continue
        same = part.replace("Ð", "Đ")
        shorter = {
            same[: m.start()] + m.group(1) * n + same[m.end() :]
            for m in re.finditer(r"(.)\1+", same)
            for n in range(1, len(m.group()))
        }
        fits = [c for c in shorter if names_issuer([c], str(issuer.value))]
        if len(fits) == 1:
            parts[i] = fits[0]
            notation.value = f"{head}/{'-'.join(parts)}"
            notation.source = "repaired"


def corroborate(
    fields: dict[str, Field],
    digits_confidence: float | None,
    code_words_confidence: float | None,
    digits_as_read: bool = False,
    issuer_restated: bool = False,
    filed: Collection[str] = (),
    known_issuers: Collection[str] = (),
) -> None:
    """Raise to CONFIRMED what two readings agree on (in `fields`). The confidences:
    of the word holding the number's digits, and the least of the code's words (None
    when the number was not read from print); `digits_as_read`: the notation's number
    (and year) are on the number line as OCR read them, no digit mended;
    `issuer_restated`: the body states the issuer's name again, read alike; `filed`:
    the unit codes the 'Lưu:' item names, read surely (restated.filed_units);
    `known_issuers`: bodies known beside the reference lists (the issuers of the
    documents this office has registered)."""
    notation = fields.get("so_ky_hieu")
    if notation is None or not isinstance(notation.value, str) or "/" not in notation.value:
        return
    parts = code_parts(notation.value)
    issuer = fields.get("issuer")
    issuer_agrees = bool(
        issuer
        and issuer.confidence >= _FIRM
        and (issuer.value in known_bodies() or issuer.value in known_issuers or issuer_restated)
        and names_issuer(parts, issuer.value)
    )
    if issuer and issuer_agrees:
        issuer.confidence = max(issuer.confidence, CONFIRMED)
    doc_type = fields.get("type")
    abbr = type_code(parts)
    type_agrees = bool(
        doc_type
        and doc_type.confidence >= _FIRM
        and doc_type.source == "recognised"
        and (
            (abbr is not None and type_by_abbreviation()[abbr].name == doc_type.value)
            or (abbr is None and doc_type.value == "Công văn")
        )
    )
    if doc_type and type_agrees:
        doc_type.confidence = max(doc_type.confidence, CONFIRMED)
    # Every part of the code is read again elsewhere: the type's code (if any) by the
    # type, the issuer's by its name, a drafting unit's on the 'Lưu:' line; and its year
    # (if it has one: '7/2025/QĐ-UBND') is the date's: every letter of it is confirmed,
    # however weakly OCR read or however it mended them.
    whole_code = (
        issuer is not None
        and _accounted_for(parts[1:] if abbr else parts, str(issuer.value), filed)
        and _year_agrees(notation.value, fields.get("date"))
    )
    code_firm = notation.source == "recognised" and (code_words_confidence or 0) >= _FIRM
    if (
        notation.source in ("recognised", "repaired", "handwritten")
        and digits_confidence is not None
        and digits_confidence >= _DIGITS_FIRM
        and (code_firm or (whole_code and digits_as_read))
        and issuer_agrees
        # The issuer's name confirms the code's letters only as it spells them, Đ and D
        # apart (folded alike, they would show a Đ read as D green).
        and issuer is not None
        and names_issuer(parts, str(issuer.value), strict=True)
        and type_agrees
    ):
        for name in ("so_ky_hieu", "number"):
            if name in fields:
                fields[name].confidence = max(fields[name].confidence, CONFIRMED)


def _accounted_for(parts: list[str], issuer: str, filed: Collection[str]) -> bool:
    """The code's parts after the type's (all of a công văn's) are the issuer's, spelled
    as its name spells them, and units the 'Lưu:' item names: 'SNV-KHTC' with SỞ NỘI VỤ
    and 'Lưu: VT, KHTC.'. One part is the issuer's: a code with none is someone else's."""
    own = [p for p in parts if names_issuer([p], issuer, strict=True)]
    return len(own) == 1 and all(p in own or p in filed for p in parts)


def _year_agrees(notation: str, date: Field | None) -> bool:
    """A notation's year ('09/2025/QĐ-TTg') is the issue date's; one without a year agrees."""
    m = re.match(r"\d+/(\d{4})/", notation)
    if m is None:
        return True
    return date is not None and isinstance(date.value, str) and date.value[:4] == m.group(1)
