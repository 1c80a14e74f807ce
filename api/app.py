"""The station's web server: sign-in, the JSON API the review page is built on, health.
Everything but /health and the sign-in page needs a session."""
from __future__ import annotations

import time
from pathlib import Path

from fastapi import Depends, FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from models import documents, register, search, users
from models.db import connect

from .auth import COOKIE, Session, role, session
from .site import Site, htmx_redirect

LOGIN_PAGE = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Đăng nhập</title>
<link rel="stylesheet" href="/static/station.css"></head>
<body><header><strong>Trạm số hóa văn bản</strong></header><main><h1>Đăng nhập</h1>
<form class="filters" method="post" action="/login"><label>Tên đăng nhập <input name="username" autofocus></label>
<label>Mật khẩu <input name="password" type="password"></label><button>Đăng nhập</button></form>
{message}</main></body></html>"""


# Scripts and styles come from the station itself; inline style attributes (page
# overlays are positioned with them) are allowed, inline scripts are not.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'")


def create_app(data_dir: Path, trust_roots: tuple[Path, ...] = ()) -> FastAPI:
    """`trust_roots`: the certification authorities the signature status trusts."""
    # No published schema: the API is for the station's own page, behind sign-in.
    app = FastAPI(title="Digitization station", docs_url=None, redoc_url=None, openapi_url=None)
    db = data_dir / "station.db"
    app.state.connect = lambda: connect(db)  # for the session check (auth.py)
    site = Site(data_dir, tuple(trust_roots))

    @app.exception_handler(HTTPException)
    async def errors(request: Request, exc: HTTPException):
        # A person opening a page without a session gets the sign-in page, not JSON.
        if exc.status_code == 401 and not request.url.path.startswith("/api/"):
            return RedirectResponse("/login", status_code=303)
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        resp = await call_next(request)
        resp.headers.setdefault("Content-Security-Policy", CSP)
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        return resp

    @app.get("/health")
    def health() -> dict:
        return {"ok": True}

    @app.get("/login", response_class=HTMLResponse)
    def login_page() -> str:
        with site.db() as conn:
            empty = conn.execute("SELECT 1 FROM users LIMIT 1").fetchone() is None
        hint = ("<p>Chưa có tài khoản nào. Tạo quản trị viên đầu tiên trên máy trạm bằng lệnh "
                "<code>station user add TÊN --role admin</code>.</p>") if empty else ""
        return LOGIN_PAGE.format(message=hint)

    @app.post("/login")
    def login(request: Request, username: str = Form(...), password: str = Form(...)):
        address = request.client.host if request.client else "?"
        with site.db() as conn:
            _, wait = users.login_blocked(conn, username, address)
            if wait > 0:
                minutes = max(1, round(wait / 60))
                return HTMLResponse(LOGIN_PAGE.format(
                    message=f"<p role=alert>Đăng nhập sai quá nhiều lần. Thử lại sau khoảng {minutes} phút.</p>"),
                    status_code=429, headers={"Retry-After": str(int(wait) + 1)})
            user = users.authenticate(conn, username, password)
            if user is None:
                delay = users.login_failed(conn, username, address)
                time.sleep(delay)  # a sync handler: this holds one worker thread, not the server
                return HTMLResponse(LOGIN_PAGE.format(message="<p role=alert>Sai tên đăng nhập hoặc mật khẩu.</p>"),
                                    status_code=401)
            token, _ = users.open_session(conn, user)
        resp = RedirectResponse("/", status_code=303)
        resp.set_cookie(COOKIE, token, httponly=True, samesite="strict", max_age=users.SESSION_SECONDS)
        return resp

    @app.post("/logout")
    def logout(request: Request, s: Session = Depends(session)):
        with site.db() as conn:
            users.close_session(conn, request.cookies.get(COOKIE, ""))
        # The page signs out through htmx (the CSRF token travels in a header): htmx
        # follows HX-Redirect with a real navigation; other clients get a 303.
        resp = htmx_redirect("/login") if request.headers.get("HX-Request") else RedirectResponse("/login", 303)
        resp.delete_cookie(COOKIE)
        return resp

    @app.get("/api/session")
    def whoami(s: Session = Depends(session)) -> dict:
        return {"username": s.user.username, "role": s.user.role, "csrf_token": s.csrf}

    @app.get("/api/status")
    def status(s: Session = Depends(session)) -> dict:
        from station.service import status as station_status

        with site.db() as conn:
            return station_status(conn)

    @app.get("/api/queue")
    def queue(s: Session = Depends(session)) -> list[dict]:
        """Documents waiting for review: the most urgent first, then the oldest."""
        with site.db() as conn:
            keys = ("id", "so_ky_hieu", "issuer", "type", "urgency", "secrecy", "created_at")
            return [{k: r[k] for k in keys} for r in documents.review_queue(conn)]

    @app.get("/api/search")
    def find(q: str = "", type: str | None = None, issuer: str | None = None, date_from: str | None = None,
             date_to: str | None = None, status: str | None = None, s: Session = Depends(session)) -> list[dict]:
        with site.db() as conn:
            return [{k: r[k] for k in ("id", "so_ky_hieu", "issuer", "type", "issued", "state")}
                    for r in search.query(conn, q, type, issuer, date_from, date_to, status)]

    @app.post("/api/documents/{doc_id}/approve")
    def approve(doc_id: int, s: Session = Depends(role("clerk", "reviewer", "admin"))) -> dict:
        with site.db() as conn:
            try:
                so_den = register.approve(conn, doc_id, s.user.username, register=site.is_incoming(conn, doc_id))
            except ValueError as e:
                raise HTTPException(409, str(e))
        return {"approved": doc_id, "so_den": so_den}

    @app.post("/api/documents/{doc_id}/reject")
    def reject(doc_id: int, payload: dict, s: Session = Depends(role("clerk", "reviewer", "admin"))) -> dict:
        with site.db() as conn:
            try:
                documents.reject(conn, doc_id, str(payload.get("reason", "")), s.user.username)
            except ValueError as e:
                raise HTTPException(409, str(e))
        return {"rejected": doc_id}

    @app.get("/api/documents/{doc_id}/signature")
    def signature(doc_id: int, s: Session = Depends(session)) -> dict:
        """The signature status of the document's current file, checked now."""
        from station.archive.verify import verify_pdf

        with site.db() as conn:
            row = site.document(conn, doc_id)
        return verify_pdf(Path(row["pdf"]), list(site.trust_roots)).to_json()

    @app.post("/api/users")
    def add_user(payload: dict, s: Session = Depends(role("admin"))) -> dict:
        with site.db() as conn:
            try:
                u = users.add(conn, str(payload.get("username", "")), str(payload.get("password", "")),
                              str(payload.get("role", "clerk")), actor=s.user.username)
            except ValueError as e:
                raise HTTPException(400, str(e))
        return {"id": u.id, "username": u.username, "role": u.role}

    from . import admin, edit, pages

    for module in (pages, edit, admin):
        module.install(app, site)
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")
    return app

