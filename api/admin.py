"""The other pages: search, the incoming register (with export), the audit log and,
for administrators, user accounts."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Period:
    """The register's filter from the address: a range of arrival days (typed
    dd/mm/yyyy), else a year (this year in Vietnam by default)."""

    year: int | None
    start: date | None
    end: date | None
    typed: dict[str, str]

    @property
    def title(self) -> str:
        return period_title(self.year, self.start, self.end)

    @property
    def query(self) -> str:
        return urlencode({k: v for k, v in {"year": self.year, **self.typed}.items() if v})

    def rows(self, conn) -> list:
        return register.rows(conn, self.year, self.start, self.end)


def period(year: int | None = None, date_from: str = "", date_to: str = "") -> Period:
    start = parse_date(date_from) if date_from.strip() else None
    end = parse_date(date_to) if date_to.strip() else None
    typed = {"date_from": date_from, "date_to": date_to}
    if start or end:
        return Period(None, start, end, typed)
    return Period(year or vietnam_today().year, None, None, typed)


PeriodDep = Annotated[Period, Depends(period)]


@router.get("/register", response_class=HTMLResponse)
def register_page(request: Request, site: SiteDep, p: PeriodDep, s: Session = Depends(session)):
    with site.db() as conn:
        rows = p.rows(conn)
        years = sorted(set(register.years(conn)) | {vietnam_today().year}, reverse=True)
    return site.render(
        request,
        "register.html",
        s,
        {
            "year": p.year,
            "years": years,
            "columns": register.COLUMNS,
            "rows": rows,
            "period": p.title,
            "query": p.query,
            "filters": p.typed,
        },
    )


@router.get("/register/print", response_class=HTMLResponse)
def register_print(request: Request, site: SiteDep, p: PeriodDep, s: Session = Depends(session)):
    """The register as it is printed for the daily hand-over: A4 landscape, its title,
    the period, a column for the receiver's signature."""
    with site.db() as conn:
        rows = p.rows(conn)
    context = {"columns": register.COLUMNS, "rows": rows, "title": TITLE, "period": p.title}
    return site.render(request, "register_print.html", s, context)


@router.get("/register/{year}.{fmt}")
def register_file(
    year: int, fmt: str, site: SiteDep, date_from: str = "", date_to: str = "", s: Session = Depends(session)
):
    if fmt not in ("csv", "xlsx"):
        raise HTTPException(404, "chỉ có CSV hoặc XLSX (CSV or XLSX only)")
    p = period(year, date_from, date_to)
    tmp = tempfile.TemporaryDirectory(prefix="station-register-")
    with site.db() as conn:
        csv_path, xlsx_path = export(conn, p.year, Path(tmp.name), p.start, p.end)
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
