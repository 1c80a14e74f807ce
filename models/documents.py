"""Documents found in a job: storing them, their columns and search index, and the
changes a clerk makes before approval. Their states are `states.DocumentState`.

Archive folders approve automatically when every key field is confident enough."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from errors import Invalid, NotFound

from . import search, secrecy
from .db import now
from .jobs import audit
from .record import DocumentRecord
from .states import DocumentState, require, transition

KEY_FIELDS = ("so_ky_hieu", "date", "issuer", "type")


def add(
    conn: sqlite3.Connection, job_id: int, pdf: str, record: DocumentRecord, auto_approve_above: float | None
) -> int:
    """Store one document of a finished job; returns its id. The caller holds the
    transaction that also finishes the job, so both land or neither."""
    fields = record.get("fields", {})
    secrecy.lock_on_intake(record)
    cols = columns(record)
    duplicate = None
    if cols["number"] is not None and cols["issuer"]:
        row = conn.execute(
            "SELECT id FROM documents WHERE number = ? AND so_ky_hieu = ? AND issuer = ? ORDER BY id LIMIT 1",
            (cols["number"], cols["so_ky_hieu"], cols["issuer"]),
        ).fetchone()
        duplicate = row["id"] if row else None
    state = DocumentState.REVIEW
    # A secret document always waits for a person, however confident its reading.
    if (
        auto_approve_above is not None
        and not cols["secrecy"]
        and record.get("standard_layout")
        and all(fields.get(k) and fields[k]["confidence"] >= auto_approve_above for k in KEY_FIELDS)
        and duplicate is None
    ):
        state = DocumentState.APPROVED
    t = now()
    cur = conn.execute(
        "INSERT INTO documents (job_id, pdf, record, so_ky_hieu, number, issuer, issued, type, secrecy, urgency, "
        "duplicate_of, state, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (job_id, pdf, json.dumps(record, ensure_ascii=False), *cols.values(), duplicate, state.value, t, t),
    )
    doc_id = int(cur.lastrowid or 0)
    audit(conn, "document", doc_id, state.value, after={"duplicate_of": duplicate} if duplicate else None)
    search.index(conn, doc_id, record)
    return doc_id


# Table columns copied from the record's fields, for queries and the queue.
_COLUMN_OF = {
    "so_ky_hieu": "so_ky_hieu",
    "number": "number",
    "issuer": "issuer",
    "date": "issued",
    "type": "type",
    "secrecy": "secrecy",
    "urgency": "urgency",
}


def columns(record: DocumentRecord) -> dict[str, Any]:
    fields = record.get("fields", {})
    cols = {col: (fields.get(k) or {}).get("value") for k, col in _COLUMN_OF.items()}
    cols["secrecy"] = secrecy.effective(record)  # the lock too, not only what the field says now
    return cols


def replace(conn: sqlite3.Connection, doc_id: int, pdf: str, record: DocumentRecord) -> None:
    """New content for a document (corrected fields, or pages changed): record, columns
    and search index, inside the caller's transaction. The document's secrecy lock is
    carried over: new content never makes a secret document less secret."""
    old = conn.execute("SELECT record FROM documents WHERE id = ?", (doc_id,)).fetchone()
    if old is not None:
        secrecy.carry(json.loads(old["record"]), record)
    cols = columns(record)
    conn.execute(
        f"UPDATE documents SET pdf = ?, record = ?, {', '.join(c + ' = ?' for c in cols)}, updated_at = ? WHERE id = ?",
        (pdf, json.dumps(record, ensure_ascii=False), *cols.values(), now(), doc_id),
    )
    search.index(conn, doc_id, record)


def reject(conn: sqlite3.Connection, doc_id: int, reason: str, actor: str) -> None:
    """Turn a document away with the clerk's reason; raises NotInReview when it is not
    waiting for review, Invalid when no reason is given."""
    reason = reason.strip()
    if not reason:
        raise Invalid("cần ghi lý do từ chối (a reason is required)")
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        record = json.loads(require(conn, doc_id, DocumentState.REVIEW)["record"])
        record["rejection"] = {"reason": reason, "by": actor, "at": now()}
        transition(conn, doc_id, DocumentState.REJECTED, actor, changes={"record": record}, after={"reason": reason})


def next_in_queue(conn: sqlite3.Connection, after: int) -> int | None:
    """The document to open once `after` is done: the first of the queue that is not it."""
    for r in review_queue(conn):
        if r["id"] != after:
            return r["id"]
    return None


def review_queue(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Documents waiting for review: the most urgent first (HỎA TỐC, THƯỢNG KHẨN, KHẨN),
    then the oldest."""
    return conn.execute(
        "SELECT * FROM documents WHERE state = 'review' ORDER BY CASE urgency WHEN 'HỎA TỐC' THEN 0 "
        "WHEN 'THƯỢNG KHẨN' THEN 1 WHEN 'KHẨN' THEN 2 ELSE 3 END, created_at"
    ).fetchall()


def in_state(conn: sqlite3.Connection, state: DocumentState) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM documents WHERE state = ? ORDER BY id", (state.value,)).fetchall()


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {r["state"]: r["n"] for r in conn.execute("SELECT state, COUNT(*) n FROM documents GROUP BY state")}


def correct_fields(
    conn: sqlite3.Connection, doc_id: int, values: dict[str, str], actor: str, role: str, secrecy_reason: str = ""
) -> int:
    """A clerk's corrections: apply the values that differ from the record; returns how
    many changed. Each change is audited with its before and after, and reindexed.
    Raises NotInReview, or secrecy.SecrecyLocked when the secrecy mark may not be lowered."""
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        row = require(conn, doc_id, DocumentState.REVIEW)
        record = json.loads(row["record"])
        fields = record.setdefault("fields", {})
        changed: dict[str, tuple[Any, Any]] = {}
        note = None
        for name, raw in values.items():
            new = raw.strip()
            old = fields.get(name) or {}
            old_value = old.get("value")
            shown = "; ".join(old_value) if isinstance(old_value, list) else (old_value or "")
            if new == str(shown):
                continue
            value = [v.strip() for v in new.split(";") if v.strip()] if name == "recipients" else (new or None)
            if name == "secrecy":
                note = secrecy.edit(record, new or None, actor, role, secrecy_reason)
            fields[name] = {**old, "value": value, "confidence": 1.0, "source": "corrected"}
            changed[name] = (old_value, value)
        if changed:
            replace(conn, doc_id, row["pdf"], record)
            after: dict[str, Any] = {k: v[1] for k, v in changed.items()}
            if note:
                after["secrecy_release"] = note
            audit(
                conn,
                "document",
                doc_id,
                "corrected",
                before={k: v[0] for k, v in changed.items()},
                after=after,
                actor=actor,
            )
    return len(changed)


def confirm_secrecy_release(conn: sqlite3.Connection, doc_id: int, actor: str, role: str) -> None:
    """The second person's confirmation of an administrator's lowering of the mark."""
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        row = conn.execute("SELECT * FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if row is None:
            raise NotFound(f"không có văn bản {doc_id} (no such document)")
        record = json.loads(row["record"])
        release = secrecy.confirm_release(record, actor, role)
        cols = columns(record)
        conn.execute(
            "UPDATE documents SET record = ?, secrecy = ?, updated_at = ? WHERE id = ?",
            (json.dumps(record, ensure_ascii=False), cols["secrecy"], now(), doc_id),
        )
        audit(
            conn,
            "document",
            doc_id,
            "secrecy lowered",
            before={"secrecy": release["from"]},
            after={"secrecy": release["to"], "requested_by": release["by"], "reason": release["reason"]},
            actor=actor,
        )
