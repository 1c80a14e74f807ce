"""Page operations from the document page: turn, delete and move pages, split, merge,
read again (station.rework does the work). Each answers with the page to show next."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException
from fastapi.responses import Response

from archive import preview
from station import rework

from .auth import Session, session
from .site import Site, current_site, htmx_redirect

router = APIRouter()
SiteDep = Annotated[Site, Depends(current_site)]


def _run(site: Site, op: Callable[..., list[int]], *args: Any, s: Session) -> Response:
    with site.db() as conn:
        ids = op(conn, *args, s.user.username)
        pdfs = {i: conn.execute("SELECT pdf FROM documents WHERE id = ?", (i,)).fetchone()["pdf"] for i in ids}
    # The page images of the new version, rendered while the browser reloads.
    threading.Thread(target=_render_all, args=(pdfs, site.page_cache), daemon=True).start()
    # After a split the page names the new document (with a link), not leave it to be found.
    return htmx_redirect(f"/documents/{ids[0]}" + (f"?split={ids[1]}" if len(ids) > 1 else ""))


@router.post("/documents/{doc_id}/pages/{n}/rotate")
def rotate(doc_id: int, n: int, site: SiteDep, turn: int = Form(90), s: Session = Depends(session)) -> Response:
    if turn % 90:
        raise HTTPException(400, "chỉ xoay được 90, 180 hoặc 270 độ (turn by 90, 180 or 270 degrees)")
    return _run(site, rework.rotate, doc_id, n, turn, s=s)


@router.post("/documents/{doc_id}/pages/{n}/delete")
def delete(doc_id: int, n: int, site: SiteDep, s: Session = Depends(session)) -> Response:
    return _run(site, rework.delete_page, doc_id, n, s=s)


@router.post("/documents/{doc_id}/pages/{n}/move")
def move(doc_id: int, n: int, site: SiteDep, to: int = Form(...), s: Session = Depends(session)) -> Response:
    return _run(site, rework.move_page, doc_id, n, to, s=s)


@router.post("/documents/{doc_id}/split")
def split(doc_id: int, site: SiteDep, at: int = Form(...), s: Session = Depends(session)) -> Response:
    return _run(site, rework.split, doc_id, at, s=s)


@router.post("/documents/{doc_id}/reread")
def reread(doc_id: int, site: SiteDep, s: Session = Depends(session)) -> Response:
    return _run(site, rework.reread, doc_id, s=s)


@router.post("/documents/merge")
def merge(site: SiteDep, ids: list[int] = Form(...), s: Session = Depends(session)) -> Response:
    return _run(site, rework.merge, ids, s=s)


def _render_all(pdfs: dict[int, str], cache: Path) -> None:
    for doc_id, pdf in pdfs.items():
        try:
            preview.render(Path(pdf), cache, doc_id)
        except (RuntimeError, OSError):
            pass  # the page renders what it needs on request
