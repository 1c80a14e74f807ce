"""`station run`: the station as a service. Hot folders and archive batches
(`station batch create`) feed jobs into SQLite; jobs go through the pipeline a few at a
time; documents are approved (automatically for archive folders above the threshold),
signed and handed to the outbox; the outbox delivers with retries. Nothing is lost: an
original leaves its hot folder only after its result is committed, every state change
is a committed row, and a run that dies (even by kill -9) is picked up by the next one."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import sqlite3
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

from pyhanko.sign.signers import Signer

from archive.preview import render as render_previews
from archive.signing import sign_pdf
from classifiers.separate import SeparationOptions
from delivery import Connector, DeliveryError, Package, deliver
from delivery.package import original_beside
from errors import ExitCode, StationError
from models import batches, jobs, outbox, secrecy
from models import documents as docs
from models.db import connect
from models.states import DocumentState, transition
from watch_folders import HotFolder, HotFolderWatcher, hoso_code

from . import rework
from .config import ServiceSettings
from .housekeeping import clean_stale_workdirs, secure_tree
from .logs import about
from .names import ORIGINAL_BYTES, bounded
from .pipeline import DocumentResult, FileResult, Options, process_files

log = logging.getLogger(__name__)
SIGN_RETRY_S = 60.0  # a document whose signing failed is tried again after this long


class AlreadyRunning(StationError):
    exit_code = ExitCode.ALREADY_RUNNING


class Station:
    """The job engine. Its collaborators (connectors by name, an open signer) are built
    by the composition root (`cli.runtime`) and handed in; the station knows nothing
    of the web server that may run beside it."""

    def __init__(self, settings: ServiceSettings, connectors: dict[str, Connector], signer: Signer) -> None:
        self.s = settings
        d = settings.data_dir
        d.mkdir(parents=True, exist_ok=True)
        # Scans, secret documents and the database are this account's alone: files the
        # station makes are 0600, folders 0700, and what an older version left open is
        # closed now. Hot folders stay as they are: the scanner writes there.
        os.umask(0o077)
        secure_tree(d, skip={f.path for f in settings.folders})
        # A POSIX record lock, not flock: it belongs to this process alone (forked page
        # workers do not inherit it), so it is gone the moment the station dies, even
        # by kill -9 while workers are still finishing a page.
        self._lock_file = open(d / "station.lock", "w")
        try:
            fcntl.lockf(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise AlreadyRunning(f"another station is already running on {d}")
        self.owner = f"{os.uname().nodename}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.conn = connect(d / "station.db")
        self.db_lock = threading.Lock()  # one connection, shared by the watcher and the loop
        self.connectors = connectors
        self.signer = signer
        self.stop_event = threading.Event()
        self._sign_retry_at: dict[int, float] = {}  # documents whose signing failed: when to try again
        self._twins: dict[int, list[tuple[Path, HotFolder]]] = {}  # copies that arrived while their job ran
        self.previews = ThreadPoolExecutor(1, thread_name_prefix="previews")
        self.watcher = HotFolderWatcher(
            settings.folders, self._intake, settle_s=settings.settle_s, give_up_s=settings.give_up_s
        )

    # -- intake (watcher thread) -------------------------------------------------------
    def _intake(self, path: Path, folder: HotFolder) -> None:
        if path.is_symlink() or not path.resolve().is_relative_to(folder.path.resolve()):
            # A link would make the station read (and archive) a file from anywhere on
            # this machine, and processed/ would keep only the link: refused, in words.
            self._refuse(path, "this is a link to another file, not a scan: copy the file itself into the hot folder")
            return
        try:
            with self.db_lock:
                job, created = jobs.intake(self.conn, path, folder.profile, hoso_code(folder, path))
        except OSError:
            return  # it went away between the check and the read; a rescan will see it if it returns
        if created:
            with about("job", job.id):
                log.info("received %s (%s folder)", path.name, folder.profile)
            return
        if path.resolve() == job.source.resolve():
            return
        if job.state not in ("done", "failed"):
            # Its twin is still being read: come back to this copy when that job ends.
            with self.db_lock:
                self._twins.setdefault(job.id, []).append((path, folder))
            return
        if not job.source.exists():
            # A run died between committing the result and moving the original: finish the move.
            self._move_to(path, job.source)
        else:
            # The same bytes scanned again: one job, the copy is kept beside the processed files.
            self._move_to(path, self._free(self._processed_dir(job) / "duplicates", path.name, job.id))

    def _refuse(self, path: Path, reason: str) -> None:
        with self.db_lock:
            job = jobs.refuse(self.conn, path, reason)
        self._fail_for_good(job, reason)

    def _release_twins(self, job_id: int) -> None:
        with self.db_lock:
            waiting = self._twins.pop(job_id, [])
        for path, folder in waiting:
            if path.exists():
                self._intake(path, folder)

    # -- the loop ---------------------------------------------------------------------
    def run(self, until: Callable[[], bool] | None = None) -> None:
        """Until stopped, or until `until()` says the work asked for is done (checked
        when the station has nothing in hand)."""
        with self.db_lock:
            jobs.recover(self.conn, self.owner)
            parked = jobs.park_crashers(self.conn)
        for job in parked:
            self._fail_for_good(job, job.error or "")
        clean_stale_workdirs()
        self.watcher.start()
        try:
            while not self.stop_event.is_set():
                busy = False
                for step in (self.process_queued, self.sign_approved, self.deliver_due):
                    busy |= self._guarded(step)
                if not busy:
                    if until is not None:
                        with self.db_lock:
                            if until():
                                break
                    self.stop_event.wait(0.2)
        finally:
            self.watcher.stop()
            self.previews.shutdown(wait=False, cancel_futures=True)

    def _guarded(self, step) -> bool:
        """Run one step of the loop; whatever it raises is logged and the loop goes on
        (each step records its own failures per job, document or delivery)."""
        try:
            return step()
        except Exception:
            log.exception("station: %s failed; carrying on", step.__name__)
            self.stop_event.wait(1.0)
            return False

    def stop(self) -> None:
        self.stop_event.set()

    def process_queued(self) -> bool:
        with self.db_lock:
            claimed = jobs.claim(self.conn, self.owner, limit=max(2, 2 * self.s.jobs))
        if not claimed:
            return False
        # Scans of an archive batch are split into documents their batch's way; the
        # rest are one document each. Each kind goes through the pipeline on its own.
        groups: dict[int | None, list[jobs.Job]] = {}
        for j in claimed:
            groups.setdefault(j.batch_id, []).append(j)
        for batch_id, files in groups.items():
            self._process(files, self._separation(batch_id))
            if self.stop_event.is_set():
                break  # unprocessed jobs keep their lease; the next run takes them up again
        return True

    def _separation(self, batch_id: int | None) -> SeparationOptions | None:
        if batch_id is None:
            return None
        with self.db_lock:
            row = batches.find(self.conn, batch_id)
        o = json.loads(row["options"]) if row else {}
        return SeparationOptions(o.get("separator") or None, True, False, bool(o.get("keep_blank")))

    def _process(self, files: list[jobs.Job], separation: SeparationOptions | None) -> None:
        by_source = {j.source: j for j in files}
        out_dirs = [self.s.data_dir / "archive" / f"{j.id:06d}" for j in files]
        options = Options(
            jobs=self.s.jobs,
            max_pages=self.s.max_pages,
            max_pixels=self.s.max_page_pixels,
            engine=self.s.ocr_engine,
            trust_roots=list(self.s.signing.trust_roots),
            separation=separation,
            known_issuers=self._known_issuers(),
        )
        settled: set[int] = set()
        work_dirs = [d / "work" for d in out_dirs]  # pages done survive a crash: a long file resumes
        try:
            for result in process_files(
                [j.source for j in files], out_dirs[0], options, out_dirs=out_dirs, work_dirs=work_dirs
            ):
                job = by_source[result.source]
                settled.add(job.id)
                with about("job", job.id):
                    try:
                        self._settle(job, result)
                    except Exception as e:
                        log.exception("could not store the result of %s", job.name)
                        self._retry_or_park(
                            job,
                            f"internal error while storing the result ({type(e).__name__}: {e})",
                            traceback.format_exc(),
                        )
                if self.stop_event.is_set():
                    return  # unfinished jobs keep their lease; the next run takes them up again
        except Exception as e:
            log.exception("jobs %s: processing failed", [j.id for j in files])
            for job in files:
                if job.id not in settled:
                    self._retry_or_park(
                        job, f"internal error while processing ({type(e).__name__}: {e})", traceback.format_exc()
                    )

    def _known_issuers(self) -> frozenset[str]:
        with self.db_lock:
            return docs.registered_issuers(self.conn)

    def _retry_or_park(self, job: jobs.Job, error: str, detail: str | None = None) -> None:
        """A failure that is not the input's fault: tried again, up to MAX_ATTEMPTS, then
        the original goes to failed/ with the error, like bad input. `detail` (a
        traceback) is kept with the job and logged."""
        if detail:
            log.warning("%s: %s\n%s", job.name, error, detail.rstrip())
        if job.attempts < jobs.MAX_ATTEMPTS:
            log.info("%s: will be tried again (attempt %d of %d failed)", job.name, job.attempts, jobs.MAX_ATTEMPTS)
            with self.db_lock:
                jobs.fail(self.conn, job, error, retry=True, traceback=detail, base_delay_s=self.s.job_retry_base_s)
        else:
            self._fail_for_good(job, error, detail)

    def _settle(self, job: jobs.Job, result: FileResult) -> None:
        if result.status == "ok":
            target = self._free(self._processed_dir(job), job.source.name, job.id)
            auto = self.s.auto_approve_above if job.profile == "archive" else None
            with self.db_lock, self.conn:
                self.conn.execute("BEGIN IMMEDIATE")
                added = [(docs.add(self.conn, job.id, str(d.pdf), d.record(), auto), d) for d in result.documents]
                jobs.mark_done(self.conn, job, target, result.record())
            # Only now that the result is committed does the original leave the hot folder.
            self._move_to(job.source, target)
            _private(target)
            with self.db_lock:
                states = {
                    i: self.conn.execute("SELECT state FROM documents WHERE id = ?", (i,)).fetchone()["state"]
                    for i, _ in added
                }
            for doc_id, d in added:
                _announce(doc_id, d, job.name, states[doc_id])
                # The clerk's first look should not wait for page rendering.
                self.previews.submit(render_previews, d.pdf, self.s.data_dir / "cache" / "pages", doc_id)
        elif result.retryable:
            self._retry_or_park(job, result.error or "unknown error", result.debug)
        else:
            self._fail_for_good(job, result.error or "unknown error", result.debug)
        self._release_twins(job.id)

    def _fail_for_good(self, job: jobs.Job, error: str, detail: str | None = None) -> None:
        """The original goes to failed/ beside a note in plain words; the job is failed."""
        log.warning("%s failed: %s", job.name, error)
        target = self._free(self.s.data_dir / "failed", job.source.name, job.id)
        if job.source.exists() or job.source.is_symlink():
            self._move_to(job.source, target)
        target.with_name(target.name + ".error.txt").write_text(f"{job.name}: {error}\n", encoding="utf-8")
        with self.db_lock:
            jobs.fail(self.conn, job, error, retry=False, source=target, traceback=detail)

    def _processed_dir(self, job: jobs.Job) -> Path:
        d = self.s.data_dir / "processed" / date.today().isoformat()
        return d / job.hoso if job.hoso else d

    @staticmethod
    def _free(folder: Path, name: str, job_id: int) -> Path:
        """A name in `folder` that nothing has yet, within the file system's limit however
        long the scan's own name is (the full name stays in the job's record)."""
        name = bounded(name, ORIGINAL_BYTES)
        target = folder / name
        if target.exists() or target.is_symlink():
            p = Path(name)
            target = folder / f"{p.stem}-job{job_id}{p.suffix}"
        return target

    @staticmethod
    def _move_to(src: Path, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.move(str(src), target)
        except FileNotFoundError:
            pass  # already moved by an earlier run

    # -- signing and delivery ------------------------------------------------------------
    def sign_approved(self) -> bool:
        with self.db_lock:
            approved = docs.in_state(self.conn, DocumentState.APPROVED)
        # An approval is signed once its undo's grace period is over (release_at).
        due = [
            r
            for r in approved
            if self._sign_retry_at.get(r["id"], 0) <= time.monotonic() and (r["release_at"] or 0) <= time.time()
        ]
        for row in due:
            try:
                with about("document", row["id"]):
                    self._sign(row)
            except Exception as e:
                log.exception("document %s: signing failed", row["id"])
                self._sign_retry_at[row["id"]] = time.monotonic() + SIGN_RETRY_S
                with self.db_lock, self.conn:
                    jobs.audit(
                        self.conn, "document", row["id"], "signing failed", after={"error": f"{type(e).__name__}: {e}"}
                    )
        return bool(due)

    def _sign(self, row: sqlite3.Row) -> None:
        # The signed copy is written beside the unsigned PDF/A, so a run that dies
        # before the commit below simply signs again, from the same unsigned file.
        pdf = Path(row["pdf"])
        record = json.loads(row["record"])
        if rework.corrected_fields(record):
            # The PDF/A was built before review: its XMP must carry the clerk's values.
            with self.db_lock:
                pdf = rework.refresh_metadata(self.conn, row["id"])
        signed = pdf.parent / "signed" / f"{rework.base_name(pdf)}.pdf"
        signed.parent.mkdir(exist_ok=True)
        result = sign_pdf(pdf, signed, self.s.signing, self.signer)
        # Secret documents go to local connectors only, whatever is configured; the
        # mark the station recognised counts as much as the field as it is now.
        mark = secrecy.effective(record) or row["secrecy"]
        targets = [n for n, c in self.connectors.items() if not (mark and c.networked)]
        record["signature"] = {"level": result.level, "signed_at": result.signed_at}
        with self.db_lock, self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            transition(
                self.conn,
                row["id"],
                DocumentState.SIGNED,
                changes={"record": record, "pdf": str(signed)},
                after={"level": result.level},
            )
            outbox.enqueue(self.conn, row["id"], targets)
            approver = _approver(self.conn, row["id"])
        log.info(
            "approved by %s; signed (PAdES %s); to be delivered to %s",
            approver,
            result.level,
            ", ".join(targets) or "nobody",
        )

    def deliver_due(self) -> bool:
        with self.db_lock:
            due = outbox.due(self.conn)
        for entry in due:
            with self.db_lock:
                row = self.conn.execute("SELECT * FROM documents WHERE id = ?", (entry["document_id"],)).fetchone()
            record = json.loads(row["record"])
            pdf = Path(row["pdf"])
            package = Package(pdf, record, secrecy.effective(record) or row["secrecy"], original_beside(pdf, record))
            connector = self.connectors.get(entry["connector"])
            with about("document", row["id"]):
                self._deliver_one(entry, row, package, connector)
        return bool(due)

    def _deliver_one(self, entry: sqlite3.Row, row: sqlite3.Row, package: Package, connector: Connector | None) -> None:
        try:
            if connector is None:
                raise DeliveryError(f"the connector '{entry['connector']}' is no longer configured", final=True)
            receipt = deliver(package, connector)
        except DeliveryError as e:
            log.warning("delivery to %s failed: %s", entry["connector"], e)
            with self.db_lock:
                outbox.failed(self.conn, entry, str(e), e.final, self.s.retry_base_s)
            return
        except Exception as e:
            log.exception("outbox %s: delivery failed", entry["id"])
            with self.db_lock:
                outbox.failed(
                    self.conn,
                    entry,
                    f"internal error while delivering ({type(e).__name__}: {e})",
                    False,
                    self.s.retry_base_s,
                )
            return
        log.info("delivered: %s", receipt)
        with self.db_lock:
            outbox.sent(self.conn, entry["id"], receipt)
            if outbox.all_sent(self.conn, row["id"]):
                with self.conn:
                    self.conn.execute("BEGIN IMMEDIATE")
                    transition(
                        self.conn, row["id"], DocumentState.SECRET if package.secrecy else DocumentState.DELIVERED
                    )


def _announce(doc_id: int, d: DocumentResult, source: str, state: str) -> None:
    """One line per document read, for the administrator at the terminal."""
    fields = d.extraction.fields_json()
    value = {k: (fields.get(k) or {}).get("value") for k in ("type", "so_ky_hieu", "issuer")}
    what = " ".join(str(value[k]) for k in ("type", "so_ky_hieu") if value[k]) or "no number read"
    with about("document", doc_id):
        log.info(
            "read from %s: %s%s, %d page(s); %s",
            source,
            what,
            f" ({value['issuer']})" if value["issuer"] else "",
            len(d.pages),
            "approved on its own (confident reading)" if state == "approved" else "waiting for review",
        )


def _approver(conn: sqlite3.Connection, doc_id: int) -> str:
    row = conn.execute(
        "SELECT actor FROM audit WHERE entity = 'document' AND entity_id = ? AND action = 'approved' "
        "ORDER BY id DESC LIMIT 1",
        (doc_id,),
    ).fetchone()
    return row["actor"] if row else "the station"


def _private(path: Path) -> None:
    """An original moved out of a hot folder keeps the scanner's permissions: close it."""
    try:
        if not path.is_symlink():
            path.chmod(0o600)
    except OSError:
        pass
