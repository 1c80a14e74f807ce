"""Full-text search over the OCR text and the fields, insensitive to diacritics, with
filters by type, issuer, date range and status (SQLite FTS5)."""

from __future__ import annotations

import json
import re
import sqlite3

from classifiers.text import clean, fold

from .record import DocumentRecord


def _text_of(record: DocumentRecord) -> str:
    return fold(_plain_text(record))


def _plain_text(record: DocumentRecord) -> str:
    parts = [p.get("text", "") for p in record.get("pages", [])]
    for f in record.get("fields", {}).values():
        if f and f.get("value") is not None:
            v = f["value"]
            parts.append(" ".join(v) if isinstance(v, list) else str(v))
    return " ".join(parts)


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
    """Documents matching every word of `text` (a word matches as a prefix; typed
    without diacritics it matches any, typed with them only the same) and the filters,
    best matches first."""
    words = re.findall(r"\w+", fold(text))
    # Words typed with their marks must match with them ("Cần Thơ" is not "cân thọ");
    # words typed without match whatever marks the text has.
    marked = [w for w in re.findall(r"\w+", clean(text).lower()) if fold(w) != w]
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
    rows = conn.execute(f"{sql} ORDER BY {order} LIMIT ?", (*args, limit * 10 if marked else limit)).fetchall()
    if marked:
        rows = [r for r in rows if _has_all(clean(_plain_text(json.loads(r["record"]))).lower(), marked)][:limit]
    return rows


def _has_all(text: str, words: list[str]) -> bool:
    """Each word starts a word of `text` (as the folded search matches prefixes)."""
    return all(re.search(rf"(?<!\w){re.escape(w)}", text) for w in words)
