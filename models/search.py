"""Full-text search over the OCR text and the fields, insensitive to diacritics, with
filters by type, issuer, date range and status (SQLite FTS5)."""

from __future__ import annotations

import re
import sqlite3

from classifiers.text import fold

from .record import DocumentRecord


def _text_of(record: DocumentRecord) -> str:
    parts = [p.get("text", "") for p in record.get("pages", [])]
    for f in record.get("fields", {}).values():
        if f and f.get("value") is not None:
            v = f["value"]
            parts.append(" ".join(v) if isinstance(v, list) else str(v))
    return fold(" ".join(parts))


def index(conn: sqlite3.Connection, document_id: int, record: DocumentRecord) -> None:
    """(Re)index one document, inside the caller's transaction."""
    conn.execute("DELETE FROM search WHERE document_id = ?", (document_id,))
    conn.execute("INSERT INTO search (content, document_id) VALUES (?, ?)", (_text_of(record), document_id))


def query(
    conn: sqlite3.Connection,
    text: str = "",
    doc_type: str | None = None,
    issuer: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    state: str | None = None,
    limit: int = 50,
) -> list[sqlite3.Row]:
    """Documents matching every word of `text` (folded; a word matches as a prefix) and
    the filters, best matches first."""
    words = re.findall(r"\w+", fold(text))
    where, args = [], []
    source, order = "documents d", "d.id DESC"
    if words:
        # Each word quoted (no FTS syntax from the user), as a prefix; best matches
        # (bm25) first, the newest first among equals.
        source = (
            "documents d JOIN (SELECT document_id, bm25(search) AS rank FROM search WHERE search MATCH ?) m "
            "ON m.document_id = d.id"
        )
        order = "m.rank, d.id DESC"
        args.append(" ".join(f'"{w}"*' for w in words))
    for column, value in (("d.type", doc_type), ("d.state", state)):
        if value:
            where.append(f"{column} = ?")
            args.append(value)
    if issuer:
        where.append("d.issuer LIKE ?")
        args.append(f"%{issuer}%")
    if date_from:
        where.append("d.issued >= ?")
        args.append(date_from)
    if date_to:
        where.append("d.issued <= ?")
        args.append(date_to)
    sql = f"SELECT d.* FROM {source}" + (" WHERE " + " AND ".join(where) if where else "")
    return conn.execute(f"{sql} ORDER BY {order} LIMIT ?", (*args, limit)).fetchall()
