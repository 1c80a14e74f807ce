"""Local accounts of the review page: clerk, reviewer, admin. Passwords are stored as
scrypt hashes; sessions as hashes of random tokens, each with its own CSRF token."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
from dataclasses import dataclass

from errors import Invalid, NotFound, Refused

from .db import now
from .jobs import audit

ROLES = ("clerk", "reviewer", "admin")
SESSION_SECONDS = 10 * 3600  # a working day at most
IDLE_SECONDS = 30 * 60  # a session unused this long ends (a clerk who walked away)
# Sign-in throttling, per account and per address, over a sliding window: after
# SLOW_AFTER wrong passwords each further answer is delayed, after LOCK_AFTER sign-in is
# refused until the window has passed (the right password too: that is the point).
WINDOW_SECONDS = 15 * 60
SLOW_AFTER, LOCK_AFTER = 3, 10
_N, _R, _P = 2**14, 8, 1


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: str


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        got = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got.hex(), digest)


def add(conn: sqlite3.Connection, username: str, password: str, role: str, actor: str = "admin") -> User:
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}")
    if len(password) < 8:
        raise Invalid("the password must have at least 8 characters")
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        if conn.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone():
            raise Refused(f"the user {username} exists already")
        cur = conn.execute(
            "INSERT INTO users (username, password, role, created_at) VALUES (?,?,?,?)",
            (username, hash_password(password), role, now()),
        )
        user_id = int(cur.lastrowid or 0)
        audit(conn, "user", user_id, "created", after={"username": username, "role": role}, actor=actor)
    return User(user_id, username, role)


def authenticate(conn: sqlite3.Connection, username: str, password: str) -> User | None:
    row = conn.execute("SELECT * FROM users WHERE username = ? AND active = 1", (username,)).fetchone()
    if row is None:
        check_password(password, hash_password("timing"))  # same work whether or not the user exists
        return None
    return User(row["id"], row["username"], row["role"]) if check_password(password, row["password"]) else None


def login_blocked(conn: sqlite3.Connection, username: str, address: str) -> tuple[int, float]:
    """(wrong passwords in the window for this account or this address, seconds until
    sign-in is allowed again: 0 when it is)."""
    since = now() - WINDOW_SECONDS
    worst, wait = 0, 0.0
    for column, value in (("username", username), ("address", address)):
        rows = conn.execute(
            f"SELECT at FROM login_failures WHERE {column} = ? AND at > ? ORDER BY at", (value, since)
        ).fetchall()
        worst = max(worst, len(rows))
        if len(rows) >= LOCK_AFTER:
            wait = max(wait, rows[-LOCK_AFTER]["at"] + WINDOW_SECONDS - now())
    return worst, wait


def login_failed(conn: sqlite3.Connection, username: str, address: str) -> float:
    """Record a wrong password (audited, so the admin sees it); returns how long to hold
    the answer back."""
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("DELETE FROM login_failures WHERE at < ?", (now() - 24 * 3600,))
        conn.execute("INSERT INTO login_failures (at, username, address) VALUES (?,?,?)", (now(), username, address))
        row = conn.execute("SELECT id FROM users WHERE username = ?", (username,)).fetchone()
        audit(
            conn,
            "user",
            row["id"] if row else 0,
            "login failed",
            after={"username": username, "address": address},
            actor=username or "?",
        )
    failures, _ = login_blocked(conn, username, address)
    return 0.0 if failures < SLOW_AFTER else min(1.0, 0.25 * (failures - SLOW_AFTER + 1))


def recent_login_failures(conn: sqlite3.Connection, limit: int = 20) -> list[sqlite3.Row]:
    """For the admin: wrong passwords per account and address over the last day."""
    return conn.execute(
        "SELECT username, address, COUNT(*) n, MAX(at) last FROM login_failures "
        "GROUP BY username, address ORDER BY last DESC LIMIT ?",
        (limit,),
    ).fetchall()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(conn: sqlite3.Connection, user: User) -> tuple[str, str]:
    """(session token for the cookie, CSRF token for forms)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("DELETE FROM sessions WHERE expires_at < ?", (now(),))
        conn.execute(
            "INSERT INTO sessions (token_hash, user_id, csrf, expires_at, last_seen) VALUES (?,?,?,?,?)",
            (_token_hash(token), user.id, csrf, now() + SESSION_SECONDS, now()),
        )
        conn.execute("DELETE FROM login_failures WHERE username = ?", (user.username,))
    return token, csrf


def session_user(conn: sqlite3.Connection, token: str | None) -> tuple[User, str] | None:
    """The signed-in user and the session's CSRF token, or None."""
    if not token:
        return None
    t = now()
    row = conn.execute(
        "SELECT u.id, u.username, u.role, s.csrf, s.last_seen FROM sessions s JOIN users u "
        "ON u.id = s.user_id WHERE s.token_hash = ? AND s.expires_at > ? AND s.last_seen > ? "
        "AND u.active = 1",
        (_token_hash(token), t, t - IDLE_SECONDS),
    ).fetchone()
    if row is None:
        return None
    if t - row["last_seen"] > 30:  # not a write per request: the idle clock needs no finer grain
        with conn:
            conn.execute("UPDATE sessions SET last_seen = ? WHERE token_hash = ?", (t, _token_hash(token)))
    return User(row["id"], row["username"], row["role"]), row["csrf"]


def close_session(conn: sqlite3.Connection, token: str) -> None:
    with conn:
        conn.execute("DELETE FROM sessions WHERE token_hash = ?", (_token_hash(token),))


def all_users(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute("SELECT id, username, role, active, created_at FROM users ORDER BY username").fetchall()


def update(
    conn: sqlite3.Connection,
    user_id: int,
    actor: str,
    role: str | None = None,
    active: bool | None = None,
    password: str | None = None,
) -> None:
    """Change a user's role, switch the account on or off, or set a new password; each
    change is audited (the password only as 'changed'). A user switched off or given a
    new password is signed out everywhere. The last active admin cannot be demoted or
    switched off: the station would have nobody left to manage it."""
    if role is not None and role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}")
    if password is not None and len(password) < 8:
        raise Invalid("the password must have at least 8 characters")
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        row = conn.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
        if row is None:
            raise NotFound("no such user")
        losing_admin = (
            row["role"] == "admin" and row["active"] and ((role is not None and role != "admin") or active is False)
        )
        if (
            losing_admin
            and conn.execute("SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = 1").fetchone()[0] <= 1
        ):
            raise Refused("the last administrator must stay an active administrator")
        before: dict[str, object] = {}
        after: dict[str, object] = {}
        if role is not None and role != row["role"]:
            conn.execute("UPDATE users SET role = ? WHERE id = ?", (role, user_id))
            before["role"], after["role"] = row["role"], role
        if active is not None and bool(active) != bool(row["active"]):
            conn.execute("UPDATE users SET active = ? WHERE id = ?", (int(active), user_id))
            before["active"], after["active"] = bool(row["active"]), bool(active)
        if password is not None:
            conn.execute("UPDATE users SET password = ? WHERE id = ?", (hash_password(password), user_id))
            after["password"] = "changed"
        if active is False or password is not None:
            conn.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,))
        if after:
            audit(conn, "user", user_id, "changed", before=before or None, after=after, actor=actor)
