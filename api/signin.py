"""Signing in and out."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from models import users

from .auth import COOKIE, Session, session
from .site import Site, current_site, htmx_redirect

router = APIRouter()
SiteDep = Annotated[Site, Depends(current_site)]

LOGIN_PAGE = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Đăng nhập</title>
<link rel="stylesheet" href="/static/station.css"></head>
<body><header><strong>Trạm số hóa văn bản</strong></header><main><h1>Đăng nhập</h1>
<form class="filters" method="post" action="/login"><label>Tên đăng nhập <input name="username" autofocus></label>
<label>Mật khẩu <input name="password" type="password"></label><button>Đăng nhập</button></form>
{message}</main></body></html>"""


@router.get("/login", response_class=HTMLResponse)
def login_page(site: SiteDep) -> str:
    with site.db() as conn:
        empty = conn.execute("SELECT 1 FROM users LIMIT 1").fetchone() is None
    hint = (
        (
            "<p>Chưa có tài khoản nào. Tạo quản trị viên đầu tiên trên máy trạm bằng lệnh "
            "<code>station user add TÊN --role admin</code>.</p>"
        )
        if empty
        else ""
    )
    return LOGIN_PAGE.format(message=hint)


@router.post("/login")
def login(request: Request, site: SiteDep, username: str = Form(...), password: str = Form(...)) -> Response:
    address = request.client.host if request.client else "?"
    with site.db() as conn:
        _, wait = users.login_blocked(conn, username, address)
        if wait > 0:
            minutes = max(1, round(wait / 60))
            return HTMLResponse(
                LOGIN_PAGE.format(
                    message=f"<p role=alert>Đăng nhập sai quá nhiều lần. Thử lại sau khoảng {minutes} phút.</p>"
                ),
                status_code=429,
                headers={"Retry-After": str(int(wait) + 1)},
            )
        user = users.authenticate(conn, username, password)
        if user is None:
            delay = users.login_failed(conn, username, address)
            time.sleep(delay)  # a sync handler: this holds one worker thread, not the server
            return HTMLResponse(
                LOGIN_PAGE.format(message="<p role=alert>Sai tên đăng nhập hoặc mật khẩu.</p>"), status_code=401
            )
        token, _ = users.open_session(conn, user)
    resp = RedirectResponse("/", status_code=303)
    resp.set_cookie(COOKIE, token, httponly=True, samesite="strict", max_age=users.SESSION_SECONDS)
    return resp


@router.post("/logout")
def logout(request: Request, site: SiteDep, s: Session = Depends(session)) -> Response:
    with site.db() as conn:
        users.close_session(conn, request.cookies.get(COOKIE, ""))
    # The page signs out through htmx (the CSRF token travels in a header): htmx
    # follows HX-Redirect with a real navigation; other clients get a 303.
    resp = htmx_redirect("/login") if request.headers.get("HX-Request") else RedirectResponse("/login", 303)
    resp.delete_cookie(COOKIE)
    return resp
