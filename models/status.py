"""The station at a glance: what `station status` prints and the review page's status
panel shows."""

from __future__ import annotations

import sqlite3
from typing import Any

from . import documents, jobs, outbox


def status(conn: sqlite3.Connection) -> dict[str, Any]:
    failures = [
        dict(r)
        for r in conn.execute(
            "SELECT id, name, error, updated_at FROM jobs WHERE state = 'failed' ORDER BY updated_at DESC LIMIT 10"
        )
    ]
    dead = [
        dict(r)
        for r in conn.execute(
            "SELECT id, document_id, connector, last_error FROM outbox WHERE state = 'dead' ORDER BY id DESC LIMIT 10"
        )
    ]
    return {
        "jobs": jobs.counts(conn),
        "documents": documents.counts(conn),
        "outbox": outbox.backlog(conn),
        "recent_failures": failures,
        "dead_letters": dead,
    }
