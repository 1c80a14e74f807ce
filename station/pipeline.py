"""From scanner files to archived documents: schedule page work across cores, then
assemble each file's PDF/A and JSON record as soon as its last page is done.

Pages of all inputs share one pool, so a stream of one-page scans keeps every core
busy; the number of pages in flight is bounded, which bounds memory however long
the inputs are."""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from archive import ArchivePage, build_pdfa
from archive.keys import SigningKeyError
from archive.original import Original, examine, keep
from archive.signing import SigningError, SignResult
from classifiers import Extraction, extract
from classifiers.sender import weigh_sender_signature
from classifiers.separate import SeparationOptions, separate
from models.record import DocumentRecord
from ocr import DEFAULT_ENGINE, InputError, RecognisedPage, count_pages, timing
from ocr.digital import LAYER_ENGINE
from ocr.load import PAGE_PIXELS, sniff
from ocr.timing import stage

from .executors import open_executor
from .housekeeping import make_workdir
from .names import stem_of
from .page_work import PageOutcome, PageTask, run_page

log = logging.getLogger(__name__)


@dataclass
class Options:
    jobs: int = os.cpu_count() or 1
    lang: str = "vie"
    detect_rotation: bool = True
    deskew: bool = True
    sign: Callable[[Path], SignResult] | None = None  # signs a finished PDF/A in place
    separation: SeparationOptions | None = None  # None: each file is one document
    max_pages: int = 2000  # a longer file is refused with a clear error
    max_pixels: int = PAGE_PIXELS  # per page
    engine: str = DEFAULT_ENGINE  # OCR engine: a built-in name or module:Class (ocr.engine)
    trust_roots: list[Path] = field(default_factory=list)  # CA certificates for senders' signatures
    # Bodies the office has registered documents from (models.documents.registered_issuers):
    # an issuer read as one of them is confirmed as a reference list's would be.
    known_issuers: frozenset[str] = frozenset()


@dataclass
class DocumentResult:
    pdf: Path
    pages: list[RecognisedPage]
    extraction: Extraction
    signature: SignResult | None = None
    original: Original | None = None  # the file as received (shared by the documents split from it)

    def record(self) -> DocumentRecord:
        ex = self.extraction
        return {
            "pdf": self.pdf.name,
            "words": self.pdf.with_suffix(".words.json").name,  # every word and box, for the review page
            "pages": [p.to_json() for p in self.pages],
            "fields": ex.fields_json(),
            "standard_layout": ex.standard,
            # Each page's notes once: eight pages of one scan with an OCR text layer
            # say the same thing eight times.
            "notes": list(
                dict.fromkeys(
                    ex.notes
                    + [n for p in self.pages for n in p.notes]
                    + (self.signature.notes if self.signature else [])
                )
            ),
            "signature": {
                "level": self.signature.level,
                "signed_at": self.signature.signed_at,
                "stamp_box_pt": list(self.signature.stamp_box),
            }
            if self.signature
            else None,
            "original": self.original.to_json() if self.original else None,
            "arrival_stamp": ex.arrival_stamp.to_json() if ex.arrival_stamp else None,
        }


@dataclass
class FileResult:
    source: Path
    status: str  # "ok" or "failed"
    error: str | None = None
    documents: list[DocumentResult] = field(default_factory=list)
    dropped_pages: list[int] = field(default_factory=list)  # separator sheets and blank pages
    json_path: Path | None = None
    debug: str | None = None
    retryable: bool = False
    timings: dict[str, float] = field(default_factory=dict)  # core-seconds by stage, pages and file

    @property
    def pages(self) -> list[RecognisedPage]:
        return [p for d in self.documents for p in d.pages]

    def record(self) -> dict[str, Any]:
        rec: dict[str, Any] = {"source": self.source.name, "status": self.status}
        if self.error:
            rec["error"] = self.error
        if self.status == "ok":
            rec["documents"] = [d.record() for d in self.documents]
            if self.dropped_pages:
                rec["dropped_pages"] = self.dropped_pages
        if self.timings:
            rec["core_seconds"] = {k: round(v, 3) for k, v in sorted(self.timings.items())}
        return rec


@dataclass
class _FileState:
    source: Path
    stem: str
    pages: int
    workdir: Path
    out_dir: Path
    kept: bool = False  # the work folder outlives this run (pages done are not done again)
    finished: bool = False
    outcomes: dict[int, PageOutcome] = field(default_factory=dict)


ProgressFn = Callable[[str, Path, int, int], None]  # event, file, pages done, pages total


def process_files(
    inputs: list[Path],
    out_dir: Path,
    options: Options | None = None,
    progress: ProgressFn | None = None,
    out_dirs: list[Path] | None = None,
    work_dirs: list[Path] | None = None,
) -> Iterator[FileResult]:
    """Process every input; yields one FileResult per input as each completes. A
    failing input never stops the others. `out_dirs` gives each input a folder of its
    own (the service keeps one per job); otherwise all go to `out_dir`. `work_dirs`
    keeps each input's finished pages where a later run finds them: a long file
    interrupted by a crash resumes where it stopped instead of from page 1."""
    options = options or Options()
    dirs = out_dirs or [out_dir] * len(inputs)
    for d in set(dirs):
        d.mkdir(parents=True, exist_ok=True)
    stems = _unique_stems(inputs)
    works: list[Path | None] = list(work_dirs) if work_dirs else [None] * len(inputs)
    states: list[_FileState] = []
    for path, stem, target, kept_work in zip(inputs, stems, dirs, works):
        try:
            n = count_pages(path)
        except InputError as e:
            yield _write_failure(FileResult(path, "failed", str(e)), target, stem)
            continue
        if n > options.max_pages:
            yield _write_failure(
                FileResult(
                    path,
                    "failed",
                    f"the file has {n} pages; the limit is "
                    f"{options.max_pages} per file (STATION_MAX_PAGES): split it, or "
                    "raise the limit",
                ),
                target,
                stem,
            )
            continue
        work = kept_work or make_workdir()
        work.mkdir(parents=True, exist_ok=True)
        states.append(_FileState(path, stem, n, work, target, kept=kept_work is not None))
    try:
        yield from _run(states, options, progress)
    finally:
        for st in states:
            if not st.kept or st.finished:
                shutil.rmtree(st.workdir, ignore_errors=True)


def _task(st: _FileState, i: int, options: Options) -> PageTask:
    return PageTask(
        st.source,
        i,
        st.workdir / f"page-{i:05d}.pdf",
        options.lang,
        options.detect_rotation,
        options.deskew,
        options.separation.separator if options.separation else None,
        max_pixels=options.max_pixels,
        engine=options.engine,
    )


def _tasks(states: list[_FileState], options: Options) -> Iterator[tuple[_FileState, PageTask]]:
    for st in states:
        for i in range(1, st.pages + 1):
            if i not in st.outcomes:  # pages an interrupted run finished are in already (_resume)
                yield st, _task(st, i, options)


def _outcome_file(task: PageTask) -> Path:
    return task.image_pdf.with_suffix(".json")


def _saved_outcome(task: PageTask) -> PageOutcome | None:
    try:
        data = json.loads(_outcome_file(task).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not task.image_pdf.exists():
        return None
    return PageOutcome(task, data["page"], data["matrix"], (int(data["image_size"][0]), int(data["image_size"][1])))


def _record_outcome(st: _FileState, outcome: PageOutcome) -> None:
    st.outcomes[outcome.task.index] = outcome
    if st.kept and not outcome.error:
        _write_json(
            _outcome_file(outcome.task),
            {"page": outcome.page, "matrix": outcome.matrix, "image_size": list(outcome.image_size)},
        )


def _resume(states: list[_FileState], options: Options) -> Iterator[FileResult]:
    """Pages an interrupted run finished are taken as they are; files with all their
    pages done are finished at once."""
    for st in states:
        if not st.kept:
            continue
        for i in range(1, st.pages + 1):
            saved = _saved_outcome(_task(st, i, options))
            if saved is not None:
                st.outcomes[i] = saved
        if st.outcomes:
            log.info(
                "%s: %d of %d pages were read before an interruption; going on from there",
                st.source.name,
                len(st.outcomes),
                st.pages,
            )
        if len(st.outcomes) == st.pages:
            yield _finish(st, options)


def _run(states: list[_FileState], options: Options, progress: ProgressFn | None) -> Iterator[FileResult]:
    yield from _resume(states, options)
    pending = _tasks([st for st in states if not st.finished], options)
    executor = open_executor(options.jobs)
    if executor is None:
        for st, task in pending:
            _record_outcome(st, run_page(task))
            if progress:
                progress("page", st.source, len(st.outcomes), st.pages)
            if len(st.outcomes) == st.pages:
                yield _finish(st, options)
        return
    in_flight: dict[Future, tuple[_FileState, PageTask]] = {}
    failed_files: set[int] = set()
    broken = drained = False
    try:
        while True:
            if broken and not in_flight:
                # A worker died (killed, out of memory, a crash in a native decoder). Its
                # pages have failed their files; the remaining files get fresh workers.
                executor.restart()
                broken = False
            while not broken and len(in_flight) < executor.window:
                nxt = next(pending, None)
                if nxt is None:
                    drained = True
                    break
                if id(nxt[0]) not in failed_files:
                    in_flight[executor.submit(nxt[1])] = nxt
            if not in_flight:
                break
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for fut in done:
                st, task = in_flight.pop(fut)
                if id(st) in failed_files:
                    continue
                try:
                    outcome = fut.result()
                except BrokenProcessPool:
                    broken = True
                    outcome = PageOutcome(
                        task,
                        error="the recognition process stopped unexpectedly "
                        "(out of memory, or a crash while decoding the image)",
                        retryable=True,
                    )
                _record_outcome(st, outcome)
                if progress:
                    progress("page", st.source, len(st.outcomes), st.pages)
                if outcome.error:
                    failed_files.add(id(st))
                if outcome.error or len(st.outcomes) == st.pages:
                    executor.release(st.source)
                    if drained and not in_flight:
                        # The last file: its page workers (and their OCR models) leave before
                        # its PDF/A is assembled and signed, which for a bound volume of
                        # hundreds of pages is the run's largest moment in memory.
                        executor.shutdown()
                    yield _finish(st, options)
    finally:
        executor.shutdown()


def _finish(st: _FileState, options: Options) -> FileResult:
    st.finished = True
    out_dir = st.out_dir
    errors = sorted((i, o.error, o) for i, o in st.outcomes.items() if o.error)
    if errors:
        i, error, o = errors[0]
        where = f"page {i}: " if st.pages > 1 and not error.startswith("page ") else ""
        return _write_failure(
            FileResult(st.source, "failed", where + error, debug=o.debug, retryable=o.retryable), out_dir, st.stem
        )
    pages = [RecognisedPage.from_dict(st.outcomes[i].page or {}) for i in range(1, st.pages + 1)]
    archive = {
        rp.index: ArchivePage(o.task.image_pdf, o.image_size, np.array(o.matrix), rp)
        for o, rp in zip((st.outcomes[i] for i in range(1, st.pages + 1)), pages)
    }
    groups = separate(pages, options.separation) if options.separation else [pages]
    if not groups:
        return _write_failure(
            FileResult(st.source, "failed", "no document pages: only blank pages or separator sheets"), out_dir, st.stem
        )
    kept = {p.index for g in groups for p in g}
    result = FileResult(st.source, "ok", dropped_pages=[p.index for p in pages if p.index not in kept])
    timing.take()
    try:
        with stage("original file"):
            original = _original(st, pages, options)
        for n, group in enumerate(groups, 1):
            stem = st.stem if len(groups) == 1 else f"{st.stem}-{n:03d}"
            with stage("fields"):
                extraction = extract(group, options.known_issuers)
                weigh_sender_signature(extraction, original.status, original.signer_names())
            pdf_path = out_dir / f"{stem}.pdf"
            with stage("PDF/A"):
                write_document([archive[p.index] for p in group], pdf_path, extraction.fields_json(), st.source.name)
            with stage("signing"):
                signature = options.sign(pdf_path) if options.sign else None
            result.documents.append(DocumentResult(pdf_path, group, extraction, signature, original))
    except (SigningKeyError, SigningError) as e:
        return _write_failure(FileResult(st.source, "failed", f"the PDF could not be signed: {e}"), out_dir, st.stem)
    except Exception as e:  # noqa: BLE001
        import traceback

        return _write_failure(
            FileResult(st.source, "failed", f"the PDF could not be written ({e})", debug=traceback.format_exc()),
            out_dir,
            st.stem,
        )
    # (The words files are written with the PDF/A; the JSON below cannot count itself.)
    result.timings = timing.add(timing.take(), _page_timings(st))
    result.json_path = _write_json(out_dir / f"{st.stem}.json", result.record())
    shutil.rmtree(st.workdir, ignore_errors=True)
    return result


def _page_timings(st: _FileState) -> dict[str, float]:
    total: dict[str, float] = {}
    for o in st.outcomes.values():
        timing.add(total, o.timings)
    return total


def _original(st: _FileState, pages: list[RecognisedPage], options: Options) -> Original:
    """The received file's digest and signatures; a PDF that arrived digital or signed
    is also kept beside the PDF/A as it came (that file, not the copy, is the record)."""
    is_pdf = sniff(st.source) == "pdf"
    original = examine(st.source, options.trust_roots, is_pdf)
    if original.signatures or any(LAYER_ENGINE in p.engine for p in pages):
        keep(st.source, original, st.out_dir, st.stem)
    if original.summary:
        log.info("%s: %s", st.source.name, original.summary)
    return original


def write_document(pages: list[ArchivePage], out: Path, fields: Mapping[str, Mapping[str, Any]], source: str) -> None:
    """A document's PDF/A, with its title and XMP from `fields`, and beside it the words
    file: every word with its box and confidence, for the review page's overlay and for
    rebuilding the document when a clerk changes its pages."""
    engines = ", ".join(sorted({a.page.engine for a in pages if a.page.engine}))
    build_pdfa(
        pages, out, title=document_title(fields, source), fields=metadata_fields(fields, source, len(pages), engines)
    )
    _write_json(out.with_suffix(".words.json"), {"pages": [a.page.to_dict() for a in pages]})


def words_path(pdf: Path, record: DocumentRecord) -> Path:
    """A document's words file: beside its unsigned PDF/A (a signed copy lies in signed/)."""
    folder = pdf.parent.parent if pdf.parent.name == "signed" else pdf.parent
    return folder / record.get("words", f"{pdf.stem}.words.json")


def document_title(fields: Mapping[str, Mapping[str, Any]], fallback: str) -> str:
    """'Quyết định 123/QĐ-UBND: <subject>' as far as known, else the file name.
    `fields` in their record form ({name: {"value": ...}}), as read or as corrected."""
    value = {k: f["value"] for k, f in fields.items() if f and f.get("value") not in (None, "", [])}
    head = " ".join(str(value[k]) for k in ("type", "so_ky_hieu") if k in value)
    if "subject" in value:
        head = f"{head}: {value['subject']}" if head else str(value["subject"])
    return head or fallback


def metadata_fields(
    fields: Mapping[str, Mapping[str, Any]], source: str, pages: int, engine: str = ""
) -> dict[str, str]:
    """The XMP entries of a document, from its fields in their record form."""
    out = {"source_file": source, "page_count": str(pages)}
    if engine:
        out["ocr_engine"] = engine
    for k, f in fields.items():
        v = f.get("value") if f else None
        if v not in (None, "", []):
            out[k] = "; ".join(v) if isinstance(v, list) else str(v)
    return out


def _write_failure(result: FileResult, out_dir: Path, stem: str) -> FileResult:
    result.json_path = _write_json(out_dir / f"{stem}.json", result.record())
    return result


def _write_json(path: Path, record: dict[str, Any]) -> Path:
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def _unique_stems(inputs: list[Path]) -> list[str]:
    """Output names from input names; a.tif and a.jpg (or two a.tif from different
    folders) get a, a-2, ... so no result overwrites another."""
    seen: dict[str, int] = {}
    out = []
    for p in inputs:
        stem = stem_of(p.name)
        n = seen.get(stem, 0) + 1
        seen[stem] = n
        out.append(stem if n == 1 else f"{stem}-{n}")
    return out
