"""The incoming register (sổ đăng ký văn bản đến): approving an incoming document gives
it the next arrival number (số đến) of the year and its arrival date (ngày đến)."""

from __future__ import annotations

import json
import sqlite3
from datetime import date

from errors import Refused

from . import secrecy
from .db import now
from .jobs import audit
from .states import DocumentState, require, transition


def approve(
    conn: sqlite3.Connection, document_id: int, actor: str, register: bool, today: date | None = None
) -> int | None:
    """Approve a document waiting for review, in one transaction with its registration.
    Returns its số đến (None when not registered); raises NotInReview if the document
    is not waiting for review, Refused while a lowering of its secrecy mark awaits
    confirmation. BEGIN IMMEDIATE serialises writers, across processes too, so two
    approvals can never take the same number."""
    today = today or date.today()
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        row = require(conn, document_id, DocumentState.REVIEW)
        if secrecy.release_pending(json.loads(row["record"])):
            raise Refused(
                "việc hạ độ mật đang chờ người thứ hai xác nhận; chưa duyệt được "
                "(lowering the secrecy mark awaits a second person's confirmation)"
            )
        transition(conn, document_id, DocumentState.APPROVED, actor)
        if not register:
            return None
        so_den = conn.execute(
            "SELECT COALESCE(MAX(so_den), 0) + 1 FROM register WHERE year = ?", (today.year,)
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO register (year, so_den, document_id, ngay_den, created_at) VALUES (?,?,?,?,?)",
            (today.year, so_den, document_id, today.isoformat(), now()),
        )
        audit(conn, "register", document_id, "registered", after={"year": today.year, "so_den": so_den}, actor=actor)
        return so_den


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


def rows(conn: sqlite3.Connection, year: int) -> list[list[str]]:
    """The register of a year in Decree 30's columns (dates as dd/mm/yyyy)."""

    def dmy(iso: str | None) -> str:
        return f"{iso[8:10]}/{iso[5:7]}/{iso[:4]}" if iso else ""

    out = []
    for r in conn.execute(
        "SELECT r.so_den, r.ngay_den, d.issuer, d.so_ky_hieu, d.issued, d.type, d.record, d.secrecy, d.urgency, "
        "d.duplicate_of FROM register r JOIN documents d ON d.id = r.document_id WHERE r.year = ? "
        "ORDER BY r.so_den",
        (year,),
    ):
        subject = (json.loads(r["record"]).get("fields", {}).get("subject") or {}).get("value") or ""
        notes = [m for m in (r["secrecy"], r["urgency"]) if m]
        if r["duplicate_of"]:
            notes.append(f"trùng văn bản #{r['duplicate_of']}")
        out.append(
            [
                dmy(r["ngay_den"]),
                str(r["so_den"]),
                r["issuer"] or "",
                r["so_ky_hieu"] or "",
                dmy(r["issued"]),
                " - ".join(x for x in (r["type"], subject) if x),
                "",
                "",
                "",
                "; ".join(notes),
            ]
        )
    return out


def entry(conn: sqlite3.Connection, document_id: int) -> sqlite3.Row | None:
    """The document's line in the register (year, số đến, ngày đến), if it has one."""
    return conn.execute("SELECT year, so_den, ngay_den FROM register WHERE document_id = ?", (document_id,)).fetchone()


def years(conn: sqlite3.Connection) -> list[int]:
    return [r[0] for r in conn.execute("SELECT DISTINCT year FROM register ORDER BY year DESC")]


def document_ids(conn: sqlite3.Connection, year: int) -> list[int]:
    """The documents of a year's register, in the order of `rows`."""
    return [r[0] for r in conn.execute("SELECT document_id FROM register WHERE year = ? ORDER BY so_den", (year,))]
