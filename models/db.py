"""SQLite storage: one file, WAL journal (readers never block the writer), every state
change a committed row."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,          -- the same file twice is one job
    source TEXT NOT NULL,                 -- where the file is now (hot folder, processed/, failed/)
    name TEXT NOT NULL,                   -- its name as scanned
    profile TEXT NOT NULL,                -- incoming | archive
    hoso TEXT,                            -- archive file code (hồ sơ), from the sub-folder
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_expires REAL,
    next_attempt_at REAL NOT NULL DEFAULT 0,
    error TEXT,
    traceback TEXT,                       -- of the last internal failure, for whoever fixes it
    result TEXT,                          -- the JSON record of `station process`
    seen_again INTEGER NOT NULL DEFAULT 0,-- how many more times the same bytes arrived
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state, next_attempt_at);
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY,
    job_id INTEGER NOT NULL REFERENCES jobs(id),
    pdf TEXT NOT NULL,
    record TEXT NOT NULL,                 -- JSON: pages, fields, notes
    so_ky_hieu TEXT, number INTEGER, issuer TEXT, issued TEXT, type TEXT, secrecy TEXT, urgency TEXT,
    duplicate_of INTEGER REFERENCES documents(id),
    state TEXT NOT NULL,                  -- review | approved | signed | delivered | secret | rejected
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_triple ON documents(number, so_ky_hieu, issuer);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    connector TEXT NOT NULL,
    state TEXT NOT NULL,                  -- pending | sent | dead
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL DEFAULT 0,
    last_error TEXT,
    receipt TEXT,
    created_at REAL NOT NULL,
    sent_at REAL,
    UNIQUE (document_id, connector)
);
CREATE TABLE IF NOT EXISTS register (      -- sổ đăng ký văn bản đến (Decree 30, Appendix IV)
    id INTEGER PRIMARY KEY,
    year INTEGER NOT NULL,
    so_den INTEGER NOT NULL,              -- consecutive through the year, never reused
    document_id INTEGER NOT NULL UNIQUE REFERENCES documents(id),
    ngay_den TEXT NOT NULL,               -- YYYY-MM-DD, the office's (Vietnam's) day
    created_at REAL NOT NULL,
    UNIQUE (year, so_den)
);
CREATE TABLE IF NOT EXISTS units (         -- đơn vị / người xử lý, the list the admin keeps
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    position INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password TEXT NOT NULL,               -- scrypt$n$r$p$salt$hash
    role TEXT NOT NULL,                   -- clerk | reviewer | admin
    active INTEGER NOT NULL DEFAULT 1,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,          -- the cookie holds the token; only its hash is stored
    user_id INTEGER NOT NULL REFERENCES users(id),
    csrf TEXT NOT NULL,
    expires_at REAL NOT NULL,
    last_seen REAL NOT NULL DEFAULT 0     -- for the idle timeout
);
CREATE TABLE IF NOT EXISTS login_failures (  -- wrong passwords, for throttling sign-in
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    username TEXT NOT NULL,
    address TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS login_failures_at ON login_failures(at);
-- Full text of each document (OCR text and fields), folded: no tone marks, đ as d,
-- lower case - so 'quyet dinh' finds 'Quyết định' and 'd' finds 'đ'.
CREATE VIRTUAL TABLE IF NOT EXISTS search USING fts5(content, document_id UNINDEXED);
-- Archive batches (issue 15): a batch of hồ sơ, each hồ sơ a list of scan files (jobs).
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,                 -- the folder it was made from (the station never changes it)
    options TEXT NOT NULL,                -- JSON: separator, blank pages, quality thresholds
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS hoso (
    id INTEGER PRIMARY KEY,
    batch_id INTEGER NOT NULL REFERENCES batches(id),
    code TEXT NOT NULL,                   -- mã hồ sơ
    position INTEGER NOT NULL,            -- order in the batch (the list's, else the folders')
    metadata TEXT NOT NULL,               -- JSON: tiêu đề, thời hạn bảo quản, chế độ sử dụng, ... (editable)
    expected_documents INTEGER,
    expected_pages INTEGER,
    intake_notes TEXT NOT NULL DEFAULT '[]',  -- JSON: what the batch's making noticed (a file twice, ...)
    decision TEXT,                        -- NULL | accepted | sent_back
    decision_note TEXT,
    decided_by TEXT,
    decided_at REAL,
    UNIQUE (batch_id, code)
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    actor TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    action TEXT NOT NULL,
    before TEXT,
    after TEXT
);
"""


def connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")  # a committed state change survives power loss
    conn.execute("PRAGMA foreign_keys=ON")
    conn.executescript(SCHEMA)
    _migrate(conn)
    return conn


# Columns added after a table was first made: (table, column, definition).
_ADDED_COLUMNS = [
    ("sessions", "last_seen", "REAL NOT NULL DEFAULT 0"),
    ("jobs", "traceback", "TEXT"),
    # The arrival entry's other columns (Decree 30, Appendix IV): who handles it, when
    # it was handed over, the deadline, pages, notes.
    ("register", "handler", "TEXT"),
    ("register", "handed_on", "TEXT"),
    ("register", "due", "TEXT"),
    ("register", "pages", "INTEGER"),
    ("register", "note", "TEXT"),
    # An approval may be undone until then; signing waits for it.
    ("documents", "release_at", "REAL"),
    # A scan file of an archive batch: its hồ sơ, its place among the hồ sơ's files,
    # and its page count (for progress before it is read).
    ("jobs", "batch_id", "INTEGER REFERENCES batches(id)"),
    ("jobs", "hoso_id", "INTEGER REFERENCES hoso(id)"),
    ("jobs", "position", "INTEGER"),
    ("jobs", "page_count", "INTEGER"),
]


def _migrate(conn: sqlite3.Connection) -> None:
    for table, column, definition in _ADDED_COLUMNS:
        have = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
        if column not in have:
            try:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
            except sqlite3.OperationalError:
                pass  # another connection added it a moment ago


def now() -> float:
    return time.time()
