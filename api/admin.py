"""The other pages: search, the incoming register (with export), the audit log and,
for administrators, user accounts."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.background import BackgroundTask

from classifiers.reference import doc_types
from models import audit, register, search, users
from station.register_export import export

from .auth import Session, role, session
from .site import Site, current_site, htmx_redirect

router = APIRouter()
SiteDep = Annotated[Site, Depends(current_site)]


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    site: SiteDep,
    q: str = "",
    type: str = "",
    issuer: str = "",
    date_from: str = "",
    date_to: str = "",
    status: str = "",
    s: Session = Depends(session),
):
    filters = {"q": q, "type": type, "issuer": issuer, "date_from": date_from, "date_to": date_to, "status": status}
    asked = any(filters.values())
    with site.db() as conn:
        results = (
            search.query(
                conn, q, type or None, issuer or None, date_from or None, date_to or None, status or None, limit=200
            )
            if asked
            else []
        )
        issuers = [
            r[0] for r in conn.execute("SELECT DISTINCT issuer FROM documents WHERE issuer IS NOT NULL ORDER BY issuer")
        ]
    return site.render(
        request,
        "search.html",
        s,
        {
            "filters": filters,
            "asked": asked,
            "results": results,
            "types": [t.name for t in doc_types()],
            "issuers": issuers,
        },
    )


@router.get("/register", response_class=HTMLResponse)
def register_page(request: Request, site: SiteDep, year: int | None = None, s: Session = Depends(session)):
    year = year or date.today().year
    with site.db() as conn:
        rows = register.rows(conn, year)
        ids = register.document_ids(conn, year)
        years = sorted(set(register.years(conn)) | {year}, reverse=True)
    return site.render(
        request,
        "register.html",
        s,
        {"year": year, "years": years, "columns": register.COLUMNS, "rows": list(zip(ids, rows))},
    )


@router.get("/register/{year}.{fmt}")
def register_file(year: int, fmt: str, site: SiteDep, s: Session = Depends(session)):
    if fmt not in ("csv", "xlsx"):
        raise HTTPException(404, "chỉ có CSV hoặc XLSX (CSV or XLSX only)")
    tmp = tempfile.TemporaryDirectory(prefix="station-register-")
    with site.db() as conn:
        csv_path, xlsx_path = export(conn, year, Path(tmp.name))
    path = csv_path if fmt == "csv" else xlsx_path
    media = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return FileResponse(path, media_type=media, filename=path.name, background=BackgroundTask(tmp.cleanup))


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    site: SiteDep,
    entity: str = "",
    entity_id: int | None = None,
    actor: str = "",
    before: int | None = None,
    s: Session = Depends(role("reviewer", "admin")),
):
    with site.db() as conn:
        entries = audit.history(conn, entity or None, entity_id, actor or None, before, limit=100)
    return site.render(
        request,
        "audit.html",
        s,
        {
            "entries": entries,
            "filters": {"entity": entity, "entity_id": entity_id or "", "actor": actor},
            "older": entries[-1]["id"] if len(entries) == 100 else None,
        },
    )


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, site: SiteDep, s: Session = Depends(role("admin"))):
    with site.db() as conn:
        return site.render(
            request,
            "users.html",
            s,
            {"users": users.all_users(conn), "roles": users.ROLES, "failures": users.recent_login_failures(conn)},
        )


@router.post("/users")
def add_user(
    site: SiteDep,
    username: str = Form(...),
    password: str = Form(...),
    role_: str = Form("clerk", alias="role"),
    s: Session = Depends(role("admin")),
) -> Response:
    with site.db() as conn:
        try:
            users.add(conn, username.strip(), password, role_, actor=s.user.username)
        except ValueError as e:
            raise HTTPException(400, str(e))
    return htmx_redirect("/users")


@router.post("/users/{user_id}")
def change_user(
    user_id: int,
    site: SiteDep,
    role_: str | None = Form(None, alias="role"),
    active: str | None = Form(None),
    password: str | None = Form(None),
    s: Session = Depends(role("admin")),
) -> Response:
    with site.db() as conn:
        try:
            users.update(
                conn,
                user_id,
                s.user.username,
                role=role_ or None,
                active=None if active is None else active == "1",
                password=password or None,
            )
        except ValueError as e:
            raise HTTPException(400, str(e))
    return htmx_redirect("/users")
