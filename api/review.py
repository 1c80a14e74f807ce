"""The review pages: the queue and the document page (page images with zoom, word
overlay, fields with confidence colours, corrections, approve and next, reject).
Server-rendered; htmx for updates."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from archive import preview
from errors import NotFound
from models import audit, documents, register
from models.record import DocumentRecord
from models.status import status as station_status
from ocr.types import centre_in
from station.pipeline import words_path

from .auth import Session, session
from .site import Site, current_site, htmx_redirect

router = APIRouter()
SiteDep = Annotated[Site, Depends(current_site)]
_render_locks: dict[int, threading.Lock] = {}  # one rendering of a document's pages at a time

LABELS = {
    "so_ky_hieu": "Số, ký hiệu",
    "date": "Ngày ban hành",
    "place": "Địa danh",
    "issuer": "Cơ quan ban hành",
    "parent_issuer": "Cơ quan chủ quản",
    "type": "Loại văn bản",
    "subject": "Trích yếu",
    "signer": "Người ký",
    "signer_title": "Chức vụ người ký",
    "signing_authority": "Thẩm quyền ký",
    "secrecy": "Độ mật",
    "urgency": "Độ khẩn",
    "recipients": "Nơi nhận",
}
LOW_WORD = 75  # words read with less confidence are outlined on the page
# Fields most documents do not have: absent is a normal answer, not a weak reading.
OPTIONAL = {"parent_issuer", "secrecy", "urgency", "signing_authority"}


def _queue_context(site: Site) -> dict[str, Any]:
    with site.db() as conn:
        rows = documents.review_queue(conn)
        counts = station_status(conn)
    docs = [
        dict(r)
        | {
            "arrived": datetime.fromtimestamp(r["created_at"]).strftime("%d/%m %H:%M"),
            "subject": (json.loads(r["record"])["fields"].get("subject") or {}).get("value"),
        }
        for r in rows
    ]
    return {"docs": docs, "counts": counts}


@router.get("/", response_class=HTMLResponse)
def queue(request: Request, site: SiteDep, s: Session = Depends(session)) -> Response:
    return site.render(request, "queue.html", s, _queue_context(site))


@router.get("/queue/rows", response_class=HTMLResponse)
def rows(request: Request, site: SiteDep, s: Session = Depends(session)) -> Response:
    return site.render(request, "queue_rows.html", s, _queue_context(site))


@router.get("/documents/{doc_id}", response_class=HTMLResponse)
def document(doc_id: int, request: Request, site: SiteDep, s: Session = Depends(session)) -> Response:
    with site.db() as conn:
        row = site.document(conn, doc_id)
        entry = register.entry(conn, doc_id)
        history = audit.history(conn, "document", doc_id, limit=50)
        next_id = documents.next_in_queue(conn, doc_id)
    record = json.loads(row["record"])
    pages = _pages_with_words(Path(row["pdf"]), record)
    return site.render(
        request,
        "document.html",
        s,
        {
            "doc": row,
            "record": record,
            "pages": pages,
            "fields": _fields(record, pages),
            "editable": row["state"] == "review",
            "register": entry,
            "history": history,
            "next_id": next_id,
            # The images change when the pages do; the version keeps browsers from showing old ones.
            "version": int(Path(row["pdf"]).stat().st_mtime) if Path(row["pdf"]).exists() else 0,
        },
    )


@router.get("/documents/{doc_id}/pages/{n}.jpg")
def page_image(doc_id: int, n: int, site: SiteDep, thumb: bool = False, s: Session = Depends(session)) -> Response:
    with site.db() as conn:
        row = site.document(conn, doc_id)
    pdf = Path(row["pdf"])
    image = preview.preview_path(site.page_cache, doc_id, n, thumb)
    if not preview.fresh(image, pdf):
        # Not rendered yet (or the pages changed): the first request renders the whole
        # document once; the page's other image requests wait for it, not render again.
        with _render_locks.setdefault(doc_id, threading.Lock()):
            if not preview.fresh(image, pdf):
                try:
                    preview.render(pdf, site.page_cache, doc_id)
                except (RuntimeError, OSError):
                    pass
    if not image.exists():
        raise HTTPException(404, f"trang {n} không có (no page {n})")
    return FileResponse(image, media_type="image/jpeg")


@router.post("/documents/{doc_id}/fields", response_class=HTMLResponse)
async def correct(doc_id: int, request: Request, site: SiteDep, s: Session = Depends(session)) -> str:
    form = await request.form()
    with site.db() as conn:
        changed = _save_fields(conn, doc_id, form, s)
    return f"Đã lưu {changed} trường." if changed else "Không có gì thay đổi."


@router.post("/documents/{doc_id}/approve")
async def approve_and_next(doc_id: int, request: Request, site: SiteDep, s: Session = Depends(session)) -> Response:
    """Save what is in the form, approve, and open the next document of the queue."""
    form = await request.form()
    with site.db() as conn:
        _save_fields(conn, doc_id, form, s)
        register.approve(conn, doc_id, s.user.username, register=site.is_incoming(conn, doc_id))
        nxt = documents.next_in_queue(conn, doc_id)
    return htmx_redirect(f"/documents/{nxt}" if nxt else "/")


@router.post("/documents/{doc_id}/reject")
async def reject(doc_id: int, request: Request, site: SiteDep, s: Session = Depends(session)) -> Response:
    form = await request.form()
    with site.db() as conn:
        documents.reject(conn, doc_id, str(form.get("reason", "")), s.user.username)
        nxt = documents.next_in_queue(conn, doc_id)
    return htmx_redirect(f"/documents/{nxt}" if nxt else "/")


@router.post("/documents/{doc_id}/secrecy/confirm", response_class=HTMLResponse)
def confirm_secrecy(doc_id: int, site: SiteDep, s: Session = Depends(session)) -> Response:
    """The second person's confirmation that a secrecy mark may be lowered."""
    with site.db() as conn:
        documents.confirm_secrecy_release(conn, doc_id, s.user.username, s.user.role)
    return htmx_redirect(f"/documents/{doc_id}")


@router.get("/documents/{doc_id}/signature", response_class=HTMLResponse)
def signature(doc_id: int, request: Request, site: SiteDep, s: Session = Depends(session)) -> Response:
    """The signature status, checked now (loaded after the page, as it takes a moment)."""
    from archive.verify import verify_pdf

    with site.db() as conn:
        row = site.document(conn, doc_id)
    record = json.loads(row["record"])
    result = verify_pdf(Path(row["pdf"]), list(site.trust_roots)) if record.get("signature") else None
    return site.render(request, "signature.html", s, {"result": result.to_json() if result else None})


@router.get("/documents/{doc_id}/file")
def download(doc_id: int, site: SiteDep, s: Session = Depends(session)) -> Response:
    with site.db() as conn:
        row = site.document(conn, doc_id)
    return FileResponse(row["pdf"], media_type="application/pdf", filename=Path(row["pdf"]).name)


@router.get("/documents/{doc_id}/original")
def download_original(doc_id: int, site: SiteDep, s: Session = Depends(session)) -> Response:
    """The file as the sender sent it, byte for byte (its signature intact)."""
    from delivery.package import original_beside

    with site.db() as conn:
        row = site.document(conn, doc_id)
    path = original_beside(Path(row["pdf"]), json.loads(row["record"]))
    if path is None:
        raise NotFound("văn bản này không có bản gốc điện tử được lưu (this document has no kept original)")
    return FileResponse(path, media_type="application/pdf", filename=path.name)


def _fields(record: dict, pages: list[dict]) -> list[dict]:
    out = []
    for name, label in LABELS.items():
        f = record.get("fields", {}).get(name) or {}
        value = f.get("value")
        page_i = f.get("page") or 1
        size = pages[page_i - 1]["size"] if 0 < page_i <= len(pages) else None
        box = f.get("box")
        conf = float(f.get("confidence", 0.0))
        out.append(
            {
                "name": name,
                "label": label,
                "value": "; ".join(value) if isinstance(value, list) else (value or ""),
                "confidence_pct": round(100 * conf),
                "corrected": f.get("source") == "corrected",
                "level": "none"
                if value in (None, "", []) and name in OPTIONAL
                else "high"
                if conf >= 0.9
                else "mid"
                if conf >= 0.7
                else "low",
                "page": page_i,
                "box_pct": _pct(box, size) if box and size else "",
                "crop": _slot_crop(box, pages[page_i - 1]) if box and size and f.get("source") == "handwritten" else "",
            }
        )
    return out


def _slot_crop(box: list[int], page: dict) -> str:
    """CSS that shows, beside a field read from handwriting, the written digits as they
    stand on the page (the page image cropped to the slot by background position)."""
    inside = [b for b in page.get("handwritten", []) if centre_in(b, box)]
    if not inside:
        return ""
    w, h = page["size"]
    pad = 0.4 * max(b[3] - b[1] for b in inside)
    cx0, cy0 = max(0.0, min(b[0] for b in inside) - pad), max(0.0, min(b[1] for b in inside) - pad)
    cx1, cy1 = min(w, max(b[2] for b in inside) + pad), min(h, max(b[3] for b in inside) + pad)
    cw, ch = max(1.0, cx1 - cx0), max(1.0, cy1 - cy0)
    size = f"{100 * w / cw:.1f}% {100 * h / ch:.1f}%"
    pos_x = 100 * cx0 / (w - cw) if w > cw else 0
    pos_y = 100 * cy0 / (h - ch) if h > ch else 0
    return f"background-size: {size}; background-position: {pos_x:.2f}% {pos_y:.2f}%; aspect-ratio: {cw:.0f} / {ch:.0f}"


def _save_fields(conn, doc_id: int, form, s: Session) -> int:
    """The form's field values, applied by the model (which audits and guards secrecy)."""
    values = {name: str(form[name]) for name in LABELS if name in form}
    return documents.correct_fields(
        conn, doc_id, values, s.user.username, s.user.role, str(form.get("secrecy_reason", ""))
    )


def _pct(box, size) -> str:
    x0, y0, x1, y1 = box
    w, h = size
    return ",".join(f"{v:.2f}" for v in (100 * x0 / w, 100 * y0 / h, 100 * (x1 - x0) / w, 100 * (y1 - y0) / h))


def _pages_with_words(pdf: Path, record: DocumentRecord) -> list[dict]:
    """Page sizes and low-confidence words (as page percentages) from the document's
    words file, which lies beside the unsigned PDF (the signed copy is in signed/)."""
    words_file = words_path(pdf, record)
    if not words_file.exists():
        return [{"size": (p.get("width_px", 1), p.get("height_px", 1)), "words": []} for p in record.get("pages", [])]
    out = []
    for p in json.loads(words_file.read_text())["pages"]:
        w, h = p["width_px"], p["height_px"]
        words = [
            {
                "text": t,
                "confidence": round(c),
                "x": round(100 * b[0] / w, 2),
                "y": round(100 * b[1] / h, 2),
                "w": round(100 * (b[2] - b[0]) / w, 2),
                "h": round(100 * (b[3] - b[1]) / h, 2),
            }
            for t, b, c, _, _ in p["words"]
            if c < LOW_WORD
        ]
        handwritten = [b for _, b, _, _, _ in p.get("handwritten", [])]
        out.append({"size": (w, h), "words": words, "handwritten": handwritten})
    return out
