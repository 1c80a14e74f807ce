"""The review pages: the queue and the document page (page images with zoom, word
overlay, fields with confidence colours, corrections, approve and next, reject).
Server-rendered; htmx for updates."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from archive import preview
from classifiers import reference
from classifiers.header import URGENCY
from classifiers.reference import doc_types
from errors import NotFound
from models import audit, documents, register, units
from models.record import DocumentRecord
from models.secrecy import LEVELS
from models.status import status as station_status
from models.validation import LABELS as FIELD_LABELS
from models.validation import REQUIRED, VIETNAM, show_date, type_codes, vietnam_today
from ocr.types import centre_in
from station.pipeline import words_path

from .auth import Session, session
from .site import Site, current_site, htmx_redirect
from .wording import describe

router = APIRouter()
SiteDep = Annotated[Site, Depends(current_site)]
_render_locks: dict[int, threading.Lock] = {}  # one rendering of a document's pages at a time

LABELS = {k: v for k, v in FIELD_LABELS.items() if k != "duplicate"}  # the fields the page shows
AMENDABLE = {st.value for st in documents.AMENDABLE}
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
            "arrived": datetime.fromtimestamp(r["created_at"], VIETNAM).strftime("%d/%m %H:%M"),
            "subject": (json.loads(r["record"])["fields"].get("subject") or {}).get("value"),
        }
        for r in rows
    ]
    return {"docs": docs, "counts": counts}


@router.get("/", response_class=HTMLResponse)
def queue(request: Request, site: SiteDep, done: int | None = None, s: Session = Depends(session)) -> Response:
    context = _queue_context(site)
    if done:
        with site.db() as conn:
            context["banner"] = approval_banner(conn, done)
    return site.render(request, "queue.html", s, context)


@router.get("/queue/rows", response_class=HTMLResponse)
def rows(request: Request, site: SiteDep, s: Session = Depends(session)) -> Response:
    return site.render(request, "queue_rows.html", s, _queue_context(site))


@router.get("/documents/{doc_id}", response_class=HTMLResponse)
def document(
    doc_id: int,
    request: Request,
    site: SiteDep,
    done: int | None = None,
    split: int | None = None,
    s: Session = Depends(session),
) -> Response:
    context = document_context(site, s, doc_id, done=done)
    context["split"] = split
    return site.render(request, "document.html", s, context)


def document_context(site: Site, s: Session, doc_id: int, *, done: int | None = None, saved: str = "") -> dict:
    """Everything the document page shows (also re-rendered after a save, so the
    colours follow the corrections)."""
    with site.db() as conn:
        row = site.document(conn, doc_id)
        entry = register.entry(conn, doc_id)
        history = audit.history(conn, "document", doc_id, limit=50) + audit.history(conn, "register", doc_id, limit=5)
        record = json.loads(row["record"])
        order = documents.queue_order(conn, site.skipped(s))
        nxt = documents.next_of(order, doc_id)
        next_label = _label(conn, nxt)
        incoming = site.is_incoming(conn, doc_id)
        arrival = _arrival_form(conn, record, entry) if incoming and row["state"] == "review" else None
        duplicate = register.duplicate_text(conn, row["duplicate_of"]) if row["duplicate_of"] else ""
        issuers_seen = [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT issuer FROM documents WHERE issuer IS NOT NULL AND state IN "
                "('approved', 'signed', 'delivered', 'secret') ORDER BY issuer"
            )
        ]
        banner = approval_banner(conn, done) if done else None
        scan = conn.execute("SELECT source FROM jobs WHERE id = ?", (row["job_id"],)).fetchone()
    pages = _pages_with_words(Path(row["pdf"]), record)
    history.sort(key=lambda h: h["id"], reverse=True)
    return {
        "doc": row,
        "record": record,
        "pages": pages,
        "fields": _fields(record, pages),
        "editable": row["state"] == "review",
        "amendable": documents.amendable(row),
        "register": entry,
        "arrival": arrival,
        "duplicate": duplicate,
        "history": [describe(h) for h in history],
        "next_id": nxt,
        "next_label": next_label,
        "position": (order.index(doc_id) + 1, len(order)) if doc_id in order else None,
        "banner": banner,
        "saved": saved,
        "has_scan": bool(scan) and Path(scan["source"]).exists(),
        "choices": _choices(issuers_seen),
        # The images change when the pages do; the version keeps browsers from showing old ones.
        "version": int(Path(row["pdf"]).stat().st_mtime) if Path(row["pdf"]).exists() else 0,
    }


def approval_banner(conn, doc_id: int) -> dict | None:
    """'Đã vào sổ số đến 5/2026 – 318/VKHXH-QLKH · Hoàn tác' while the approval of
    `doc_id` can still be undone (and what it got, once it cannot)."""
    row = conn.execute("SELECT id, so_ky_hieu, state, release_at FROM documents WHERE id = ?", (doc_id,)).fetchone()
    if row is None:
        return None
    line = register.entry(conn, doc_id)
    left = (row["release_at"] or 0) - time.time()
    return {
        "id": doc_id,
        "so_den": f"{line['so_den']}/{line['year']}" if line else None,
        "so_ky_hieu": row["so_ky_hieu"] or "(chưa có số, ký hiệu)",
        "undoable": documents.in_grace(row),
        "seconds": max(0, round(left)),
        "state": row["state"],
    }


def _label(conn, doc_id: int | None) -> str:
    if doc_id is None:
        return ""
    row = conn.execute("SELECT so_ky_hieu FROM documents WHERE id = ?", (doc_id,)).fetchone()
    return (row["so_ky_hieu"] if row else None) or f"văn bản #{doc_id}"


def _arrival_form(conn, record: DocumentRecord, entry) -> dict:
    """The arrival entry's inputs as the page first shows them: the number it will get,
    today in Vietnam (or the ĐẾN stamp's date when one was read), the page count."""
    earlier = record.get("arrival") or {}  # an approval undone: what the clerk had entered
    stamp = record.get("arrival_stamp") or {}
    today = vietnam_today()
    stamped = stamp.get("date")
    from_stamp = bool(stamped) and not earlier and str(stamped) <= today.isoformat()
    received = earlier.get("received_on") or (stamped if from_stamp else today.isoformat())
    return {
        "so_den": f"{entry['so_den']}/{entry['year']}"
        if entry
        else f"{register.next_number(conn, today.year)}/{today.year}",
        "reserved": entry is not None,
        "date": show_date(received),
        "from_stamp": from_stamp,
        "handler": earlier.get("handler") or "",
        "due": show_date(earlier.get("due")),
        "pages": earlier.get("pages") or len(record.get("pages", [])) or "",
        "note": earlier.get("note") or "",
        "units": units.names(conn),
    }


def _choices(issuers_seen: list[str]) -> dict:
    """Suggestions and fixed choices that spare the clerk typing."""
    return {
        "types": [t.name for t in doc_types()],
        "type_codes": json.dumps(type_codes(), ensure_ascii=False),
        "issuers": sorted(set(reference.issuers()) | set(issuers_seen)),
        "places": list(reference.places()),
        "secrecy": list(LEVELS),
        "urgency": URGENCY[::-1],  # the lowest first, as the secrecy levels
    }


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


# Inputs of more than one line: long names wrap instead of hiding their end.
MULTILINE = {"subject": 3, "recipients": 2, "issuer": 2, "parent_issuer": 2, "signer_title": 2, "signing_authority": 2}
CHOICES = {"type", "secrecy", "urgency"}  # fixed lists (reference types, Decree 30's marks)
SUGGESTED = {"issuer": "issuers", "parent_issuer": "issuers", "place": "places"}
LINE_CROP = {"so_ky_hieu", "date"}  # their line of the page, enlarged under the field


@router.get("/documents/{doc_id}/scan")
def download_scan(doc_id: int, site: SiteDep, s: Session = Depends(session)) -> Response:
    """The scanner's file this document was read from, as it arrived (beside a PDF
    whose pages were turned, moved or split since)."""
    with site.db() as conn:
        row = site.document(conn, doc_id)
        job = conn.execute("SELECT source, name FROM jobs WHERE id = ?", (row["job_id"],)).fetchone()
    if job is None or not Path(job["source"]).exists():
        raise NotFound("bản quét gốc của văn bản này không còn lưu trên trạm")
    return FileResponse(job["source"], filename=job["name"])


def _fields(record: dict, pages: list[dict]) -> list[dict]:
    out = []
    for name, label in LABELS.items():
        f = record.get("fields", {}).get(name) or {}
        value = f.get("value")
        page_i = f.get("page") or 1
        page = pages[page_i - 1] if 0 < page_i <= len(pages) else None
        box = f.get("box")
        conf = float(f.get("confidence", 0.0))
        empty = value in (None, "", [])
        corrected = f.get("source") == "corrected"
        if empty and name in OPTIONAL:
            level, says = "none", "không có"
        elif empty:  # red only where the register needs it; elsewhere a reminder
            level, says = ("low" if name in REQUIRED else "mid"), "chưa đọc được"
        elif corrected:
            level, says = "high", "đã sửa"
        else:
            level = "high" if conf >= 0.9 else "mid" if conf >= 0.7 else "low"
            says = f"độ tin cậy {round(100 * conf)}%"
        shown = "; ".join(value) if isinstance(value, list) else show_date(value) if name == "date" else value or ""
        handwritten = f.get("source") == "handwritten"
        out.append(
            {
                "name": name,
                "label": label,
                "value": shown,
                "level": level,
                "says": says,
                "rows": MULTILINE.get(name, 0),
                "choice": name in CHOICES,
                "list": SUGGESTED.get(name, ""),
                "page": page_i,
                "box_pct": _pct(box, page["size"]) if box and page else "",
                "crop": _crop(box, page, handwritten) if box and page and (handwritten or name in LINE_CROP) else "",
                "handwritten": handwritten,
            }
        )
    return out


def _crop(box: list[int], page: dict, handwritten: bool) -> str:
    """CSS that shows, under a field, where it stands on the page (the page image cut
    to that place by background position): the written digits of a handwritten slot,
    or the field's whole line for the number and the date."""
    inside = [b for b in page.get("handwritten", []) if centre_in(b, box)] if handwritten else []
    boxes = inside or [box]
    w, h = page["size"]
    pad = 0.4 * max(b[3] - b[1] for b in boxes)
    cx0, cy0 = max(0.0, min(b[0] for b in boxes) - pad), max(0.0, min(b[1] for b in boxes) - pad)
    cx1, cy1 = min(w, max(b[2] for b in boxes) + pad), min(h, max(b[3] for b in boxes) + pad)
    cw, ch = max(1.0, cx1 - cx0), max(1.0, cy1 - cy0)
    size = f"{100 * w / cw:.1f}% {100 * h / ch:.1f}%"
    pos_x = 100 * cx0 / (w - cw) if w > cw else 0
    pos_y = 100 * cy0 / (h - ch) if h > ch else 0
    return f"background-size: {size}; background-position: {pos_x:.2f}% {pos_y:.2f}%; aspect-ratio: {cw:.0f} / {ch:.0f}"


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
