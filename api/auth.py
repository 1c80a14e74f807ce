"""Sign-in, sessions and CSRF for the review page and its API.

The session token lives in an HttpOnly, SameSite=Strict cookie. Every unsafe request
(POST, PUT, PATCH, DELETE) but the sign-in itself must carry the session's CSRF token
in the X-CSRF-Token header (the page's htmx sends it on every request)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from fastapi import Depends, HTTPException, Request

from models import users

COOKIE = "station_session"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class Session:
    def __init__(self, user: users.User, csrf: str) -> None:
        self.user, self.csrf = user, csrf


def session(request: Request) -> Session:
    """The signed-in session; 401 when there is none (pages turn that into the login page)."""
    conn: sqlite3.Connection = request.app.state.connect()
    try:
        found = users.session_user(conn, request.cookies.get(COOKIE))
    finally:
        conn.close()
    if found is None:
        raise HTTPException(401, "đăng nhập để tiếp tục (sign in to continue)")
    s = Session(*found)
    if request.method in UNSAFE:
        if request.headers.get("X-CSRF-Token") != s.csrf:
            raise HTTPException(403, "yêu cầu không hợp lệ: thiếu mã chống giả mạo (missing CSRF token)")
    return s


def role(*allowed: str) -> Callable[[Session], Session]:
    def check(s: Session = Depends(session)) -> Session:
        if s.user.role not in allowed:
            raise HTTPException(403, "bạn không có quyền làm việc này (not allowed for your role)")
        return s

    return check
