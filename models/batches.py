"""Archive batches: a batch holds hồ sơ (archival files), a hồ sơ holds scan files, and
each scan file is an ordinary job, so a batch is processed, resumed after kill -9 and
retried exactly like any scan. What is a batch's own lives here: its hồ sơ and their
archival metadata, the archivist's decision on each hồ sơ, the order of documents
inside a hồ sơ (số thứ tự), and progress figures derived from committed rows only,
so they stay right across restarts."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .db import now
from .jobs import audit, sha256_of

RATE_WINDOW_S = 300.0  # pages per minute are measured over the last five minutes
DECISIONS = ("accepted", "sent_back")
# Document states that are no longer a document of their own in a hồ sơ.
_NOT_IN_HOSO = ("rejected", "merged")


@dataclass
class HosoPlan:
    """A hồ sơ as the batch is made: its code, its archival metadata (from the list, or
    empty for the archivist to fill), what the list expects, and its scan files in order."""

    code: str
    metadata: dict[str, Any] = field(default_factory=dict)
    expected_documents: int | None = None
    expected_pages: int | None = None
    files: list[tuple[Path, int]] = field(default_factory=list)  # (the batch's copy, its page count)


class BatchExists(ValueError):
    pass


def create(conn: sqlite3.Connection, name: str, source: Path, options: dict[str, Any], plan: list[HosoPlan]) -> int:
    """Register a batch, its hồ sơ and one queued job per scan file, in one transaction:
    a batch is there whole or not at all. A file whose bytes the station already has
    (the same file twice) is not read again: the hồ sơ notes it."""
    t = now()
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        if conn.execute("SELECT 1 FROM batches WHERE name = ?", (name,)).fetchone():
            raise BatchExists(f"a batch named '{name}' exists already")
        batch_id = int(
            conn.execute(
                "INSERT INTO batches (name, source, options, created_at) VALUES (?,?,?,?)",
                (name, str(source), json.dumps(options, ensure_ascii=False), t),
            ).lastrowid
            or 0
        )
        audit(conn, "batch", batch_id, "created", after={"name": name, "source": str(source), "hoso": len(plan)})
        for position, h in enumerate(plan, 1):
            notes: list[str] = []
            hoso_id = int(
                conn.execute(
                    "INSERT INTO hoso (batch_id, code, position, metadata, expected_documents, expected_pages) "
                    "VALUES (?,?,?,?,?,?)",
                    (
                        batch_id,
                        h.code,
                        position,
                        json.dumps(h.metadata, ensure_ascii=False),
                        h.expected_documents,
                        h.expected_pages,
                    ),
                ).lastrowid
                or 0
            )
            for file_position, (path, pages) in enumerate(h.files, 1):
                digest = sha256_of(path)
                twin = conn.execute("SELECT id, name, hoso FROM jobs WHERE sha256 = ?", (digest,)).fetchone()
                if twin:
                    notes.append(
                        f"{path.name}: the same file as {twin['name']}"
                        + (f" (hồ sơ {twin['hoso']})" if twin["hoso"] else "")
                        + "; not read twice"
                    )
                    continue
                cur = conn.execute(
                    "INSERT INTO jobs (sha256, source, name, profile, hoso, state, batch_id, hoso_id, position, "
                    "page_count, created_at, updated_at) VALUES (?,?,?, 'archive', ?, 'queued', ?,?,?,?,?,?)",
                    (digest, str(path), path.name, h.code, batch_id, hoso_id, file_position, pages, t, t),
                )
                audit(conn, "job", int(cur.lastrowid or 0), "queued", after={"file": str(path), "batch": name})
            if not h.files:
                notes.append("no scan files for this hồ sơ")
            conn.execute(
                "UPDATE hoso SET intake_notes = ? WHERE id = ?", (json.dumps(notes, ensure_ascii=False), hoso_id)
            )
    return batch_id


def find(conn: sqlite3.Connection, ref: str | int) -> sqlite3.Row | None:
    """A batch by id or by name."""
    row = None
    if isinstance(ref, int) or str(ref).isdigit():
        row = conn.execute("SELECT * FROM batches WHERE id = ?", (int(ref),)).fetchone()
    return row or conn.execute("SELECT * FROM batches WHERE name = ?", (str(ref),)).fetchone()


def listing(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM batches ORDER BY id DESC").fetchall()


def hoso_of(conn: sqlite3.Connection, batch_id: int) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM hoso WHERE batch_id = ? ORDER BY position", (batch_id,)).fetchall()


def hoso(conn: sqlite3.Connection, hoso_id: int) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM hoso WHERE id = ?", (hoso_id,)).fetchone()


def jobs_of(conn: sqlite3.Connection, hoso_id: int) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM jobs WHERE hoso_id = ? ORDER BY position", (hoso_id,)).fetchall()


def documents_of(conn: sqlite3.Connection, hoso_id: int) -> list[sqlite3.Row]:
    """The hồ sơ's documents in their order (số thứ tự = place in this list, from 1): by
    the order of the scan files, then as each file was split. Derived, never stored,
    so a file redone after a crash cannot number anything twice."""
    return conn.execute(
        f"SELECT d.*, j.name AS file, j.position AS file_position FROM documents d JOIN jobs j ON j.id = d.job_id "
        f"WHERE j.hoso_id = ? AND d.state NOT IN ({','.join('?' * len(_NOT_IN_HOSO))}) ORDER BY j.position, d.id",
        (hoso_id, *_NOT_IN_HOSO),
    ).fetchall()


def decide(conn: sqlite3.Connection, hoso_id: int, decision: str | None, actor: str, note: str = "") -> None:
    """The archivist accepts a hồ sơ or sends it back for rescanning (`None` takes the
    decision back). Only a hồ sơ whose files have all been read can be decided."""
    if decision not in (*DECISIONS, None):
        raise ValueError(decision)
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        row = conn.execute("SELECT * FROM hoso WHERE id = ?", (hoso_id,)).fetchone()
        if row is None:
            raise LookupError(f"no hồ sơ {hoso_id}")
        if decision and _unfinished(conn, hoso_id):
            raise ValueError("some of its files are still being read")
        conn.execute(
            "UPDATE hoso SET decision = ?, decision_note = ?, decided_by = ?, decided_at = ? WHERE id = ?",
            (decision, note or None, actor, now(), hoso_id),
        )
        audit(
            conn,
            "hoso",
            hoso_id,
            decision or "decision undone",
            before={"decision": row["decision"]},
            after={"decision": decision, "note": note},
            actor=actor,
        )


def _unfinished(conn: sqlite3.Connection, hoso_id: int) -> int:
    return conn.execute(
        "SELECT COUNT(*) FROM jobs WHERE hoso_id = ? AND state IN ('queued', 'processing')", (hoso_id,)
    ).fetchone()[0]


@dataclass
class Figures:
    """Progress of a hồ sơ or a batch: files and pages done, failed, and the pace."""

    files: int = 0
    files_done: int = 0
    files_failed: int = 0
    pages: int = 0
    pages_done: int = 0
    pages_failed: int = 0
    documents: int = 0
    recent_pages: float = 0.0  # pages finished within the rate window

    def add(self, other: Figures) -> None:
        for k in self.__dataclass_fields__:
            setattr(self, k, getattr(self, k) + getattr(other, k))

    @property
    def finished(self) -> bool:
        return self.files_done + self.files_failed == self.files

    def to_json(self, window_s: float) -> dict[str, Any]:
        per_minute = self.recent_pages * 60.0 / window_s if window_s > 0 else 0.0
        left = self.pages - self.pages_done - self.pages_failed
        return {
            "files": self.files,
            "files_done": self.files_done,
            "files_failed": self.files_failed,
            "pages": self.pages,
            "pages_done": self.pages_done,
            "pages_failed": self.pages_failed,
            "documents": self.documents,
            "percent": round(100.0 * (self.pages_done + self.pages_failed) / self.pages, 1) if self.pages else 100.0,
            "pages_per_minute": round(per_minute, 1),
            # Unknown (None) until pages are moving; none left once finished.
            "seconds_left": 0 if left <= 0 else (round(left / per_minute * 60.0) if per_minute > 0 else None),
            "finished": self.finished,
        }


def progress(conn: sqlite3.Connection, batch_id: int, data_dir: Path) -> dict[str, Any]:
    """Per hồ sơ and in total: files and pages done / total, pages per minute over the
    last minutes, time left, failures. Pages of a long file count as they are read
    (the pages it has saved in its work folder), not only when the whole file ends."""
    t = now()
    started = conn.execute(
        "SELECT MIN(a.at) FROM audit a JOIN jobs j ON a.entity = 'job' AND a.entity_id = j.id "
        "WHERE j.batch_id = ? AND a.action = 'processing'",
        (batch_id,),
    ).fetchone()[0]
    window = min(RATE_WINDOW_S, t - started) if started else 0.0
    total = Figures()
    rows = []
    for h in hoso_of(conn, batch_id):
        f = Figures()
        for j in jobs_of(conn, h["id"]):
            pages = j["page_count"] or 0
            f.files += 1
            f.pages += pages
            if j["state"] == "done":
                f.files_done += 1
                f.pages_done += pages
                if t - j["updated_at"] <= window:
                    f.recent_pages += pages
            elif j["state"] == "failed":
                f.files_failed += 1
                f.pages_failed += pages
            elif j["state"] == "processing":
                saved = list((data_dir / "archive" / f"{j['id']:06d}" / "work").glob("page-*.json"))
                f.pages_done += min(len(saved), pages)
                f.recent_pages += sum(1 for p in saved if t - _mtime(p) <= window)
        f.documents = len(documents_of(conn, h["id"]))
        total.add(f)
        rows.append({"id": h["id"], "code": h["code"], "decision": h["decision"], **f.to_json(window)})
    return {"batch": batch_id, "hoso": rows, "total": total.to_json(window)}


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0  # finished and cleaned up a moment ago: counted with its file
