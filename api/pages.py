"""The review pages: the queue and the document page (page images, word overlay, fields
with confidence colours, corrections, approval). Server-rendered; htmx for updates."""
from __future__ import annotations

import json
import subprocess
from datetime import datetime
from pathlib import Path

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from models import documents, jobs, search
from models.db import connect

from .auth import Session, session

HERE = Path(__file__).parent
LABELS = {
    "so_ky_hieu": "Số, ký hiệu", "date": "Ngày ban hành", "place": "Địa danh", "issuer": "Cơ quan ban hành",
    "parent_issuer": "Cơ quan chủ quản", "type": "Loại văn bản", "subject": "Trích yếu", "signer": "Người ký",
    "signer_title": "Chức vụ người ký", "signing_authority": "Thẩm quyền ký", "secrecy": "Độ mật",
    "urgency": "Độ khẩn", "recipients": "Nơi nhận",
}
COLUMNS = {"so_ky_hieu": "so_ky_hieu", "issuer": "issuer", "date": "issued", "type": "type", "secrecy": "secrecy",
           "urgency": "urgency"}
LOW_WORD = 75  # words read with less confidence are outlined on the page
# Fields most documents do not have: absent is a normal answer, not a weak reading.
OPTIONAL = {"parent_issuer", "secrecy", "urgency"}


def install(app: FastAPI, data_dir: Path) -> None:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    db = data_dir / "station.db"
    cache = data_dir / "cache" / "pages"

    def queue_rows() -> list[dict]:
        conn = connect(db)
        try:
            rows = documents.review_queue(conn)
        finally:
            conn.close()
        return [dict(r) | {"arrived": datetime.fromtimestamp(r["created_at"]).strftime("%d/%m %H:%M")} for r in rows]

    @app.get("/", response_class=HTMLResponse)
    def queue(request: Request, s: Session = Depends(session)):
        return templates.TemplateResponse(request, "queue.html", {"docs": queue_rows(), "user": s.user, "csrf": s.csrf})

    @app.get("/queue/rows", response_class=HTMLResponse)
    def rows(request: Request, s: Session = Depends(session)):
        return templates.TemplateResponse(request, "queue_rows.html", {"docs": queue_rows()})

    def load(doc_id: int):
        conn = connect(db)
        try:
            row = conn.execute("SELECT * FROM documents WHERE id = ?", (doc_id,)).fetchone()
        finally:
            conn.close()
        if row is None:
            raise HTTPException(404, "không có văn bản này (no such document)")
        return row

    @app.get("/documents/{doc_id}", response_class=HTMLResponse)
    def document(doc_id: int, request: Request, s: Session = Depends(session)):
        row = load(doc_id)
        record = json.loads(row["record"])
        pages = _pages_with_words(Path(row["pdf"]), record)
        fields = []
        for name, label in LABELS.items():
            f = record.get("fields", {}).get(name) or {}
            value = f.get("value")
            page_i = f.get("page") or 1
            size = pages[page_i - 1]["size"] if 0 < page_i <= len(pages) else None
            box = f.get("box")
            conf = float(f.get("confidence", 0.0))
            fields.append({
                "name": name, "label": label, "value": "; ".join(value) if isinstance(value, list) else (value or ""),
                "confidence_pct": round(100 * conf),
                "level": "none" if value in (None, "", []) and name in OPTIONAL
                else "high" if conf >= 0.9 else "mid" if conf >= 0.7 else "low",
                "page": page_i, "box_pct": _pct(box, size) if box and size else "",
            })
        return templates.TemplateResponse(request, "document.html", {
            "doc": row, "pages": pages, "fields": fields, "user": s.user, "csrf": s.csrf})

    @app.get("/documents/{doc_id}/pages/{n}.png")
    def page_image(doc_id: int, n: int, s: Session = Depends(session)):
        row = load(doc_id)
        cache.mkdir(parents=True, exist_ok=True)
        png = cache / f"{doc_id}-{n}.png"
        pdf = Path(row["pdf"])
        if not png.exists() or png.stat().st_mtime < pdf.stat().st_mtime:
            out = subprocess.run(["pdftoppm", "-png", "-r", "100", "-f", str(n), "-l", str(n), "-singlefile",
                                  str(pdf), str(png.with_suffix(""))], capture_output=True, timeout=60)
            if out.returncode != 0 or not png.exists():
                raise HTTPException(404, f"trang {n} không có (no page {n})")
        return FileResponse(png, media_type="image/png")

    @app.post("/documents/{doc_id}/fields", response_class=HTMLResponse)
    async def correct(doc_id: int, request: Request, s: Session = Depends(session)):
        form = await request.form()
        conn = connect(db)
        try:
            with conn:
                conn.execute("BEGIN IMMEDIATE")
                row = conn.execute("SELECT * FROM documents WHERE id = ?", (doc_id,)).fetchone()
                if row is None or row["state"] != "review":
                    raise HTTPException(409, "văn bản không còn chờ duyệt (no longer waiting for review)")
                record = json.loads(row["record"])
                fields = record.setdefault("fields", {})
                changed = {}
                for name in LABELS:
                    if name not in form:
                        continue
                    new = str(form[name]).strip()
                    old = fields.get(name) or {}
                    old_value = old.get("value")
                    shown = "; ".join(old_value) if isinstance(old_value, list) else (old_value or "")
                    if new == str(shown):
                        continue
                    value = [v.strip() for v in new.split(";") if v.strip()] if name == "recipients" else (new or None)
                    fields[name] = {**old, "value": value, "confidence": 1.0, "source": "corrected"}
                    changed[name] = (old_value, value)
                if changed:
                    sets = ", ".join(f"{COLUMNS[n]} = ?" for n in changed if n in COLUMNS)
                    args = [changed[n][1] for n in changed if n in COLUMNS]
                    conn.execute(f"UPDATE documents SET record = ?{', ' + sets if sets else ''} WHERE id = ?",
                                 (json.dumps(record, ensure_ascii=False), *args, doc_id))
                    search.index(conn, doc_id, record)
                    jobs.audit(conn, "document", doc_id, "corrected", before={k: v[0] for k, v in changed.items()},
                               after={k: v[1] for k, v in changed.items()}, actor=s.user.username)
        finally:
            conn.close()
        return f"Đã lưu {len(changed)} trường." if changed else "Không có gì thay đổi."


def _pct(box, size) -> str:
    x0, y0, x1, y1 = box
    w, h = size
    return ",".join(f"{v:.2f}" for v in (100 * x0 / w, 100 * y0 / h, 100 * (x1 - x0) / w, 100 * (y1 - y0) / h))


def _pages_with_words(pdf: Path, record: dict) -> list[dict]:
    """Page sizes and low-confidence words (as page percentages) from X.words.json,
    which lies beside the unsigned PDF (the signed copy is in signed/)."""
    for words_file in (pdf.with_suffix(".words.json"), pdf.parent.parent / f"{pdf.stem}.words.json"):
        if words_file.exists():
            break
    else:
        return [{"size": (p.get("width_px", 1), p.get("height_px", 1)), "words": []} for p in record.get("pages", [])]
    out = []
    for p in json.loads(words_file.read_text())["pages"]:
        w, h = p["width_px"], p["height_px"]
        words = [{"text": t, "confidence": round(c), "low": c < LOW_WORD,
                  "x": round(100 * b[0] / w, 2), "y": round(100 * b[1] / h, 2),
                  "w": round(100 * (b[2] - b[0]) / w, 2), "h": round(100 * (b[3] - b[1]) / h, 2)}
                 for t, b, c, _, _ in p["words"]]
        out.append({"size": (w, h), "words": words})
    return out
