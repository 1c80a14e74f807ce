"""The clerk's decisions on the document page: save corrections, approve (with the
arrival entry), undo an approval within its grace period, skip, reject, and amend a
registered document afterwards."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from models import documents, register, units
from models.register import ArrivalEntry

from .auth import Session, role, session
from .review import LABELS, document_context
from .site import Site, current_site, htmx_redirect

router = APIRouter()
SiteDep = Annotated[Site, Depends(current_site)]


@router.post("/documents/{doc_id}/fields", response_class=HTMLResponse)
async def correct(doc_id: int, request: Request, site: SiteDep, s: Session = Depends(session)) -> Response:
    """Save, and answer with the page as it now stands (the colours follow the change)."""
    form = await request.form()
    with site.db() as conn:
        changed = _save_fields(conn, doc_id, form, s)
    saved = f"Đã lưu {changed} trường." if changed else "Không có gì thay đổi."
    return site.render(request, "document.html", s, document_context(site, s, doc_id, saved=saved))


@router.post("/documents/{doc_id}/approve")
async def approve_and_next(doc_id: int, request: Request, site: SiteDep, s: Session = Depends(session)) -> Response:
    """Save what is in the form, check it, approve with the arrival entry, and open the
    next document (whose page shows the số đến given and the undo)."""
    form = await request.form()
    with site.db() as conn:
        _save_fields(conn, doc_id, form, s)
        arrival = ArrivalEntry.from_form({k: str(v) for k, v in form.items() if k.startswith("arrival_")})
        override = str(form.get("override_reason", "")) if form.get("override") == "1" else None
        register.approve(
            conn,
            doc_id,
            s.user.username,
            register=site.is_incoming(conn, doc_id),
            arrival=arrival,
            hold_s=site.grace_s,
            override=override,
        )
        nxt = documents.next_in_queue(conn, doc_id, site.skipped(s))
    return htmx_redirect(f"/documents/{nxt}?done={doc_id}" if nxt else f"/?done={doc_id}")


@router.post("/documents/{doc_id}/undo")
def undo(doc_id: int, site: SiteDep, s: Session = Depends(session)) -> Response:
    with site.db() as conn:
        register.undo(conn, doc_id, s.user.username)
    return htmx_redirect(f"/documents/{doc_id}")


@router.post("/documents/{doc_id}/skip")
def skip(doc_id: int, site: SiteDep, s: Session = Depends(session)) -> Response:
    """Alt+N: this document goes to the end of the clerk's queue for this sitting."""
    site.skip(s, doc_id)
    with site.db() as conn:
        nxt = documents.next_in_queue(conn, doc_id, site.skipped(s))
    return htmx_redirect(f"/documents/{nxt}" if nxt else f"/documents/{doc_id}")


@router.post("/documents/{doc_id}/reject")
async def reject(doc_id: int, request: Request, site: SiteDep, s: Session = Depends(session)) -> Response:
    form = await request.form()
    with site.db() as conn:
        documents.reject(conn, doc_id, str(form.get("reason", "")), s.user.username)
        nxt = documents.next_in_queue(conn, doc_id, site.skipped(s))
    return htmx_redirect(f"/documents/{nxt}" if nxt else "/")


@router.post("/documents/{doc_id}/amend")
async def amend(doc_id: int, request: Request, site: SiteDep, s: Session = Depends(session)) -> Response:
    """A correction after the undo's grace: an audited amendment with its reason."""
    form = await request.form()
    with site.db() as conn:
        documents.amend(
            conn, doc_id, _field_values(form), s.user.username, s.user.role, str(form.get("amend_reason", ""))
        )
    return htmx_redirect(f"/documents/{doc_id}")


@router.post("/units")
async def set_units(request: Request, site: SiteDep, s: Session = Depends(role("admin"))) -> Response:
    """The administrator's list of units and handlers, one per line."""
    form = await request.form()
    with site.db() as conn:
        units.replace_all(conn, str(form.get("units", "")).splitlines(), s.user.username)
    return htmx_redirect(f"/users?saved={int(time.time())}")


def _save_fields(conn, doc_id: int, form, s: Session) -> int:
    """The form's field values, applied by the model (which audits and guards secrecy)."""
    return documents.correct_fields(
        conn, doc_id, _field_values(form), s.user.username, s.user.role, str(form.get("secrecy_reason", ""))
    )


def _field_values(form) -> dict[str, str]:
    return {name: str(form[name]) for name in LABELS if name in form}
