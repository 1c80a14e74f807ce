"""Page operations from the document page: turn, delete and move pages, split, merge,
read again (station.rework does the work). Each answers with the page to show next."""
from __future__ import annotations

import threading
from pathlib import Path

from fastapi import Depends, FastAPI, Form, HTTPException

from station import rework
from station.archive import preview

from .auth import Session, session
from .site import Site, htmx_redirect


def install(app: FastAPI, site: Site) -> None:
    cache = site.data_dir / "cache" / "pages"

    def run(op, *args, s: Session):
        with site.db() as conn:
            try:
                ids = op(conn, *args, s.user.username)
            except rework.ReworkError as e:
                raise HTTPException(409, str(e))
            pdfs = {i: conn.execute("SELECT pdf FROM documents WHERE id = ?", (i,)).fetchone()["pdf"] for i in ids}
        # The page images of the new version, rendered while the browser reloads.
        threading.Thread(target=_render_all, args=(pdfs, cache), daemon=True).start()
        return htmx_redirect(f"/documents/{ids[0]}")

    @app.post("/documents/{doc_id}/pages/{n}/rotate")
    def rotate(doc_id: int, n: int, turn: int = Form(90), s: Session = Depends(session)):
        if turn % 90:
            raise HTTPException(400, "chỉ xoay được 90, 180 hoặc 270 độ (turn by 90, 180 or 270 degrees)")
        return run(rework.rotate, doc_id, n, turn, s=s)

    @app.post("/documents/{doc_id}/pages/{n}/delete")
    def delete(doc_id: int, n: int, s: Session = Depends(session)):
        return run(rework.delete_page, doc_id, n, s=s)

    @app.post("/documents/{doc_id}/pages/{n}/move")
    def move(doc_id: int, n: int, to: int = Form(...), s: Session = Depends(session)):
        return run(rework.move_page, doc_id, n, to, s=s)

    @app.post("/documents/{doc_id}/split")
    def split(doc_id: int, at: int = Form(...), s: Session = Depends(session)):
        return run(rework.split, doc_id, at, s=s)

    @app.post("/documents/{doc_id}/reread")
    def reread(doc_id: int, s: Session = Depends(session)):
        return run(rework.reread, doc_id, s=s)

    @app.post("/documents/merge")
    def merge(ids: list[int] = Form(...), s: Session = Depends(session)):
        return run(rework.merge, ids, s=s)


def _render_all(pdfs: dict[int, str], cache: Path) -> None:
    for doc_id, pdf in pdfs.items():
        try:
            preview.render(Path(pdf), cache, doc_id)
        except (RuntimeError, OSError):
            pass  # the page renders what it needs on request
