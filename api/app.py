"""The station's web server: sign-in, the JSON API the review page is built on, the
review and admin pages, health. Everything but /health and the sign-in page needs a
session. One router per area; the station's errors become HTTP answers here, in one
place."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from errors import Forbidden, Invalid, NotFound, Refused, StationError
from models.db import connect
from models.register import NeedsAttention
from models.validation import LABELS

from . import admin, approval, batches, edit, json_api, review, signin
from .site import Site
from .wording import for_clerk

# Scripts and styles come from the station itself; inline style attributes (page
# overlays are positioned with them) are allowed, inline scripts are not.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
)

# The station's errors as HTTP answers: the most specific class first.
STATUS = ((NotFound, 404), (Forbidden, 403), (Refused, 409), (Invalid, 400))


def create_app(data_dir: Path, trust_roots: tuple[Path, ...] = (), grace_s: float = 30.0) -> FastAPI:
    """`trust_roots`: the certification authorities the signature status trusts;
    `grace_s`: how long a clerk can undo an approval (the station signs after it)."""
    # No published schema: the API is for the station's own page, behind sign-in.
    app = FastAPI(title="Digitization station", docs_url=None, redoc_url=None, openapi_url=None)
    db = data_dir / "station.db"
    app.state.connect = lambda: connect(db)  # for the session check (auth.py)
    app.state.site = Site(data_dir, tuple(trust_roots), grace_s)
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(StationError, _station_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _bad_request)  # type: ignore[arg-type]
    app.middleware("http")(_security_headers)

    @app.get("/health")
    def health() -> dict:
        return {"ok": True}

    for area in (signin, json_api, review, approval, edit, admin, batches):
        app.include_router(area.router)
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")
    return app


async def _http_error(request: Request, exc: HTTPException) -> Response:
    # A person opening a page without a session gets the sign-in page, not JSON.
    if exc.status_code == 401 and not request.url.path.startswith("/api/"):
        return RedirectResponse("/login", status_code=303)
    return _answer(request, str(exc.detail), exc.status_code)


async def _station_error(request: Request, exc: StationError) -> Response:
    code = next((c for cls, c in STATUS if isinstance(exc, cls)), 503 if exc.retryable else 500)
    extra: dict[str, Any] = {}
    if getattr(exc, "field", None):
        extra["field"] = exc.field  # type: ignore[attr-defined]
    if isinstance(exc, NeedsAttention):
        extra["problems"] = [
            {"field": p.field, "label": LABELS.get(p.field, p.field), "message": p.message} for p in exc.problems
        ]
    return _answer(request, str(exc), code, extra)


async def _bad_request(request: Request, exc: RequestValidationError) -> Response:
    """A malformed address or form (a letter where a number goes): said in words, not
    as the framework's JSON."""
    names = ", ".join(str(e["loc"][-1]) for e in exc.errors())
    return _answer(request, f"giá trị không hợp lệ ở ô: {names}", 400)


def _answer(request: Request, message: str, code: int, extra: dict[str, Any] | None = None) -> Response:
    """An error for whoever asked: JSON for the API and the page's own requests (htmx
    shows it in the page, and focuses the field at fault), a page in plain Vietnamese
    for a person's browser - never a server path."""
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message, **(extra or {})}, status_code=code)
    if request.headers.get("HX-Request"):
        return JSONResponse({"error": for_clerk(message), **(extra or {})}, status_code=code)
    if "text/html" not in request.headers.get("accept", ""):
        return JSONResponse({"error": message, **(extra or {})}, status_code=code)
    text = for_clerk(message)
    page = ERROR_PAGE.format(title=ERROR_TITLES.get(code, "Có lỗi"), text=html.escape(text))
    return HTMLResponse(page, status_code=code)


ERROR_TITLES = {
    400: "Giá trị chưa đúng",
    403: "Bạn không có quyền làm việc này",
    404: "Không tìm thấy",
    409: "Chưa làm được",
    500: "Trạm gặp lỗi",
    503: "Trạm đang bận",
}
ERROR_PAGE = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="/static/station.css"></head><body><main class="error-page">
<h1>{title}</h1><p>{text}</p><p><a href="/">Về hàng chờ</a></p></main></body></html>"""


async def _security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    resp = await call_next(request)
    resp.headers.setdefault("Content-Security-Policy", CSP)
    resp.headers.setdefault("X-Frame-Options", "DENY")
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("Referrer-Policy", "same-origin")
    return resp
