"""What a clerk types, checked before it reaches the register: dates the way Vietnamese
offices write them, the number and notation against Decree 30's pattern, the fields a
register line cannot do without, and the Vietnam date (the register's day is the
office's day, whatever the machine's clock zone)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from classifiers.reference import doc_types, type_by_abbreviation
from errors import Invalid

VIETNAM = timezone(timedelta(hours=7), "ICT")  # no daylight saving: a fixed offset is exact
REQUIRED = ("so_ky_hieu", "date", "issuer", "type", "subject")
# The fields as a clerk knows them (the review page, refusals, the history).
LABELS = {
    "so_ky_hieu": "Số, ký hiệu",
    "date": "Ngày ban hành",
    "place": "Địa danh",
    "issuer": "Cơ quan ban hành",
    "parent_issuer": "Cơ quan chủ quản",
    "type": "Loại văn bản",
    "subject": "Trích yếu",
    "signer": "Người ký",
    "signer_title": "Chức vụ người ký",
    "signing_authority": "Thẩm quyền ký",
    "secrecy": "Độ mật",
    "urgency": "Độ khẩn",
    "recipients": "Nơi nhận",
    "duplicate": "Trùng văn bản",  # not a field: the approval's duplicate check
}
LOW = 0.7  # below this a reading is shown red and must be looked at before approval

# 24/10/2025, 24/10/25, 24.10.2025, 24-10-2025, 2025-10-24 (ISO, as stored).
_DMY = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2}|\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
# Decree 30, Appendix I: number[/year]/TYPE-ISSUER[-UNIT]; the Communist Party and Youth
# Union style puts the type before the slash (47-TB/ĐTN); a notation may be only the
# issuer's code (742/ĐHXY, công văn 12/UBND-VP).
_CODE = r"[A-ZĐ0-9][A-ZĐa-zđ0-9&]*"
_SO_KY_HIEU = re.compile(rf"^(?P<num>\d{{1,6}})(?:-{_CODE})?(?:/\d{{4}})?/{_CODE}(?:[-./]{_CODE})*$")


def vietnam_today(now: float | None = None) -> date:
    """Today in Vietnam (UTC+7): the arrival day a clerk writes on the stamp."""
    return datetime.fromtimestamp(time.time() if now is None else now, VIETNAM).date()


def parse_date(text: str, today: date | None = None) -> date:
    """A date as a clerk types it; raises Invalid (in words) when it is not one.
    Two-digit years are this century unless that would put them after next year."""
    s = text.strip()
    if m := _ISO.match(s):
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    elif m := _DMY.match(s):
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
        if y < 100:
            this = (today or vietnam_today()).year
            y += 2000 if 2000 + y <= this + 1 else 1900
    else:
        raise Invalid(f"'{s}' không phải một ngày: gõ ngày/tháng/năm, ví dụ 24/10/2025")
    try:
        return date(y, mo, d)
    except ValueError:
        raise Invalid(f"ngày {d:02d}/{mo:02d}/{y} không có trên lịch") from None


def show_date(iso: str | None) -> str:
    """A stored date as offices write it: dd/mm/yyyy (what is not ISO is shown as is)."""
    if not iso:
        return ""
    return f"{iso[8:10]}/{iso[5:7]}/{iso[:4]}" if _ISO.match(iso) else iso


def normalise_so_ky_hieu(text: str) -> str:
    """Spaces dropped around / and -, the notation in capitals as Decree 30 prints it
    (a typed 'qđ-ubnd' is 'QĐ-UBND'); the short forms with lower case letters (TTg)
    are kept as typed."""
    s = re.sub(r"\s*([/\-.])\s*", r"\1", " ".join(text.split()))
    head, sep, tail = s.partition("/")
    if tail and tail == tail.lower():
        tail = tail.upper()
    return head + sep + tail


def so_ky_hieu_problem(text: str) -> str | None:
    """Why `text` is not a number and notation of Decree 30's pattern, or None."""
    if _SO_KY_HIEU.match(text):
        return None
    return f"'{text}' không đúng mẫu số, ký hiệu (số/ký hiệu, ví dụ 123/QĐ-UBND hoặc 12/UBND-VP)"


def number_of(so_ky_hieu: str) -> int | None:
    m = _SO_KY_HIEU.match(so_ky_hieu)
    return int(m["num"]) if m else None


def type_from_notation(so_ky_hieu: str, subject: str = "") -> str | None:
    """The document type its notation names (QĐ: Quyết định, NĐ-CP: Nghị định); a
    notation with no type code, or a subject starting 'V/v', is a công văn."""
    head, _, tail = so_ky_hieu.partition("/")
    codes = [c for c in re.split(r"[-/]", tail) if c and not c.isdigit()]
    if "-" in head:  # 47-TB/ĐTN: the type before the slash
        codes.insert(0, head.split("-", 1)[1])
    if codes and codes[0] in type_by_abbreviation():
        return type_by_abbreviation()[codes[0]].name
    if codes or subject.strip().lower().startswith("v/v"):
        return "Công văn"
    return None


def type_codes() -> dict[str, str]:
    """Abbreviation → type name, for the page's own inference while the clerk types."""
    return {t.abbreviation: t.name for t in doc_types() if t.abbreviation}


@dataclass(frozen=True)
class Problem:
    """Something that stops an approval until the clerk mends it or overrides it."""

    field: str
    message: str


def approval_problems(fields: dict) -> list[Problem]:
    """The required fields that are empty, unreadable (red and untouched) or malformed."""
    out = []
    for name in REQUIRED:
        f = fields.get(name) or {}
        value = f.get("value")
        if value in (None, "", []):
            out.append(Problem(name, "chưa có: bắt buộc để vào sổ"))
        elif name == "so_ky_hieu" and (why := so_ky_hieu_problem(str(value))):
            out.append(Problem(name, why))
        elif name == "date" and not _ISO.match(str(value)):
            out.append(Problem(name, f"'{value}' không phải một ngày"))
        elif f.get("source") != "corrected" and float(f.get("confidence", 0.0)) < LOW:
            out.append(Problem(name, "đọc chưa chắc chắn (màu đỏ): hãy đối chiếu với bản giấy"))
    return out
