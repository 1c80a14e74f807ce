"""The other pages: search, the incoming register (with export), the audit log and,
for administrators, user accounts."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.background import BackgroundTask

from classifiers.reference import doc_types
from models import audit, register, search, units, users
from models.validation import parse_date, vietnam_today
from station.register_export import TITLE, export, period_title

from .auth import Session, role, session
from .site import Site, current_site, htmx_redirect
from .wording import describe

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


def _period(year: int | None, date_from: str, date_to: str) -> tuple[int | None, date | None, date | None]:
    """The register's filter: a range of arrival days (typed dd/mm/yyyy), else a year."""
    start = parse_date(date_from) if date_from.strip() else None
    end = parse_date(date_to) if date_to.strip() else None
    if start or end:
        return None, start, end
    return year or vietnam_today().year, None, None


@router.get("/register", response_class=HTMLResponse)
def register_page(
    request: Request,
    site: SiteDep,
    year: int | None = None,
    date_from: str = "",
    date_to: str = "",
    s: Session = Depends(session),
):
    the_year, start, end = _period(year, date_from, date_to)
    with site.db() as conn:
        rows = register.rows(conn, the_year, start, end)
        years = sorted(set(register.years(conn)) | {vietnam_today().year}, reverse=True)
    return site.render(
        request,
        "register.html",
        s,
        {
            "year": the_year,
            "years": years,
            "columns": register.COLUMNS,
            "rows": rows,
            "period": period_title(the_year, start, end),
            "query": urlencode(
                {k: v for k, v in {"year": the_year, "date_from": date_from, "date_to": date_to}.items() if v}
            ),
            "filters": {"date_from": date_from, "date_to": date_to},
        },
    )


@router.get("/register/print", response_class=HTMLResponse)
def register_print(
    request: Request,
    site: SiteDep,
    year: int | None = None,
    date_from: str = "",
    date_to: str = "",
    s: Session = Depends(session),
):
    """The register as it is printed for the daily hand-over: A4 landscape, its title,
    the period, a column for the receiver's signature."""
    the_year, start, end = _period(year, date_from, date_to)
    with site.db() as conn:
        rows = register.rows(conn, the_year, start, end)
    return site.render(
        request,
        "register_print.html",
        s,
        {"columns": register.COLUMNS, "rows": rows, "title": TITLE, "period": period_title(the_year, start, end)},
    )


@router.get("/register/{year}.{fmt}")
def register_file(
    year: int, fmt: str, site: SiteDep, date_from: str = "", date_to: str = "", s: Session = Depends(session)
):
    if fmt not in ("csv", "xlsx"):
        raise HTTPException(404, "chỉ có CSV hoặc XLSX (CSV or XLSX only)")
    the_year, start, end = _period(year, date_from, date_to)
    tmp = tempfile.TemporaryDirectory(prefix="station-register-")
    with site.db() as conn:
        csv_path, xlsx_path = export(conn, the_year, Path(tmp.name), start, end)
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
        entries = [
            describe(e) for e in audit.history(conn, entity or None, entity_id, actor or None, before, limit=100)
        ]
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
            {
                "users": users.all_users(conn),
                "roles": users.ROLES,
                "failures": users.recent_login_failures(conn),
                "units": units.names(conn),
            },
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
