"""The `station` command: parses the command line, runs one command, and maps the
station's errors to exit codes in one place (`errors.ExitCode`)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import traceback
from importlib import resources
from pathlib import Path

from classifiers.separate import DEFAULT_SEPARATOR
from errors import ConfigError, ExitCode, StationError
from ocr import DEFAULT_ENGINE
from station import config
from station.logs import configure as configure_logging

from . import admin, batch, files

log = logging.getLogger("station")


def main(argv: list[str] | None = None) -> int:
    # What the station writes (database, keys, scans, secret documents) is this
    # account's alone, whichever command writes it.
    os.umask(0o077)
    args = parser().parse_args(argv)
    configure_logging(logging.INFO if args.command in ("run", "worker") else logging.WARNING)
    try:
        if args.command == "process":
            return files.process(args)
        if args.command == "verify":
            return files.verify(args)
        if args.command == "run":
            return run(args)
        if args.command == "batch":
            return batch.run(args)
        if args.command == "worker":
            return worker(args)
        return admin.run(args)
    except ConfigError as e:
        print(f"station: configuration: {e}", file=sys.stderr)
        return e.exit_code
    except StationError as e:
        print(f"station: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
    except Exception:  # noqa: BLE001 - a bug: said as one, with the traceback for the report
        traceback.print_exc()
        print("station: internal error (the traceback above is for the developers)", file=sys.stderr)
        return ExitCode.INTERNAL


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="station", description="Digitization station for Vietnamese administrative documents."
    )
    sub = ap.add_subparsers(dest="command", required=True)
    _process_parser(sub)
    v = sub.add_parser("verify", help="check the signatures of signed PDFs")
    v.add_argument("files", nargs="+", type=Path)
    v.add_argument(
        "--trust",
        type=Path,
        action="append",
        default=[],
        metavar="CA.pem",
        help="also trust this certification authority (repeatable)",
    )
    v.add_argument("--json", action="store_true", help="print the results as JSON")
    r = sub.add_parser("run", help="run the station: hot folders, processing, signing, delivery")
    r.add_argument("--samples", action="store_true", help="drop a few sample scans into the hot folders")
    w = sub.add_parser(
        "worker", help="read pages for a coordinator on another machine (Celery over Redis: STATION_BROKER_URL)"
    )
    w.add_argument("-c", "--concurrency", type=int, default=os.cpu_count() or 1, help="pages at once (default: cores)")
    w.add_argument("-n", "--name", help="the worker's name in `station status` (default: host and process id)")
    st = sub.add_parser("status", help="jobs and documents per state, recent failures, outbox backlog")
    st.add_argument("--json", action="store_true", help="print the status as JSON")
    rt = sub.add_parser("retry", help="put a failed job back in the queue")
    rt.add_argument("job", type=int)
    apv = sub.add_parser("approve", help="approve a document waiting for review (it is then signed and delivered)")
    apv.add_argument("document", type=int)
    apv.add_argument(
        "--override",
        metavar="REASON",
        help="approve although required fields are missing, unsure or malformed, or it repeats a registered "
        "document (the reason goes into the audit log)",
    )
    usr = sub.add_parser("user", help="local accounts of the review page")
    usr_sub = usr.add_subparsers(dest="user_command", required=True)
    uadd = usr_sub.add_parser("add", help="create an account (the first one: an admin)")
    uadd.add_argument("username")
    uadd.add_argument("--role", choices=["clerk", "reviewer", "admin"], default="clerk")
    uadd.add_argument(
        "--password-file", type=Path, help="read the password from this file (else STATION_NEW_PASSWORD, else a prompt)"
    )
    batch.add_parser(sub)
    reg = sub.add_parser("register", help="the incoming register (sổ đăng ký văn bản đến)")
    reg_sub = reg.add_subparsers(dest="register_command", required=True)
    rex = reg_sub.add_parser("export", help="write the register of a year as CSV and XLSX")
    rex.add_argument("--year", type=int, required=True)
    rex.add_argument("--out", type=Path, default=Path("."))
    return ap


def _process_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("process", help="turn scan files into searchable PDF/A documents with a JSON record")
    p.add_argument("inputs", nargs="+", type=Path, help="scan files (TIFF, JPEG, PNG, PDF) or folders of them")
    p.add_argument("--out", type=Path, required=True, help="folder for X.pdf and X.json of each input X")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="pages worked on at once (default: cores)")
    p.add_argument("--lang", default="vie", help="Tesseract language (default: vie)")
    p.add_argument(
        "--engine",
        default=os.environ.get("STATION_OCR_ENGINE") or DEFAULT_ENGINE,
        help="OCR engine: tesseract, or module:Class of one's own (default: tesseract)",
    )
    p.add_argument(
        "--no-sign",
        action="store_true",
        help="do not sign the PDF (signing is on by default; "
        "the key comes from STATION_SIGNING_* settings, else a development certificate)",
    )
    p.add_argument(
        "--trust",
        type=Path,
        action="append",
        default=[],
        metavar="CA.pem",
        help="trust this certification authority for senders' signatures, besides STATION_TRUST_ROOTS (repeatable)",
    )
    p.add_argument("--no-rotate", action="store_true", help="do not detect page orientation")
    p.add_argument("--no-deskew", action="store_true", help="do not straighten pages")
    p.add_argument(
        "--separate",
        action="store_true",
        help="a file holds several documents (archive batch): split at separator sheets and at "
        "pages with a document header; drop blank pages",
    )
    p.add_argument(
        "--separator",
        default=DEFAULT_SEPARATOR,
        metavar="VALUE",
        help=f"barcode value (QR or Code 39) of separator sheets (default: {DEFAULT_SEPARATOR})",
    )
    p.add_argument("--split-on-blank", action="store_true", help="with --separate: a blank page ends a document")
    p.add_argument("-v", "--verbose", action="store_true", help="show internal details of failures")


def run(args: argparse.Namespace) -> int:
    from .runtime import runtime

    settings = config.service()
    with runtime(settings) as rt:
        signal.signal(signal.SIGTERM, lambda *_: rt.station.stop())
        folders = ", ".join(f"{f.path} ({f.profile})" for f in settings.folders)
        log.info("watching %s; results in %s; Ctrl-C stops", folders, settings.data_dir / "export")
        if settings.http_port:
            log.info("review page on http://%s:%s/", settings.http_host, settings.http_port)
            if not _has_accounts(settings.data_dir):
                log.info("no accounts yet: create the first with `station user add NAME --role admin`")
        if args.samples:
            _drop_samples(settings.folders)
        try:
            rt.serve()
        except KeyboardInterrupt:
            rt.station.stop()
    log.info("stopped")
    return ExitCode.OK


def worker(args: argparse.Namespace) -> int:
    from station.cluster import ClusterSettings, run_worker

    settings = ClusterSettings.from_env()
    if settings is None:
        raise ConfigError("STATION_BROKER_URL: set it to the coordinator's Redis (redis://host:6379/0)")
    if args.concurrency < 1:
        raise ConfigError("--concurrency: at least 1")
    run_worker(settings, args.concurrency, args.name)
    return ExitCode.OK


def _has_accounts(data_dir: Path) -> bool:
    from models.db import connect

    conn = connect(data_dir / "station.db")
    try:
        return conn.execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None
    finally:
        conn.close()


def _drop_samples(folders: list) -> None:
    """A few sample scans (Decree 30 layout, stamps, skew, a page upside down), shipped
    with the station, so a newcomer sees them flow: the archive ones are approved and
    signed on their own when read confidently, the incoming ones wait on the review
    page. Their names say which folder they belong in (scripts/make_samples.py)."""
    by_profile = {f.profile: f.path for f in folders}
    for sample in sorted(resources.files("station").joinpath("samples").iterdir(), key=lambda p: p.name):
        profile = sample.name.split("-", 1)[0]
        folder = by_profile.get(profile, folders[-1].path)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / sample.name
        target.write_bytes(sample.read_bytes())
        log.info("sample scan dropped: %s", target)


if __name__ == "__main__":
    sys.exit(main())
