"""Documents found in a job, and their state machine:

    review -> approved -> signed -> delivered
                                 -> secret      (secret-marked: signed, kept local only)
    review -> rejected

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

    def value(k):
        return fields.get(k, {}).get("value") if fields.get(k) else None

    duplicate = None
    if value("number") is not None and value("issuer"):
        row = conn.execute("SELECT id FROM documents WHERE number = ? AND so_ky_hieu = ? AND issuer = ? ORDER BY id "
                           "LIMIT 1", (value("number"), value("so_ky_hieu"), value("issuer"))).fetchone()
        duplicate = row["id"] if row else None
    state = "review"
    if auto_approve_above is not None and record.get("standard_layout") and all(
            fields.get(k) and fields[k]["confidence"] >= auto_approve_above for k in KEY_FIELDS) and duplicate is None:
        state = "approved"
    t = now()
    cur = conn.execute(
        "INSERT INTO documents (job_id, pdf, record, so_ky_hieu, number, issuer, issued, type, secrecy, urgency, "
        "duplicate_of, state, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (job_id, pdf, json.dumps(record, ensure_ascii=False), value("so_ky_hieu"), value("number"), value("issuer"),
         value("date"), value("type"), value("secrecy"), value("urgency"), duplicate, state, t, t))
    audit(conn, "document", cur.lastrowid, state, after={"duplicate_of": duplicate} if duplicate else None)
    search.index(conn, cur.lastrowid, record)
    return cur.lastrowid


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
