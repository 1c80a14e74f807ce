"""The incoming register (sổ đăng ký văn bản đến): approving an incoming document gives
it the next arrival number (số đến) of the year and its arrival date (ngày đến)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date

from errors import Invalid, Refused

from . import secrecy
from .db import now
from .documents import columns, find_duplicate, in_grace
from .jobs import audit
from .record import DocumentRecord
from .states import DocumentState, require, transition
from .validation import LABELS, Problem, approval_problems, parse_date, show_date, vietnam_today


@dataclass(frozen=True)
class ArrivalEntry:
    """The arrival entry (vào sổ văn bản đến) as the clerk fills it at approval."""

    received_on: date | None = None  # ngày đến: Vietnam's today when not given
    handler: str = ""  # đơn vị / người xử lý
    due: date | None = None  # hạn xử lý
    pages: int | None = None  # số trang (tờ)
    note: str = ""  # ghi chú

    @classmethod
    def from_form(cls, form: dict[str, str]) -> ArrivalEntry:
        """From the page's `arrival_*` inputs; raises Invalid naming the input at fault."""

        def day(key: str, label: str) -> date | None:
            text = form.get(key, "").strip()
            if not text:
                return None
            try:
                return parse_date(text)
            except Invalid as e:
                raise Invalid(f"{label}: {e}", field=key) from None

        pages = form.get("arrival_pages", "").strip()
        if pages and not (pages.isdigit() and 0 < int(pages) < 100000):
            raise Invalid(f"Số trang: '{pages}' không phải một số", field="arrival_pages")
        return cls(
            received_on=day("arrival_date", "Ngày đến"),
            handler=" ".join(form.get("arrival_handler", "").split()),
            due=day("arrival_due", "Hạn xử lý"),
            pages=int(pages) if pages else None,
            note=" ".join(form.get("arrival_note", "").split()),
        )

    def to_json(self) -> dict[str, object]:
        return {
            "received_on": _iso(self.received_on),
            "handler": self.handler,
            "due": _iso(self.due),
            "pages": self.pages,
            "note": self.note,
        }


class NeedsAttention(Refused):
    """Approval stopped: required fields are empty, red or malformed, or the document
    repeats one already in the register. The clerk mends them or approves again with a
    reason (which the audit keeps)."""

    def __init__(self, problems: list[Problem]) -> None:
        first = problems[0]
        super().__init__("; ".join(f"{LABELS.get(p.field, p.field)}: {p.message}" for p in problems))
        self.problems = problems
        self.field = first.field


@dataclass
class Approval:
    """What an approval did: the số đến given (None for archive scans) and until when it
    may be undone."""

    so_den: int | None
    year: int | None
    release_at: float
    overridden: list[Problem] = field(default_factory=list)


def problems(conn: sqlite3.Connection, doc_id: int, record: DocumentRecord) -> list[Problem]:
    """What stops the approval of a document now (checked again at every approval, as
    corrections may have made it a duplicate)."""
    found = approval_problems(record.get("fields", {}))
    dup = find_duplicate(conn, doc_id, columns(record))
    if dup is not None:
        found.append(Problem("duplicate", duplicate_text(conn, dup)))
    return found


def duplicate_text(conn: sqlite3.Connection, dup: int) -> str:
    """'trùng với số đến 4/2026' (or with a document not yet registered)."""
    line = entry(conn, dup)
    if line is not None:
        return f"trùng với số đến {line['so_den']}/{line['year']} (cùng số, ký hiệu và cơ quan ban hành)"
    return f"trùng với văn bản #{dup} (cùng số, ký hiệu và cơ quan ban hành)"


def approve(
    conn: sqlite3.Connection,
    document_id: int,
    actor: str,
    register: bool,
    today: date | None = None,
    *,
    arrival: ArrivalEntry | None = None,
    hold_s: float = 0.0,
    override: str | None = None,
) -> Approval:
    """Approve a document waiting for review, in one transaction with its registration.

    Stops with NeedsAttention when required fields are missing, red or malformed, or it
    repeats a registered document, unless `override` gives the clerk's reason (audited);
    an empty reason is refused. Signing waits `hold_s` seconds (the undo's grace).
    A document that had a số đến before an undo keeps it. Raises NotInReview if the
    document is not waiting for review, Refused while a lowering of its secrecy mark
    awaits confirmation. BEGIN IMMEDIATE serialises writers, across processes too, so
    two approvals can never take the same number."""
    arrival = arrival or ArrivalEntry()
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        row = require(conn, document_id, DocumentState.REVIEW)
        record = json.loads(row["record"])
        if secrecy.release_pending(record):
            raise Refused(
                "việc hạ độ mật đang chờ người thứ hai xác nhận; chưa duyệt được "
                "(lowering the secrecy mark awaits a second person's confirmation)"
            )
        found = problems(conn, document_id, record)
        if found and override is None:
            raise NeedsAttention(found)
        if found and not (override or "").strip():
            raise Invalid("ghi lý do duyệt khi còn điều chưa ổn", field="override_reason")
        release_at = now() + hold_s
        after = {"overridden": [p.message for p in found], "reason": override.strip()} if found and override else None
        kept = entry(conn, document_id) if register else None
        received = arrival.received_on or today or vietnam_today()
        received_on = received.isoformat()
        year = kept["year"] if kept is not None else received.year
        so_den = (kept["so_den"] if kept is not None else next_number(conn, year)) if register else None
        if register:
            # The entry travels with the document (edXML's DueDate and ToPlaces).
            record["arrival"] = {"so_den": so_den, "year": year, **arrival.to_json(), "received_on": received_on}
        changes = {"release_at": release_at, "record": record}
        transition(conn, document_id, DocumentState.APPROVED, actor, changes=changes, after=after)
        if not register:
            return Approval(None, None, release_at, found)
        pages = arrival.pages or len(record.get("pages", [])) or None
        # Handed over (ngày chuyển) the day it arrives and is entered.
        values = (arrival.handler or None, received_on, _iso(arrival.due), pages, arrival.note or None)
        if kept is not None:  # approved again after an undo: the number written on the paper stands
            conn.execute(
                "UPDATE register SET handler = ?, handed_on = ?, due = ?, pages = ?, note = ?, ngay_den = ? "
                "WHERE document_id = ?",
                (*values, received_on, document_id),
            )
        else:
            conn.execute(
                "INSERT INTO register (year, so_den, document_id, ngay_den, created_at, handler, handed_on, due, "
                "pages, note) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (year, so_den, document_id, received_on, now(), *values),
            )
        audit(conn, "register", document_id, "registered", after=record["arrival"], actor=actor)
        return Approval(so_den, year, release_at, found)


def undo(conn: sqlite3.Connection, document_id: int, actor: str) -> None:
    """An approval taken back within its grace period: the document waits for review
    again and nothing has been signed or sent. Its số đến stays with it (the clerk may
    have written it on the paper already). Raises Refused once signing may have begun."""
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        if not in_grace(require(conn, document_id, DocumentState.APPROVED)):
            raise Refused("đã quá thời gian hoàn tác: văn bản đã được chuyển ký số và gửi đi; hãy sửa bằng điều chỉnh")
        transition(conn, document_id, DocumentState.REVIEW, actor, action="approval undone")


def next_number(conn: sqlite3.Connection, year: int) -> int:
    return int(conn.execute("SELECT COALESCE(MAX(so_den), 0) + 1 FROM register WHERE year = ?", (year,)).fetchone()[0])


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


COLUMNS = [
    "Ngày đến",
    "Số đến",
    "Tác giả",
    "Số, ký hiệu",
    "Ngày tháng văn bản",
    "Tên loại và trích yếu nội dung",
    "Đơn vị hoặc người nhận",
    "Ngày chuyển",
    "Ký nhận",
    "Ghi chú",
]


def rows(
    conn: sqlite3.Connection, year: int | None = None, date_from: date | None = None, date_to: date | None = None
) -> list[tuple[int, list[str | int]]]:
    """The register in Decree 30's columns (dates dd/mm/yyyy, số đến a number), of a
    year or of the arrival days from `date_from` to `date_to`, each with its document id."""
    where: list[str] = []
    args: list[object] = []
    if year is not None:
        where.append("r.year = ?")
        args.append(year)
    if date_from is not None:
        where.append("r.ngay_den >= ?")
        args.append(date_from.isoformat())
    if date_to is not None:
        where.append("r.ngay_den <= ?")
        args.append(date_to.isoformat())
    out: list[tuple[int, list[str | int]]] = []
    for r in conn.execute(
        "SELECT r.*, d.issuer, d.so_ky_hieu, d.issued, d.type, d.record, d.secrecy, d.urgency, d.duplicate_of, "
        "d.state FROM register r JOIN documents d ON d.id = r.document_id"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY r.year, r.so_den",
        args,
    ):
        subject = (json.loads(r["record"]).get("fields", {}).get("subject") or {}).get("value") or ""
        notes = [m for m in (r["secrecy"], r["urgency"]) if m]
        if r["due"]:
            notes.append(f"hạn xử lý {show_date(r['due'])}")
        if r["duplicate_of"]:
            notes.append(duplicate_text(conn, r["duplicate_of"]))
        if r["state"] in STATE_NOTES:
            notes.append(STATE_NOTES[r["state"]])
        if r["note"]:
            notes.append(r["note"])
        out.append(
            (
                r["document_id"],
                [
                    show_date(r["ngay_den"]),
                    r["so_den"],
                    r["issuer"] or "",
                    r["so_ky_hieu"] or "",
                    show_date(r["issued"]),
                    " - ".join(x for x in (r["type"], subject) if x),
                    r["handler"] or "",
                    show_date(r["handed_on"]),
                    "",  # ký nhận: signed by hand on the printed register
                    "; ".join(notes),
                ],
            )
        )
    return out


# A registered document that left the approved road since (undo, then rejection).
STATE_NOTES = {"review": "đang duyệt lại", "rejected": "đã hủy: văn bản bị từ chối sau khi vào sổ"}


def entry(conn: sqlite3.Connection, document_id: int) -> sqlite3.Row | None:
    """The document's line in the register, if it has one."""
    return conn.execute("SELECT * FROM register WHERE document_id = ?", (document_id,)).fetchone()


def years(conn: sqlite3.Connection) -> list[int]:
    return [r[0] for r in conn.execute("SELECT DISTINCT year FROM register ORDER BY year DESC")]
