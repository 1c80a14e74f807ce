"""The document's one state machine. Every change of a document's state goes through
`transition`, which checks it against the table below and audits it.

    review -> approved -> signed -> delivered
              approved -> review   (the clerk's undo, before signing starts)
                                 -> secret      (secret-marked: signed, kept local only)
    review -> rejected   (with the clerk's reason)
    review -> merged     (its pages went into another document)

A document starts in review, or approved when an archive folder approves it on its
own (`documents.add`)."""

from __future__ import annotations

import json
import sqlite3
from enum import Enum
from typing import Any

from errors import NotFound, Refused

from .db import now
from .jobs import audit


class DocumentState(str, Enum):
    REVIEW = "review"
    APPROVED = "approved"
    SIGNED = "signed"
    DELIVERED = "delivered"
    SECRET = "secret"
    REJECTED = "rejected"
    MERGED = "merged"


S = DocumentState
ALLOWED: dict[DocumentState, frozenset[DocumentState]] = {
    S.REVIEW: frozenset({S.APPROVED, S.REJECTED, S.MERGED}),
    S.APPROVED: frozenset({S.SIGNED, S.REVIEW}),  # back to review: an approval undone in its grace period
    S.SIGNED: frozenset({S.DELIVERED, S.SECRET}),
    S.DELIVERED: frozenset(),
    S.SECRET: frozenset(),
    S.REJECTED: frozenset(),
    S.MERGED: frozenset(),
}


class InvalidTransition(Refused):
    """The document is not in a state this change can start from."""


class NotInReview(InvalidTransition):
    """The document is no longer waiting for review (someone approved or rejected it)."""


def not_in_review(doc_id: int) -> NotInReview:
    return NotInReview(f"văn bản {doc_id} không còn chờ duyệt (document {doc_id} is not waiting for review)")


def current(conn: sqlite3.Connection, doc_id: int) -> DocumentState:
    row = conn.execute("SELECT state FROM documents WHERE id = ?", (doc_id,)).fetchone()
    if row is None:
        raise NotFound(f"không có văn bản {doc_id} (no such document)")
    return DocumentState(row["state"])


def transition(
    conn: sqlite3.Connection,
    doc_id: int,
    to: DocumentState,
    actor: str = "station",
    *,
    changes: dict[str, Any] | None = None,
    action: str | None = None,
    after: Any = None,
) -> DocumentState:
    """Move a document to `to`, inside the caller's transaction, with `changes` (other
    columns: record, pdf) in the same UPDATE; audited as `action` (default: the new
    state). Returns the state it left. Raises NotFound, or InvalidTransition (NotInReview
    when only a document in review could make this change)."""
    before = current(conn, doc_id)
    if to not in ALLOWED[before]:
        if all(to not in targets or source is S.REVIEW for source, targets in ALLOWED.items()):
            raise not_in_review(doc_id)
        raise InvalidTransition(
            f"văn bản {doc_id} đang ở trạng thái '{before.value}', không chuyển sang "
            f"'{to.value}' được (document {doc_id} is {before.value}, cannot become {to.value})"
        )
    cols = {k: (json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v) for k, v in (changes or {}).items()}
    sets = "".join(f", {c} = ?" for c in cols)
    conn.execute(
        f"UPDATE documents SET state = ?, updated_at = ?{sets} WHERE id = ?", (to.value, now(), *cols.values(), doc_id)
    )
    audit(conn, "document", doc_id, action or to.value, before={"state": before.value}, after=after, actor=actor)
    return before


def require(conn: sqlite3.Connection, doc_id: int, state: DocumentState) -> sqlite3.Row:
    """The document's row, when it is in `state` (inside the caller's transaction)."""
    row = conn.execute("SELECT * FROM documents WHERE id = ?", (doc_id,)).fetchone()
    if row is None:
        raise NotFound(f"không có văn bản {doc_id} (no such document)")
    if row["state"] != state.value:
        if state is S.REVIEW:
            raise not_in_review(doc_id)
        raise InvalidTransition(
            f"văn bản {doc_id} không ở trạng thái '{state.value}' (document {doc_id} is "
            f"{row['state']}, not {state.value})"
        )
    return row
