"""Scan jobs and their one state machine:

    queued -> processing -> done        (its documents then go their own way)
                         -> failed      (retried with backoff while the error may pass)

A claimed job carries a lease; a station that dies leaves its leases behind, and the
next one hands those jobs back to the queue."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .db import now

MAX_ATTEMPTS = 3
RETRY_BASE_S = 30.0  # a failed job waits this long, doubled at each attempt
LEASE_SECONDS = 15 * 60


@dataclass(frozen=True)
class Job:
    id: int
    sha256: str
    source: Path
    name: str
    profile: str
    hoso: str | None
    state: str
    attempts: int
    error: str | None
    batch_id: int | None = None  # a scan file of an archive batch (models.batches)

    @classmethod
    def from_row(cls, r: sqlite3.Row) -> Job:
        return cls(
            r["id"],
            r["sha256"],
            Path(r["source"]),
            r["name"],
            r["profile"],
            r["hoso"],
            r["state"],
            r["attempts"],
            r["error"],
            r["batch_id"],
        )


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def audit(
    conn: sqlite3.Connection,
    entity: str,
    entity_id: int,
    action: str,
    before: Any = None,
    after: Any = None,
    actor: str = "station",
) -> None:
    conn.execute(
        "INSERT INTO audit (at, actor, entity, entity_id, action, before, after) VALUES (?,?,?,?,?,?,?)",
        (
            now(),
            actor,
            entity,
            entity_id,
            action,
            None if before is None else json.dumps(before, ensure_ascii=False),
            None if after is None else json.dumps(after, ensure_ascii=False),
        ),
    )


def intake(conn: sqlite3.Connection, path: Path, profile: str, hoso: str | None) -> tuple[Job, bool]:
    """Register a complete file; (job, created). The same bytes again are the same job:
    it is not created twice, the repeat is counted."""
    digest = sha256_of(path)
    t = now()
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        row = conn.execute("SELECT * FROM jobs WHERE sha256 = ?", (digest,)).fetchone()
        if row:
            conn.execute("UPDATE jobs SET seen_again = seen_again + 1, updated_at = ? WHERE id = ?", (t, row["id"]))
            audit(conn, "job", row["id"], "seen again", after={"file": str(path)})
            return Job.from_row(row), False
        cur = conn.execute(
            "INSERT INTO jobs (sha256, source, name, profile, hoso, state, created_at, updated_at) "
            "VALUES (?,?,?,?,?, 'queued', ?, ?)",
            (digest, str(path), path.name, profile, hoso, t, t),
        )
        audit(conn, "job", int(cur.lastrowid or 0), "queued", after={"file": str(path), "profile": profile})
        row = conn.execute("SELECT * FROM jobs WHERE id = ?", (cur.lastrowid,)).fetchone()
    return Job.from_row(row), True


def refuse(conn: sqlite3.Connection, path: Path, reason: str) -> Job:
    """A file taken from a hot folder but not read at all (a link, say): a job that is
    failed from the start, so it shows among the failures like any bad input."""
    t = now()
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        cur = conn.execute(
            "INSERT INTO jobs (sha256, source, name, profile, hoso, state, error, created_at, updated_at) "
            "VALUES (?,?,?, 'refused', NULL, 'processing', ?, ?, ?)",
            (f"refused:{t}:{path}", str(path), path.name, reason, t, t),
        )
        audit(conn, "job", int(cur.lastrowid or 0), "refused", after={"file": str(path), "reason": reason})
        row = conn.execute("SELECT * FROM jobs WHERE id = ?", (cur.lastrowid,)).fetchone()
    return Job.from_row(row)


def claim(conn: sqlite3.Connection, owner: str, limit: int) -> list[Job]:
    """Take up to `limit` queued jobs that are due, leasing them to `owner`. Scans from
    the hot folders come before archive batches: a clerk's incoming mail must not wait
    behind a shelf of old records."""
    t = now()
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        rows = conn.execute(
            "SELECT * FROM jobs WHERE state = 'queued' AND next_attempt_at <= ? "
            "ORDER BY batch_id IS NOT NULL, id LIMIT ?",
            (t, limit),
        ).fetchall()
        for r in rows:
            conn.execute(
                "UPDATE jobs SET state = 'processing', lease_owner = ?, lease_expires = ?, "
                "attempts = attempts + 1, updated_at = ? WHERE id = ?",
                (owner, t + LEASE_SECONDS, t, r["id"]),
            )
            audit(conn, "job", r["id"], "processing", before={"state": "queued"})
        ids = [r["id"] for r in rows]
        return (
            [
                Job.from_row(r)
                for r in conn.execute(f"SELECT * FROM jobs WHERE id IN ({','.join('?' * len(ids))}) ORDER BY id", ids)
            ]
            if ids
            else []
        )


def recover(conn: sqlite3.Connection, owner: str) -> int:
    """Jobs left 'processing' by a station that is gone (lease expired, or any owner
    when this station holds the single-instance lock) go back to the queue."""
    t = now()
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        rows = conn.execute(
            "SELECT id, lease_owner FROM jobs WHERE state = 'processing' AND (lease_owner != ? OR lease_expires < ?)",
            (owner, t),
        ).fetchall()
        for r in rows:
            conn.execute(
                "UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_expires = NULL, updated_at = ? "
                "WHERE id = ?",
                (t, r["id"]),
            )
            audit(conn, "job", r["id"], "requeued after an interrupted run", before={"owner": r["lease_owner"]})
    return len(rows)


CRASH_LIMIT = 2  # a job that was running when the station died this many times is parked


def park_crashers(conn: sqlite3.Connection) -> list[Job]:
    """Queued jobs that were in flight when the station died CRASH_LIMIT times (each
    claim counts an attempt; a job that ends normally is done or failed, not queued
    with its attempts spent) are failed, not tried forever: a file that kills the
    station must not kill every restart. Returns them, for the caller to move their
    originals to failed/."""
    t = now()
    error = (
        f"the station stopped {CRASH_LIMIT} times while reading this file; it is set aside so the "
        "station can go on (retry it with `station retry` once the cause is fixed)"
    )
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        rows = conn.execute(
            "SELECT j.* FROM jobs j WHERE state = 'queued' AND attempts >= ? AND "
            "(SELECT COUNT(*) FROM audit a WHERE a.entity = 'job' AND a.entity_id = j.id AND "
            "a.action = 'requeued after an interrupted run') >= ?",
            (CRASH_LIMIT, CRASH_LIMIT),
        ).fetchall()
        for r in rows:
            conn.execute("UPDATE jobs SET error = ?, updated_at = ? WHERE id = ?", (error, t, r["id"]))
    return [replace(Job.from_row(r), error=error) for r in rows]


def mark_done(conn: sqlite3.Connection, job: Job, source: Path, result: dict[str, Any]) -> None:
    """Inside the caller's transaction (with the job's documents): `source` is where the
    original is going, so a run that dies before the move can finish it."""
    conn.execute(
        "UPDATE jobs SET state = 'done', source = ?, result = ?, error = NULL, lease_owner = NULL, "
        "updated_at = ? WHERE id = ?",
        (str(source), json.dumps(result, ensure_ascii=False), now(), job.id),
    )
    audit(conn, "job", job.id, "done", before={"state": "processing"})


def fail(
    conn: sqlite3.Connection,
    job: Job,
    error: str,
    retry: bool,
    source: Path | None = None,
    traceback: str | None = None,
    base_delay_s: float = RETRY_BASE_S,
) -> bool:
    """A failure that may pass (the machine ran out of memory, an engine crash) is
    retried with backoff; bad input fails for good. `traceback`: of an internal failure,
    kept with the job for whoever fixes the cause. Returns True when the job failed for
    good."""
    t = now()
    attempts = job.attempts + (0 if job.state == "processing" else 1)
    final = not retry or attempts >= MAX_ATTEMPTS
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "UPDATE jobs SET state = ?, error = ?, traceback = COALESCE(?, traceback), next_attempt_at = ?, "
            "lease_owner = NULL, source = ?, updated_at = ? WHERE id = ?",
            (
                "failed" if final else "queued",
                error,
                traceback,
                t + base_delay_s * 2**attempts,
                str(source or job.source),
                t,
                job.id,
            ),
        )
        audit(conn, "job", job.id, "failed" if final else "will retry", after={"error": error})
    return final


def retry(conn: sqlite3.Connection, job_id: int, source: Path) -> bool:
    """Put a failed job back in the queue (after the clerk fixed the cause)."""
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        cur = conn.execute(
            "UPDATE jobs SET state = 'queued', attempts = 0, next_attempt_at = 0, error = NULL, "
            "source = ?, updated_at = ? WHERE id = ? AND state = 'failed'",
            (str(source), now(), job_id),
        )
        if cur.rowcount:
            audit(conn, "job", job_id, "retry requested", actor="clerk")
        return bool(cur.rowcount)


def get(conn: sqlite3.Connection, job_id: int) -> Job | None:
    row = conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
    return Job.from_row(row) if row else None


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {r["state"]: r["n"] for r in conn.execute("SELECT state, COUNT(*) n FROM jobs GROUP BY state")}
