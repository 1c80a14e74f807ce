"""`station batch`: archive batches of hồ sơ (issue 15).

    create NAME FOLDER [--list LIST]   copy the scans in, count pages, queue them
    run BATCH                          read it here, with a progress bar, then a summary
    status [BATCH] [--json]            progress, quality flags and decisions
    accept / send-back BATCH HOSO      the archivist's decision on a hồ sơ
    export BATCH --out DIR             BagIt/METS packages and the XLSX catalogue

`station run` processes batches too (the Batches page shows them); `batch run` is for
a machine that does nothing else, or an archivist at a terminal."""

from __future__ import annotations

import argparse
import json
import signal
import sqlite3
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from errors import ExitCode, Invalid, NotFound
from models import batches
from models.db import connect
from station import batches as making
from station import config, quality_control
from station.archival import collect
from station.catalogue import write_catalogue
from station.service import AlreadyRunning
from station.sip import write_package

from .progress import Bar

if TYPE_CHECKING:
    from station.config import ServiceSettings

    from .runtime import Runtime


def add_parser(sub: argparse._SubParsersAction) -> None:
    b = sub.add_parser("batch", help="archive batches: hồ sơ by hồ sơ, with quality control and packages")
    bs = b.add_subparsers(dest="batch_command", required=True)
    c = bs.add_parser("create", help="make a batch from a folder (a sub-folder per hồ sơ, or a list)")
    c.add_argument("name")
    c.add_argument("folder", type=Path)
    c.add_argument("--list", type=Path, help="CSV or XLSX list of hồ sơ (Mã hồ sơ, Tiêu đề, Thời hạn bảo quản, ...)")
    c.add_argument("--separator", default=making.DEFAULT_OPTIONS["separator"], help="barcode of separator sheets")
    c.add_argument("--keep-blank", action="store_true", help="keep blank pages (default: dropped and counted)")
    c.add_argument("--min-dpi", type=int, default=making.DEFAULT_OPTIONS["min_dpi"])
    c.add_argument("--physical-state", default="", help="tình trạng vật lý of the documents (01 Tốt, 02, 03)")
    r = bs.add_parser("run", help="read a batch on this machine, with a progress bar")
    r.add_argument("batch")
    s = bs.add_parser("status", help="progress and quality of batches")
    s.add_argument("batch", nargs="?")
    s.add_argument("--json", action="store_true")
    for name, helptext in (("accept", "accept a hồ sơ"), ("send-back", "send a hồ sơ back for rescanning")):
        d = bs.add_parser(name, help=helptext)
        d.add_argument("batch")
        d.add_argument("hoso", help="mã hồ sơ")
        d.add_argument("--note", "--reason", dest="note", default="", help="why (kept in the audit log)")
    e = bs.add_parser("export", help="submission packages (BagIt + METS) and the XLSX catalogue")
    e.add_argument("batch")
    e.add_argument("--out", type=Path, required=True)
    e.add_argument("--all", action="store_true", help="also hồ sơ not yet accepted (never those sent back)")


def run(args: argparse.Namespace) -> int:
    if args.batch_command == "run":
        return _run(args)
    settings = config.load()
    conn = connect(settings.data_dir / "station.db")
    try:
        if args.batch_command == "create":
            return _create(conn, settings.data_dir, args)
        if args.batch_command == "status":
            chosen = _find(conn, args.batch) if args.batch else None
            return _status(conn, settings.data_dir, chosen, args.json)
        batch = _find(conn, args.batch)
        if args.batch_command in ("accept", "send-back"):
            return _decide(conn, batch, args)
        return _export(conn, batch, args, settings.signing.organisation)
    finally:
        conn.close()


def _find(conn: sqlite3.Connection, ref: str) -> sqlite3.Row:
    row = batches.find(conn, ref)
    if row is None:
        raise NotFound(f"no batch '{ref}' (`station batch status` lists them)")
    return row


def _create(conn: sqlite3.Connection, data_dir: Path, args: argparse.Namespace) -> int:
    plans = making.plan(args.folder, args.list)
    batch_id = making.create(
        conn,
        data_dir,
        args.name,
        args.folder.resolve(),
        plans,
        separator=args.separator,
        keep_blank=args.keep_blank,
        min_dpi=args.min_dpi,
        physical_state=args.physical_state,
    )
    p = batches.progress(conn, batch_id, data_dir)
    print(
        f"batch {batch_id} '{args.name}': {len(p['hoso'])} hồ sơ, {p['total']['files']} files, "
        f"{p['total']['pages']} pages queued"
    )
    for h in batches.hoso_of(conn, batch_id):
        for note in json.loads(h["intake_notes"]):
            print(f"  {h['code']}: {note}")
    print(f"`station batch run {batch_id}` reads it here; a running station reads it on its own")
    return ExitCode.OK


def _run(args: argparse.Namespace) -> int:
    from .runtime import runtime

    settings = config.service()
    probe = connect(settings.data_dir / "station.db")
    try:
        batch = _find(probe, args.batch)
    finally:
        probe.close()
    try:
        with runtime(settings) as rt:
            return _follow(rt, batch, settings)
    except AlreadyRunning:
        raise AlreadyRunning(
            "the station is already running and reads the batch by itself: follow it with "
            f"`station batch status {batch['name']}` or on the review site's Batches page"
        ) from None


def _follow(rt: Runtime, batch: sqlite3.Row, settings: ServiceSettings) -> int:
    """Run the station here until the batch is read (and what was approved of it signed),
    drawing its progress."""
    signal.signal(signal.SIGTERM, lambda *_: rt.station.stop())
    station = rt.station
    bar = Bar(f"batch {batch['name']}", enabled=sys.stderr.isatty())
    done = threading.Event()

    def finished() -> bool:
        report = batches.progress(station.conn, batch["id"], settings.data_dir)
        return report["total"]["finished"] and not _awaiting_signature(station.conn, batch["id"])

    def watch() -> None:
        # Its own connection: the station's is busy with the work.
        conn = connect(settings.data_dir / "station.db")
        try:
            while not done.wait(1.0):
                bar.update(batches.progress(conn, batch["id"], settings.data_dir)["total"])
        finally:
            conn.close()

    watcher = threading.Thread(target=watch, name="progress", daemon=True)
    watcher.start()
    try:
        station.run(until=finished)
    except KeyboardInterrupt:
        station.stop()
    finally:
        done.set()
        watcher.join()
    report = batches.progress(station.conn, batch["id"], settings.data_dir)
    bar.close()
    _print_status(station.conn, batch, report)
    total = report["total"]
    if not total["finished"]:
        print("stopped before the end; `station batch run` again goes on where it stopped", file=sys.stderr)
        return ExitCode.INTERRUPTED
    return ExitCode.SOME_FAILED if total["files_failed"] else ExitCode.OK


def _awaiting_signature(conn: sqlite3.Connection, batch_id: int) -> bool:
    return bool(
        conn.execute(
            "SELECT 1 FROM documents d JOIN jobs j ON j.id = d.job_id WHERE j.batch_id = ? AND d.state = 'approved'",
            (batch_id,),
        ).fetchone()
    )


def _status(conn: sqlite3.Connection, data_dir: Path, batch: sqlite3.Row | None, as_json: bool) -> int:
    rows = [batch] if batch else batches.listing(conn)
    reports = []
    for b in rows:
        report = batches.progress(conn, b["id"], data_dir)
        report["name"] = b["name"]
        opts = json.loads(b["options"])
        for h, row in zip(report["hoso"], batches.hoso_of(conn, b["id"])):
            h["flags"] = [f.to_json() for f in quality_control.check(conn, row, opts)]
        reports.append(report)
    if as_json:
        print(json.dumps(reports if not batch else reports[0], ensure_ascii=False, indent=2))
        return ExitCode.OK
    if not reports:
        print("no batches yet (`station batch create NAME FOLDER`)")
    for b, report in zip(rows, reports):
        _print_status(conn, b, report)
    return ExitCode.OK


def _print_status(conn: sqlite3.Connection, batch: sqlite3.Row, report: dict[str, Any]) -> None:
    t = report["total"]
    print(
        f"batch {batch['id']} '{batch['name']}': {t['pages_done']}/{t['pages']} pages ({t['percent']}%), "
        f"{t['files_done']}/{t['files']} files, {t['documents']} documents"
        + (f", {t['files_failed']} files failed" if t["files_failed"] else "")
        + (f", {t['pages_per_minute']} pages/min" if t["pages_per_minute"] else "")
    )
    opts = json.loads(batch["options"])
    for h, row in zip(report["hoso"], batches.hoso_of(conn, batch["id"])):
        flags = quality_control.check(conn, row, opts)
        counts = quality_control.summary(flags)
        decision = {"accepted": "accepted", "sent_back": "sent back", None: ""}[h["decision"]]
        print(
            f"  {h['code']:<20} {h['pages_done']:>4}/{h['pages']:<4} pages  {h['documents']:>3} documents  "
            f"{counts['error']} errors, {counts['warning']} warnings  {decision}"
        )
        for f in flags:
            if f.level != quality_control.INFO:
                print(f"      [{f.level}] {f.page + ': ' if f.page else ''}{f.message}")


def _decide(conn: sqlite3.Connection, batch: sqlite3.Row, args: argparse.Namespace) -> int:
    row = conn.execute("SELECT * FROM hoso WHERE batch_id = ? AND code = ?", (batch["id"], args.hoso)).fetchone()
    if row is None:
        raise NotFound(f"no hồ sơ '{args.hoso}' in batch '{batch['name']}'")
    decision = "accepted" if args.batch_command == "accept" else "sent_back"
    if decision == "sent_back" and not args.note:
        raise Invalid("say why it goes back (--reason), for whoever rescans it")
    try:
        batches.decide(conn, row["id"], decision, f"cli:{_user()}", args.note)
    except ValueError as e:
        raise Invalid(f"hồ sơ {args.hoso}: {e}") from None
    print(f"hồ sơ {args.hoso}: {'accepted' if decision == 'accepted' else 'sent back for rescanning'}")
    return ExitCode.OK


def _export(conn: sqlite3.Connection, batch: sqlite3.Row, args: argparse.Namespace, organisation: str) -> int:
    opts = json.loads(batch["options"])
    out = args.out / batch["name"]
    packages = []
    for row in batches.hoso_of(conn, batch["id"]):
        wanted = row["decision"] == "accepted" or (args.all and row["decision"] is None)
        if not wanted:
            print(
                f"  {row['code']}: skipped ({'sent back' if row['decision'] else 'not accepted yet; --all takes it'})"
            )
            continue
        if batches.jobs_of(conn, row["id"]) and any(
            j["state"] in ("queued", "processing") for j in batches.jobs_of(conn, row["id"])
        ):
            print(f"  {row['code']}: skipped (still being read)")
            continue
        package = collect(conn, row, opts)
        bag = write_package(package, out / row["code"], organisation)
        packages.append(package)
        print(f"  {row['code']}: {len(package.documents)} documents -> {bag}")
    if not packages:
        print("nothing to export: accept hồ sơ first (`station batch accept`), or give --all", file=sys.stderr)
        return ExitCode.SOME_FAILED
    catalogue = write_catalogue(out / "catalogue.xlsx", packages)
    print(f"catalogue: {catalogue}")
    return ExitCode.OK


def _user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
