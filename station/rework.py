"""A clerk's changes to the pages of documents still in review: turn, delete and
reorder pages, split a document in two, merge documents, read pages again.

Every change writes a new PDF/A beside the old one (which stays, for the audit trail)
and switches the document row to it in one transaction. Pages that keep their reading
are copied from the current PDF/A as they are (same image object, same placement,
same words), so deleting or moving pages takes a fraction of a second; pages that are
turned or read again go back to the original scan (kept in processed/) and through
the same page pipeline as at intake. Fields are read again from the new page set;
fields a clerk has corrected keep the clerk's value."""

from __future__ import annotations

import json
import re
import sqlite3
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pikepdf

from archive import ArchivePage, archived_page
from archive.original import Original
from classifiers import extract
from classifiers.sender import weigh_sender_signature
from errors import Refused
from models import documents
from models.jobs import audit
from models.record import DocumentRecord
from models.states import DocumentState, transition
from ocr import RecognisedPage

from .page_work import PageTask, run_page
from .pipeline import DocumentResult, words_path, write_document


class ReworkError(Refused):
    """Said to the clerk as it is: plain words, in Vietnamese first."""


@dataclass(frozen=True)
class PageRef:
    doc_id: int
    page: int  # 1-based, in that document as it is now
    turn: int = 0  # clockwise degrees the clerk asks for, on top of the current orientation
    reread: bool = False  # run recognition again from the original scan


@dataclass
class _Doc:
    row: sqlite3.Row
    record: DocumentRecord
    pages: list[RecognisedPage]
    origins: list[dict[str, Any]]  # per page: {"job", "index", "rotation"?} - where to read it again

    @property
    def pdf(self) -> Path:
        return Path(self.row["pdf"])


def pages_of(conn: sqlite3.Connection, doc_id: int) -> list[PageRef]:
    d = _load(conn, doc_id)
    _check_review(d)
    return [PageRef(doc_id, i) for i in range(1, len(d.pages) + 1)]


def rotate(conn: sqlite3.Connection, doc_id: int, page: int, turn: int, actor: str) -> list[int]:
    refs = pages_of(conn, doc_id)
    _check_page(refs, page)
    refs[page - 1] = PageRef(doc_id, page, turn % 360, reread=True)
    return apply(conn, doc_id, [refs], actor, f"rotated page {page} by {turn % 360}°")


def delete_page(conn: sqlite3.Connection, doc_id: int, page: int, actor: str) -> list[int]:
    refs = pages_of(conn, doc_id)
    _check_page(refs, page)
    if len(refs) == 1:
        raise ReworkError(
            "không xóa được trang duy nhất; hãy từ chối văn bản (the only page cannot be deleted; "
            "reject the document instead)"
        )
    return apply(conn, doc_id, [refs[: page - 1] + refs[page:]], actor, f"deleted page {page}")


def move_page(conn: sqlite3.Connection, doc_id: int, page: int, to: int, actor: str) -> list[int]:
    refs = pages_of(conn, doc_id)
    _check_page(refs, page)
    _check_page(refs, to)
    ref = refs.pop(page - 1)
    refs.insert(to - 1, ref)
    return apply(conn, doc_id, [refs], actor, f"moved page {page} to {to}")


def split(conn: sqlite3.Connection, doc_id: int, at: int, actor: str) -> list[int]:
    """Pages from `at` on become a new document; returns [this id, the new id]."""
    refs = pages_of(conn, doc_id)
    if not 2 <= at <= len(refs):
        raise ReworkError(f"không tách được tại trang {at} (cannot split at page {at})")
    return apply(conn, doc_id, [refs[: at - 1], refs[at - 1 :]], actor, f"split before page {at}")


def merge(conn: sqlite3.Connection, doc_ids: list[int], actor: str) -> list[int]:
    """The pages of all documents, in the order given, become the first one; the
    others are marked merged into it."""
    ids = list(dict.fromkeys(doc_ids))
    if len(ids) < 2:
        raise ReworkError("chọn ít nhất hai văn bản để gộp (choose at least two documents to merge)")
    refs = [r for d in ids for r in pages_of(conn, d)]
    return apply(conn, ids[0], [refs], actor, f"merged documents {', '.join(map(str, ids))}")


def reread(conn: sqlite3.Connection, doc_id: int, actor: str) -> list[int]:
    refs = [PageRef(r.doc_id, r.page, reread=True) for r in pages_of(conn, doc_id)]
    return apply(conn, doc_id, [refs], actor, "recognised again")


def apply(
    conn: sqlite3.Connection, keep: int, outputs: list[list[PageRef]], actor: str, action: str, workers: int = 2
) -> list[int]:
    """Make `outputs` the documents: the first replaces document `keep`, each further
    one is a new document; any other document whose pages were used is marked merged.
    Returns the ids of the resulting documents."""
    involved = {keep} | {r.doc_id for out in outputs for r in out}
    docs = {d: _load(conn, d) for d in involved}
    for doc in docs.values():
        _check_review(doc)
    with tempfile.TemporaryDirectory(prefix="station-rework-") as tmp:
        placed = _place_pages(conn, docs, outputs, Path(tmp), workers)
        keeper = docs[keep]
        source_name = _source_name(conn, keeper)
        known = documents.registered_issuers(conn)
        written: list[tuple[Path, DocumentRecord]] = []
        for n, out in enumerate(outputs):
            aps = [placed[(r.doc_id, r.page)] for r in out]
            corrected = corrected_fields(keeper.record) if n == 0 else {}
            note = f"{action} by {actor}"
            original = _shared_original([docs[r.doc_id] for r in out])
            written.append(
                _write(
                    keeper.pdf,
                    n,
                    [a for a, _ in aps],
                    [o for _, o in aps],
                    corrected,
                    source_name,
                    note,
                    original,
                    known,
                )
            )
    return _commit(conn, docs, keep, written, actor, action)


def _commit(
    conn: sqlite3.Connection,
    docs: dict[int, _Doc],
    keep: int,
    written: list[tuple[Path, DocumentRecord]],
    actor: str,
    action: str,
) -> list[int]:
    """The new documents in one transaction, unless someone handled one of them meanwhile."""
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        if any(
            conn.execute("SELECT state FROM documents WHERE id = ?", (d,)).fetchone()["state"] != "review" for d in docs
        ):
            raise ReworkError("văn bản vừa được người khác xử lý (someone else has just handled this document)")
        before = {d: {"pdf": docs[d].row["pdf"], "pages": len(docs[d].pages)} for d in sorted(docs)}
        documents.replace(conn, keep, str(written[0][0]), written[0][1])
        ids = [keep]
        for pdf, record in written[1:]:
            ids.append(documents.add(conn, docs[keep].row["job_id"], str(pdf), record, None))
        for d in set(docs) - {keep}:
            merged = docs[d].record | {"merged_into": keep}
            transition(conn, d, DocumentState.MERGED, actor, changes={"record": merged}, after={"into": keep})
        pages_now = {i: {"pdf": str(p), "pages": len(r["pages"])} for i, (p, r) in zip(ids, written)}
        audit(
            conn,
            "document",
            keep,
            "pages changed",
            before=before,
            after={"action": action, "documents": pages_now},
            actor=actor,
        )
    return ids


def refresh_metadata(conn: sqlite3.Connection, doc_id: int) -> Path:
    """A new PDF/A of the document with the same pages and XMP from its fields as they
    are now (after a clerk's corrections), so the signed copy carries the corrected
    values. Returns the new file; the row points at it."""
    d = _load(conn, doc_id)
    with pikepdf.open(d.pdf) as pdf:
        aps = [archived_page(pdf, d.pdf, i, rp) for i, rp in enumerate(d.pages)]
        out = _fresh(d.pdf, 0)
        write_document(aps, out, d.record.get("fields", {}), _source_name(conn, d))
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE documents SET pdf = ? WHERE id = ?", (str(out), doc_id))
    return out


# -- internals ---------------------------------------------------------------------


def _load(conn: sqlite3.Connection, doc_id: int) -> _Doc:
    row = conn.execute("SELECT * FROM documents WHERE id = ?", (doc_id,)).fetchone()
    if row is None:
        raise ReworkError(f"không có văn bản {doc_id} (no such document)")
    record = json.loads(row["record"])
    words = words_path(Path(row["pdf"]), record)
    if not words.exists():
        raise ReworkError(f"thiếu tệp nhận dạng {words.name} (the recognition file is missing)")
    pages = [RecognisedPage.from_dict(p) for p in json.loads(words.read_text(encoding="utf-8"))["pages"]]
    origins = record.get("origins") or [{"job": row["job_id"], "index": p.index} for p in pages]
    return _Doc(row, record, pages, origins)


def _source_name(conn: sqlite3.Connection, d: _Doc) -> str:
    """The scan's file name as it arrived (the metadata's source_file)."""
    return conn.execute("SELECT name FROM jobs WHERE id = ?", (d.row["job_id"],)).fetchone()["name"]


def _check_review(d: _Doc) -> None:
    if d.row["state"] != "review":
        raise ReworkError(
            f"văn bản {d.row['id']} không còn chờ duyệt (document {d.row['id']} is no longer waiting for review)"
        )


def _check_page(refs: list[PageRef], page: int) -> None:
    if not 1 <= page <= len(refs):
        raise ReworkError(f"không có trang {page} (no page {page})")


def _place_pages(
    conn: sqlite3.Connection, docs: dict[int, _Doc], outputs: list[list[PageRef]], tmp: Path, workers: int
) -> dict[tuple[int, int], tuple[ArchivePage, dict[str, Any]]]:
    """Every page the outputs use, as (ArchivePage, origin): copied, or read again."""
    placed: dict[tuple[int, int], tuple[ArchivePage, dict[str, Any]]] = {}
    tasks: list[tuple[tuple[int, int], PageTask, dict[str, Any]]] = []
    opened: dict[int, pikepdf.Pdf] = {}
    try:
        for ref in (r for out in outputs for r in out):
            d = docs[ref.doc_id]
            rp, origin = d.pages[ref.page - 1], dict(d.origins[ref.page - 1])
            if not ref.reread:
                if ref.doc_id not in opened:
                    opened[ref.doc_id] = pikepdf.open(d.pdf)
                placed[(ref.doc_id, ref.page)] = (archived_page(opened[ref.doc_id], d.pdf, ref.page - 1, rp), origin)
                continue
            if ref.turn:
                origin["rotation"] = (rp.rotation + ref.turn) % 360  # from now on, the clerk's word on it
            job = conn.execute("SELECT source FROM jobs WHERE id = ?", (origin["job"],)).fetchone()
            source = Path(job["source"]) if job else None
            if source is None or not source.exists():
                raise ReworkError(f"không còn bản quét gốc để đọc lại ({source}) (the original scan is gone)")
            task = PageTask(
                source, origin["index"], tmp / f"{ref.doc_id}-{ref.page}.pdf", rotation=origin.get("rotation")
            )
            tasks.append(((ref.doc_id, ref.page), task, origin))
    finally:
        for pdf in opened.values():
            pdf.close()
    with ThreadPoolExecutor(max(1, workers)) as pool:
        # Tesseract runs as a child process and OpenCV releases the GIL: threads suffice.
        for (key, task, origin), outcome in zip(tasks, pool.map(run_page, [t for _, t, _ in tasks])):
            if outcome.error:
                raise ReworkError(f"trang {key[1]}: {outcome.error}")
            rp = RecognisedPage.from_dict(outcome.page or {})
            placed[key] = (ArchivePage(task.image_pdf, outcome.image_size, np.array(outcome.matrix), rp), origin)
    return placed


def corrected_fields(record: DocumentRecord) -> dict[str, Any]:
    """The fields a clerk has corrected (they outlive any re-reading)."""
    return {k: f for k, f in record.get("fields", {}).items() if f and f.get("source") == "corrected"}


def _write(
    current: Path,
    n: int,
    aps: list[ArchivePage],
    origins: list[dict[str, Any]],
    corrected: dict[str, Any],
    source_name: str,
    note: str,
    original: Original | None,
    known_issuers: frozenset[str],
) -> tuple[Path, DocumentRecord]:
    pages = [a.page for a in aps]
    extraction = extract(pages, known_issuers)
    if original is not None:
        weigh_sender_signature(extraction, original.status, original.signer_names())
    out = _fresh(current, n)
    fields = extraction.fields_json() | corrected
    write_document(aps, out, fields, source_name)
    record = DocumentResult(out, pages, extraction, original=original).record()
    record["fields"], record["origins"] = fields, origins
    record["notes"].append(note)
    return out, record


def _shared_original(docs: list[_Doc]) -> Original | None:
    """The received file the pages all came from, when they came from one (a document
    merged from two received files has no single original)."""
    found = {json.dumps(d.record.get("original"), sort_keys=True) for d in docs}
    if len(found) != 1:
        return None
    original = docs[0].record.get("original")
    return Original.from_json(original) if original else None


def base_name(pdf: Path) -> str:
    """The document's name without its revision: scan-r2.pdf -> scan (what the signed
    and delivered copies are called)."""
    return re.sub(r"-r\d+$", "", pdf.stem)


def _fresh(current: Path, part: int) -> Path:
    """The next free name beside `current`: scan.pdf -> scan-r1.pdf, scan-r1.pdf ->
    scan-r2.pdf; the second part of a split gets scan-2-r1.pdf."""
    base = base_name(current) + (f"-{part + 1}" if part else "")
    n = 1
    while (current.parent / f"{base}-r{n}.pdf").exists():
        n += 1
    return current.parent / f"{base}-r{n}.pdf"
