"""Documents found in a job, and their state machine:

    review -> approved -> signed -> delivered
                                 -> secret      (secret-marked: signed, kept local only)
    review -> rejected   (with the clerk's reason)
    review -> merged     (its pages went into another document)

Archive folders approve automatically when every key field is confident enough."""
from __future__ import annotations

import json
import sqlite3
from typing import Any

from . import search
from .db import now
from .jobs import audit

KEY_FIELDS = ("so_ky_hieu", "date", "issuer", "type")


def add(conn: sqlite3.Connection, job_id: int, pdf: str, record: dict[str, Any], auto_approve_above: float | None) -> int:
    """Store one document of a finished job; returns its id. The caller holds the
    transaction that also finishes the job, so both land or neither."""
    fields = record.get("fields", {})
    cols = columns(record)
    duplicate = None
    if cols["number"] is not None and cols["issuer"]:
        row = conn.execute("SELECT id FROM documents WHERE number = ? AND so_ky_hieu = ? AND issuer = ? ORDER BY id "
                           "LIMIT 1", (cols["number"], cols["so_ky_hieu"], cols["issuer"])).fetchone()
        duplicate = row["id"] if row else None
    state = "review"
    if auto_approve_above is not None and record.get("standard_layout") and all(
            fields.get(k) and fields[k]["confidence"] >= auto_approve_above for k in KEY_FIELDS) and duplicate is None:
        state = "approved"
    t = now()
    cur = conn.execute(
        "INSERT INTO documents (job_id, pdf, record, so_ky_hieu, number, issuer, issued, type, secrecy, urgency, "
        "duplicate_of, state, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (job_id, pdf, json.dumps(record, ensure_ascii=False), *cols.values(), duplicate, state, t, t))
    audit(conn, "document", cur.lastrowid, state, after={"duplicate_of": duplicate} if duplicate else None)
    search.index(conn, cur.lastrowid, record)
    return cur.lastrowid


# Table columns copied from the record's fields, for queries and the queue.
_COLUMN_OF = {"so_ky_hieu": "so_ky_hieu", "number": "number", "issuer": "issuer", "date": "issued", "type": "type",
              "secrecy": "secrecy", "urgency": "urgency"}


def columns(record: dict[str, Any]) -> dict[str, Any]:
    fields = record.get("fields", {})
    return {col: (fields.get(k) or {}).get("value") for k, col in _COLUMN_OF.items()}


def replace(conn: sqlite3.Connection, doc_id: int, pdf: str, record: dict[str, Any]) -> None:
    """New content for a document (corrected fields, or pages changed): record, columns
    and search index, inside the caller's transaction."""
    cols = columns(record)
    conn.execute(f"UPDATE documents SET pdf = ?, record = ?, {', '.join(c + ' = ?' for c in cols)}, updated_at = ? "
                 "WHERE id = ?", (pdf, json.dumps(record, ensure_ascii=False), *cols.values(), now(), doc_id))
    search.index(conn, doc_id, record)


def reject(conn: sqlite3.Connection, doc_id: int, reason: str, actor: str) -> None:
    """Turn a document away with the clerk's reason; raises ValueError when it is not
    waiting for review or no reason is given."""
    reason = reason.strip()
    if not reason:
        raise ValueError("cần ghi lý do từ chối (a reason is required)")
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        row = conn.execute("SELECT state, record FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if row is None or row["state"] != "review":
            raise ValueError("văn bản không còn chờ duyệt (no longer waiting for review)")
        record = json.loads(row["record"])
        record["rejection"] = {"reason": reason, "by": actor, "at": now()}
        conn.execute("UPDATE documents SET state = 'rejected', record = ?, updated_at = ? WHERE id = ?",
                     (json.dumps(record, ensure_ascii=False), now(), doc_id))
        audit(conn, "document", doc_id, "rejected", before={"state": "review"}, after={"reason": reason}, actor=actor)


def next_in_queue(conn: sqlite3.Connection, after: int) -> int | None:
    """The document to open once `after` is done: the first of the queue that is not it."""
    for r in review_queue(conn):
        if r["id"] != after:
            return r["id"]
    return None


def set_state(conn: sqlite3.Connection, doc_id: int, state: str, actor: str = "station", expect: str | None = None) -> bool:
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        before = conn.execute("SELECT state FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if before is None or (expect and before["state"] != expect):
            return False
        conn.execute("UPDATE documents SET state = ?, updated_at = ? WHERE id = ?", (state, now(), doc_id))
        audit(conn, "document", doc_id, state, before={"state": before["state"]}, actor=actor)
    return True


def review_queue(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Documents waiting for review: the most urgent first (HỎA TỐC, THƯỢNG KHẨN, KHẨN),
    then the oldest."""
    return conn.execute(
        "SELECT * FROM documents WHERE state = 'review' ORDER BY CASE urgency WHEN 'HỎA TỐC' THEN 0 "
        "WHEN 'THƯỢNG KHẨN' THEN 1 WHEN 'KHẨN' THEN 2 ELSE 3 END, created_at").fetchall()


def in_state(conn: sqlite3.Connection, state: str) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM documents WHERE state = ? ORDER BY id", (state,)).fetchall()


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {r["state"]: r["n"] for r in conn.execute("SELECT state, COUNT(*) n FROM documents GROUP BY state")}
