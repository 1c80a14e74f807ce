"""The outbox: one row per (document, connector). A push that fails stays here and is
retried with exponential backoff; after MAX_ATTEMPTS it is dead-lettered for a person
to look at (`station status`, the review page)."""

from __future__ import annotations

import sqlite3

from .db import now
from .jobs import audit

MAX_ATTEMPTS = 12
BASE_DELAY_S = 2.0
MAX_DELAY_S = 15 * 60.0


def enqueue(conn: sqlite3.Connection, document_id: int, connectors: list[str]) -> None:
    t = now()
    for name in connectors:
        conn.execute(
            "INSERT OR IGNORE INTO outbox (document_id, connector, state, created_at) VALUES (?,?, 'pending', ?)",
            (document_id, name, t),
        )


def due(conn: sqlite3.Connection, limit: int = 20) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT * FROM outbox WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?", (now(), limit)
    ).fetchall()


def sent(conn: sqlite3.Connection, entry_id: int, receipt: str) -> None:
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "UPDATE outbox SET state = 'sent', receipt = ?, sent_at = ?, attempts = attempts + 1 WHERE id = ?",
            (receipt, now(), entry_id),
        )
        audit(conn, "outbox", entry_id, "sent", after={"receipt": receipt})


def failed(
    conn: sqlite3.Connection, entry: sqlite3.Row, error: str, final: bool, base_delay_s: float = BASE_DELAY_S
) -> None:
    attempts = entry["attempts"] + 1
    dead = final or attempts >= MAX_ATTEMPTS
    delay = min(MAX_DELAY_S, base_delay_s * 2 ** (attempts - 1))
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "UPDATE outbox SET state = ?, attempts = ?, last_error = ?, next_attempt_at = ? WHERE id = ?",
            ("dead" if dead else "pending", attempts, error, now() + delay, entry["id"]),
        )
        audit(conn, "outbox", entry["id"], "dead-lettered" if dead else "will retry", after={"error": error})


def all_sent(conn: sqlite3.Connection, document_id: int) -> bool:
    row = conn.execute(
        "SELECT COUNT(*) n FROM outbox WHERE document_id = ? AND state != 'sent'", (document_id,)
    ).fetchone()
    return row["n"] == 0


def backlog(conn: sqlite3.Connection) -> dict[str, int]:
    return {r["state"]: r["n"] for r in conn.execute("SELECT state, COUNT(*) n FROM outbox GROUP BY state")}
