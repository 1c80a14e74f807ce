"""The Batches page (issue 15): archive batches with their progress, which refreshes
itself while pages are read, each hồ sơ's quality flags, and the archivist's
decision (accept, or send back for rescanning with a reason)."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import unquote

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from models import batches
from station import quality_control
from station.cluster import status_from_env

from .auth import Session, role, session
from .site import Site, current_site, htmx_redirect

router = APIRouter()
SiteDep = Annotated[Site, Depends(current_site)]
DECIDERS = ("reviewer", "admin")


@router.get("/batches", response_class=HTMLResponse)
def batches_page(request: Request, site: SiteDep, s: Session = Depends(session)) -> Response:
    return site.render(request, "batches.html", s, _context(site, s))


@router.get("/batches/live", response_class=HTMLResponse)
def batches_live(request: Request, site: SiteDep, s: Session = Depends(session)) -> Response:
    """The part of the page that htmx reloads every few seconds."""
    return site.render(request, "batches_rows.html", s, _context(site, s))


@router.get("/api/batches")
def batches_json(site: SiteDep, s: Session = Depends(session)) -> list[dict[str, Any]]:
    return _view(site)


@router.post("/batches/hoso/{hoso_id}/{decision}")
def decide(
    hoso_id: int,
    decision: str,
    site: SiteDep,
    reason: Annotated[str | None, Header(alias="HX-Prompt")] = None,
    s: Session = Depends(role(*DECIDERS)),
) -> Response:
    wanted = {"accept": "accepted", "send-back": "sent_back", "undo": None}
    if decision not in wanted:
        raise HTTPException(404, "không có thao tác này (no such action)")
    # Headers carry ASCII only: htmx sends a typed Vietnamese reason percent-encoded.
    note = unquote(reason or "").strip()
    if decision == "send-back" and not note:
        raise HTTPException(400, "ghi lý do trả lại để người quét lại biết (a reason is needed)")
    with site.db() as conn:
        try:
            batches.decide(conn, hoso_id, wanted[decision], s.user.username, note)
        except LookupError:
            raise HTTPException(404, "không có hồ sơ này (no such hồ sơ)")
        except ValueError:
            raise HTTPException(409, "hồ sơ còn đang nhận dạng, chưa nghiệm thu được (still being read)")
    return htmx_redirect("/batches")


def _context(site: Site, s: Session) -> dict[str, Any]:
    """The Batches page and its self-refreshing part: batches, and the page workers when
    a broker is configured."""
    return {"batches": _view(site), "can_decide": s.user.role in DECIDERS, "cluster": status_from_env()}


def _view(site: Site) -> list[dict[str, Any]]:
    out = []
    with site.db() as conn:
        for b in batches.listing(conn):
            report = batches.progress(conn, b["id"], site.data_dir)
            options = json.loads(b["options"])
            for h, row in zip(report["hoso"], batches.hoso_of(conn, b["id"])):
                flags = quality_control.check(conn, row, options)
                h["title"] = json.loads(row["metadata"]).get("title", "")
                h["flags"] = [f.to_json() for f in flags]
                h["counts"] = quality_control.summary(flags)
                h["decision_note"] = row["decision_note"]
                h["decided_by"] = row["decided_by"]
            out.append({"id": b["id"], "name": b["name"], "created_at": b["created_at"], **report})
    return out
