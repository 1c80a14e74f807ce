"""The JSON API under /api/: what scripts and the page's live parts use."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends

from models import documents, register, search, users
from models.status import status as station_status
from station.cluster import status_from_env

from .auth import Session, role, session
from .site import Site, current_site

router = APIRouter(prefix="/api")
SiteDep = Annotated[Site, Depends(current_site)]
Reviewer = Depends(role("clerk", "reviewer", "admin"))


@router.get("/session")
def whoami(s: Session = Depends(session)) -> dict:
    return {"username": s.user.username, "role": s.user.role, "csrf_token": s.csrf}


@router.get("/status")
def status(site: SiteDep, s: Session = Depends(session)) -> dict:
    with site.db() as conn:
        report = station_status(conn)
    cluster = status_from_env()
    return report if cluster is None else {**report, "cluster": cluster}


@router.get("/queue")
def queue(site: SiteDep, s: Session = Depends(session)) -> list[dict]:
    """Documents waiting for review: the most urgent first, then the oldest."""
    with site.db() as conn:
        keys = ("id", "so_ky_hieu", "issuer", "type", "urgency", "secrecy", "created_at")
        return [{k: r[k] for k in keys} for r in documents.review_queue(conn)]


@router.get("/search")
def find(
    site: SiteDep,
    q: str = "",
    type: str | None = None,
    issuer: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    status: str | None = None,
    s: Session = Depends(session),
) -> list[dict]:
    with site.db() as conn:
        return [
            {k: r[k] for k in ("id", "so_ky_hieu", "issuer", "type", "issued", "state")}
            for r in search.query(conn, q, type, issuer, date_from, date_to, status)
        ]


@router.post("/documents/{doc_id}/approve")
def approve(doc_id: int, site: SiteDep, payload: dict | None = None, s: Session = Reviewer) -> dict:
    """Approve; `{"override": "reason"}` approves despite the problems a 409 named."""
    override = (payload or {}).get("override")
    with site.db() as conn:
        done = register.approve(
            conn,
            doc_id,
            s.user.username,
            register=site.is_incoming(conn, doc_id),
            hold_s=site.grace_s,
            override=None if override is None else str(override),
        )
    return {"approved": doc_id, "so_den": done.so_den, "year": done.year}


@router.post("/documents/{doc_id}/undo")
def undo(doc_id: int, site: SiteDep, s: Session = Reviewer) -> dict:
    """Take an approval back while its grace period lasts (nothing is signed or sent yet)."""
    with site.db() as conn:
        register.undo(conn, doc_id, s.user.username)
    return {"returned_to_review": doc_id}


@router.post("/documents/{doc_id}/reject")
def reject(doc_id: int, payload: dict, site: SiteDep, s: Session = Reviewer) -> dict:
    with site.db() as conn:
        documents.reject(conn, doc_id, str(payload.get("reason", "")), s.user.username)
    return {"rejected": doc_id}


@router.get("/documents/{doc_id}/signature")
def signature(doc_id: int, site: SiteDep, s: Session = Depends(session)) -> dict:
    """The signature status of the document's current file, checked now."""
    from archive.verify import verify_pdf

    with site.db() as conn:
        row = site.document(conn, doc_id)
    return verify_pdf(Path(row["pdf"]), list(site.trust_roots)).to_json()


@router.post("/users")
def add_user(payload: dict, site: SiteDep, s: Session = Depends(role("admin"))) -> dict:
    with site.db() as conn:
        u = users.add(
            conn,
            str(payload.get("username", "")),
            str(payload.get("password", "")),
            str(payload.get("role", "clerk")),
            actor=s.user.username,
        )
    return {"id": u.id, "username": u.username, "role": u.role}
