"""Reading the audit log: who changed what, when, and from what to what. (Entries are
written by `jobs.audit`, inside the transaction of the change itself.)"""

from __future__ import annotations

import json
import sqlite3
from typing import Any


def history(
    conn: sqlite3.Connection,
    entity: str | None = None,
    entity_id: int | None = None,
    actor: str | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Newest first; `before_id` pages back through older entries."""
    where, args = [], []
    for clause, value in (
        ("entity = ?", entity),
        ("entity_id = ?", entity_id),
        ("actor = ?", actor),
        ("id < ?", before_id),
    ):
        if value not in (None, ""):
            where.append(clause)
            args.append(value)
    sql = "SELECT * FROM audit" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id DESC LIMIT ?"
    out = []
    for r in conn.execute(sql, (*args, limit)):
        d = dict(r)
        d["before"] = json.loads(d["before"]) if d["before"] else None
        d["after"] = json.loads(d["after"]) if d["after"] else None
        out.append(d)
    return out
