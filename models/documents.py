"""Documents found in a job: storing them, their columns and search index, and the
changes a clerk makes before approval. Their states are `states.DocumentState`.

Archive folders approve automatically when every key field is confident enough."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from errors import Invalid, NotFound, Refused

from . import search, secrecy
from .db import now
from .jobs import audit
from .record import DocumentRecord
from .states import DocumentState, require, transition
from .validation import normalise_so_ky_hieu, number_of, parse_date

KEY_FIELDS = ("so_ky_hieu", "date", "issuer", "type")


def add(
    conn: sqlite3.Connection, job_id: int, pdf: str, record: DocumentRecord, auto_approve_above: float | None
) -> int:
    """Store one document of a finished job; returns its id. The caller holds the
    transaction that also finishes the job, so both land or neither."""
    fields = record.get("fields", {})
    secrecy.lock_on_intake(record)
    cols = columns(record)
    duplicate = find_duplicate(conn, None, cols)
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


def find_duplicate(conn: sqlite3.Connection, doc_id: int | None, cols: dict[str, Any]) -> int | None:
    """The first other document with the same number, notation and issuer (the triple
    that names a document in Decree 30), leaving out those rejected or merged away."""
    if cols["number"] is None or not cols["issuer"]:
        return None
    row = conn.execute(
        "SELECT id FROM documents WHERE number = ? AND so_ky_hieu = ? AND issuer = ? AND id IS NOT ? "
        "AND state NOT IN ('rejected', 'merged') ORDER BY id LIMIT 1",
        (cols["number"], cols["so_ky_hieu"], cols["issuer"], doc_id),
    ).fetchone()
    return row["id"] if row else None


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
    # A corrected number or issuer may make (or end) a duplicate: checked on every change.
    cols["duplicate_of"] = find_duplicate(conn, doc_id, cols)
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


def queue_order(conn: sqlite3.Connection, skipped: Sequence[int] = ()) -> list[int]:
    """The review queue as one clerk works through it: documents skipped in this
    session go to the end, in the order they were skipped."""
    ids = [r["id"] for r in review_queue(conn)]
    later = [i for i in skipped if i in ids]
    return [i for i in ids if i not in later] + later


def next_in_queue(conn: sqlite3.Connection, after: int, skipped: Sequence[int] = ()) -> int | None:
    """The document to open once `after` is done or skipped: the first of the clerk's
    order that is not it (a skipped document comes back only when nothing else waits)."""
    return next_of(queue_order(conn, skipped), after)


def next_of(order: list[int], after: int) -> int | None:
    return next((i for i in order if i != after), None)


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
    Raises NotInReview, Invalid (naming the field) for a value that cannot be stored,
    or secrecy.SecrecyLocked when the secrecy mark may not be lowered."""
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        row = require(conn, doc_id, DocumentState.REVIEW)
        return _apply(conn, row, values, actor, role, secrecy_reason, "corrected")


# Where a registered document may still be amended: its approval can no longer be undone.
AMENDABLE = (DocumentState.APPROVED, DocumentState.SIGNED, DocumentState.DELIVERED, DocumentState.SECRET)


def registered_issuers(conn: sqlite3.Connection) -> frozenset[str]:
    """The issuers of the documents registered so far, each approved by a clerk (or,
    in an archive batch, wholly green): the bodies this office hears from. A name on it
    confirms an issuer read as it stands, as the reference lists do
    (classifiers.corroborate); it never mends one."""
    marks = ", ".join("?" * len(AMENDABLE))
    rows = conn.execute(
        f"SELECT DISTINCT issuer FROM documents WHERE state IN ({marks}) AND issuer IS NOT NULL AND issuer != ''",
        [s.value for s in AMENDABLE],
    )
    return frozenset(r[0] for r in rows)


def in_grace(row: sqlite3.Row) -> bool:
    """An approval that can still be undone: approved, and its signing not yet due."""
    return row["state"] == DocumentState.APPROVED.value and (row["release_at"] or 0) > now()


def amendable(row: sqlite3.Row) -> bool:
    """Registered, and past the undo: a change now is an amendment."""
    return row["state"] in {s.value for s in AMENDABLE} and not in_grace(row)


def amend(conn: sqlite3.Connection, doc_id: int, values: dict[str, str], actor: str, role: str, reason: str) -> int:
    """A correction after approval (once the undo's grace has passed): an audited
    amendment with its reason, kept in the record's `amendments`; the register and
    search follow. The signed and delivered files stay as they were sent."""
    if not reason.strip():
        raise Invalid("ghi lý do điều chỉnh", field="amend_reason")
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        row = conn.execute("SELECT * FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if row is None:
            raise NotFound(f"không có văn bản {doc_id}")
        if not amendable(row):
            raise Refused("văn bản này chưa vào sổ hoặc còn hoàn tác được: hãy sửa trực tiếp")
        # The secrecy mark decided where the document went: not changed afterwards.
        values = {k: v for k, v in values.items() if k != "secrecy"}
        return _apply(conn, row, values, actor, role, "", "amended", reason.strip())


def _apply(
    conn: sqlite3.Connection,
    row: sqlite3.Row,
    values: dict[str, str],
    actor: str,
    role: str,
    secrecy_reason: str,
    action: str,
    reason: str | None = None,
) -> int:
    """The changed values into the record, inside the caller's transaction; audited."""
    record = json.loads(row["record"])
    fields = record.setdefault("fields", {})
    changed: dict[str, tuple[Any, Any]] = {}
    note = None
    for name, raw in values.items():
        old = fields.get(name) or {}
        old_value = old.get("value")
        value = typed_value(name, raw)
        if value == old_value or (value is None and old_value in ("", [])):
            continue
        if name == "secrecy":
            note = secrecy.edit(record, value, actor, role, secrecy_reason)
        fields[name] = {**old, "value": value, "confidence": 1.0, "source": "corrected"}
        changed[name] = (old_value, value)
        if name == "so_ky_hieu":  # the number column (and the duplicate check) follow the notation
            fields["number"] = {"value": number_of(value or ""), "confidence": 1.0, "source": "corrected"}
    if not changed:
        return 0
    after: dict[str, Any] = {k: v[1] for k, v in changed.items()}
    if note:
        after["secrecy_release"] = note
    if reason is not None:
        after["reason"] = reason
        record.setdefault("amendments", []).append(
            {"at": now(), "by": actor, "reason": reason, "changes": {k: list(v) for k, v in changed.items()}}
        )
    replace(conn, row["id"], row["pdf"], record)
    audit(conn, "document", row["id"], action, before={k: v[0] for k, v in changed.items()}, after=after, actor=actor)
    return len(changed)


def typed_value(name: str, raw: str) -> Any:
    """A field as a clerk typed it, in the record's form: a date stored ISO (typed
    24/10/2025, 24/10/25 or 24.10.2025), the notation normalised, recipients a list,
    line breaks of the multi-line inputs as spaces. Raises Invalid naming the field."""
    if name == "recipients":
        return [v.strip() for v in raw.replace("\n", ";").split(";") if v.strip()]
    text = " ".join(raw.split())
    if not text:
        return None
    if name == "date":
        try:
            return parse_date(text).isoformat()
        except Invalid as e:
            raise Invalid(f"Ngày ban hành: {e}", field=name) from None
    if name == "so_ky_hieu":
        return normalise_so_ky_hieu(text)
    return text


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
