"""The units and people incoming documents are handed to (đơn vị / người xử lý): a
list the administrator keeps, offered to the clerk at the arrival entry."""

from __future__ import annotations

import sqlite3

from .jobs import audit


def names(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM units ORDER BY position, id")]


def replace_all(conn: sqlite3.Connection, wanted: list[str], actor: str) -> list[str]:
    """The list becomes `wanted` (one per line as typed, blanks and repeats dropped, in
    that order); audited. Register lines keep the names they were given."""
    clean = list(dict.fromkeys(" ".join(n.split()) for n in wanted if n.strip()))
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        before = names(conn)
        conn.execute("DELETE FROM units")
        conn.executemany("INSERT INTO units (name, position) VALUES (?, ?)", [(n, i) for i, n in enumerate(clean)])
        if before != clean:
            audit(conn, "units", 0, "changed", before={"units": before}, after={"units": clean}, actor=actor)
    return clean
