"""The station's web server: sign-in, the JSON API the review page is built on, health.
Everything but /health and the sign-in page needs a session."""
from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from models import documents, register, search, users
from models.db import connect

from .auth import COOKIE, Session, role, session

LOGIN_PAGE = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Đăng nhập</title></head>
<body><main><h1>Trạm số hóa văn bản</h1>
<form method="post" action="/login"><label>Tên đăng nhập <input name="username" autofocus></label>
<label>Mật khẩu <input name="password" type="password"></label><button>Đăng nhập</button></form>
{message}</main></body></html>"""


def create_app(data_dir: Path) -> FastAPI:
    app = FastAPI(title="Digitization station", docs_url=None, redoc_url=None)
    db = data_dir / "station.db"
    app.state.connect = lambda: connect(db)

    @app.exception_handler(HTTPException)
    async def errors(request: Request, exc: HTTPException):
        # A person opening a page without a session gets the sign-in page, not JSON.
        if exc.status_code == 401 and not request.url.path.startswith("/api/"):
            return RedirectResponse("/login", status_code=303)
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code)

    @app.get("/health")
    def health() -> dict:
        return {"ok": True}

    @app.get("/login", response_class=HTMLResponse)
    def login_page() -> str:
        return LOGIN_PAGE.format(message="")

    @app.post("/login")
    def login(username: str = Form(...), password: str = Form(...)):
        conn = connect(db)
        try:
            user = users.authenticate(conn, username, password)
            if user is None:
                return HTMLResponse(LOGIN_PAGE.format(message="<p role=alert>Sai tên đăng nhập hoặc mật khẩu.</p>"),
                                    status_code=401)
            token, _ = users.open_session(conn, user)
        finally:
            conn.close()
        resp = RedirectResponse("/", status_code=303)
        resp.set_cookie(COOKIE, token, httponly=True, samesite="strict", max_age=users.SESSION_SECONDS)
        return resp

    @app.post("/logout")
    def logout(request: Request, s: Session = Depends(session)):
        conn = connect(db)
        try:
            users.close_session(conn, request.cookies.get(COOKIE, ""))
        finally:
            conn.close()
        resp = RedirectResponse("/login", status_code=303)
        resp.delete_cookie(COOKIE)
        return resp

    @app.get("/api/session")
    def whoami(s: Session = Depends(session)) -> dict:
        return {"username": s.user.username, "role": s.user.role, "csrf_token": s.csrf}

    @app.get("/api/status")
    def status(s: Session = Depends(session)) -> dict:
        from station.service import status as station_status

        conn = connect(db)
        try:
            return station_status(conn)
        finally:
            conn.close()

    @app.get("/api/queue")
    def queue(s: Session = Depends(session)) -> list[dict]:
        """Documents waiting for review: the most urgent first, then the oldest."""
        conn = connect(db)
        try:
            keys = ("id", "so_ky_hieu", "issuer", "type", "urgency", "secrecy", "created_at")
            return [{k: r[k] for k in keys} for r in documents.review_queue(conn)]
        finally:
            conn.close()

    @app.get("/api/search")
    def find(q: str = "", type: str | None = None, issuer: str | None = None, date_from: str | None = None,
             date_to: str | None = None, status: str | None = None, s: Session = Depends(session)) -> list[dict]:
        conn = connect(db)
        try:
            return [{k: r[k] for k in ("id", "so_ky_hieu", "issuer", "type", "issued", "state")}
                    for r in search.query(conn, q, type, issuer, date_from, date_to, status)]
        finally:
            conn.close()

    @app.post("/api/documents/{doc_id}/approve")
    def approve(doc_id: int, s: Session = Depends(role("clerk", "reviewer", "admin"))) -> dict:
        conn = connect(db)
        try:
            row = conn.execute("SELECT j.profile FROM documents d JOIN jobs j ON j.id = d.job_id WHERE d.id = ?",
                               (doc_id,)).fetchone()
            if row is None:
                raise HTTPException(404, "không có văn bản này (no such document)")
            so_den = register.approve(conn, doc_id, s.user.username, register=row["profile"] == "incoming")
        except ValueError as e:
            raise HTTPException(409, str(e))
        finally:
            conn.close()
        return {"approved": doc_id, "so_den": so_den}

    @app.post("/api/users")
    def add_user(payload: dict, s: Session = Depends(role("admin"))) -> dict:
        conn = connect(db)
        try:
            u = users.add(conn, str(payload.get("username", "")), str(payload.get("password", "")),
                          str(payload.get("role", "clerk")), actor=s.user.username)
        except ValueError as e:
            raise HTTPException(400, str(e))
        finally:
            conn.close()
        return {"id": u.id, "username": u.username, "role": u.role}

    from .pages import install

    install(app, data_dir)
    return app

