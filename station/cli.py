"""The `station` command."""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import time
from contextlib import ExitStack
from pathlib import Path

from classifiers.separate import DEFAULT_SEPARATOR, SeparationOptions

from . import config
from .archive.keys import KeyError_
from .archive.signing import open_signer, sign_pdf
from .archive.verify import VerifyResult, verify_pdf
from .config import ConfigError
from .pipeline import FileResult, Options, process_files

SCAN_SUFFIXES = {".tif", ".tiff", ".jpg", ".jpeg", ".png", ".pdf"}


def main(argv: list[str] | None = None) -> int:
    # What the station writes (database, keys, scans, secret documents) is this
    # account's alone, whichever command writes it.
    os.umask(0o077)
    ap = argparse.ArgumentParser(prog="station", description="Digitization station for Vietnamese "
                                 "administrative documents.")
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("process", help="turn scan files into searchable PDF/A documents with a JSON record")
    p.add_argument("inputs", nargs="+", type=Path, help="scan files (TIFF, JPEG, PNG, PDF) or folders of them")
    p.add_argument("--out", type=Path, required=True, help="folder for X.pdf and X.json of each input X")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="pages worked on at once (default: cores)")
    p.add_argument("--lang", default="vie", help="Tesseract language (default: vie)")
    p.add_argument("--no-sign", action="store_true", help="do not sign the PDF (signing is on by default; "
                   "the key comes from STATION_SIGNING_* settings, else a development certificate)")
    p.add_argument("--no-rotate", action="store_true", help="do not detect page orientation")
    p.add_argument("--no-deskew", action="store_true", help="do not straighten pages")
    p.add_argument("--separate", action="store_true",
                   help="a file holds several documents (archive batch): split at separator sheets and at "
                        "pages with a document header; drop blank pages")
    p.add_argument("--separator", default=DEFAULT_SEPARATOR, metavar="VALUE",
                   help=f"barcode value (QR or Code 39) of separator sheets (default: {DEFAULT_SEPARATOR})")
    p.add_argument("--split-on-blank", action="store_true", help="with --separate: a blank page ends a document")
    p.add_argument("-v", "--verbose", action="store_true", help="show internal details of failures")
    v = sub.add_parser("verify", help="check the signatures of signed PDFs")
    v.add_argument("files", nargs="+", type=Path)
    v.add_argument("--trust", type=Path, action="append", default=[], metavar="CA.pem",
                   help="also trust this certification authority (repeatable)")
    v.add_argument("--json", action="store_true", help="print the results as JSON")
    r = sub.add_parser("run", help="run the station: hot folders, processing, signing, delivery")
    r.add_argument("--samples", action="store_true", help="drop a few sample scans into the archive hot folder")
    sub.add_parser("status", help="jobs and documents per state, recent failures, outbox backlog")
    rt = sub.add_parser("retry", help="put a failed job back in the queue")
    rt.add_argument("job", type=int)
    apv = sub.add_parser("approve", help="approve a document waiting for review (it is then signed and delivered)")
    apv.add_argument("document", type=int)
    usr = sub.add_parser("user", help="local accounts of the review page")
    usr_sub = usr.add_subparsers(dest="user_command", required=True)
    uadd = usr_sub.add_parser("add", help="create an account (the first one: an admin)")
    uadd.add_argument("username")
    uadd.add_argument("--role", choices=["clerk", "reviewer", "admin"], default="clerk")
    uadd.add_argument("--password-file", type=Path, help="read the password from this file (else "
                      "STATION_NEW_PASSWORD, else a prompt)")
    reg = sub.add_parser("register", help="the incoming register (sổ đăng ký văn bản đến)")
    reg_sub = reg.add_subparsers(dest="register_command", required=True)
    rex = reg_sub.add_parser("export", help="write the register of a year as CSV and XLSX")
    rex.add_argument("--year", type=int, required=True)
    rex.add_argument("--out", type=Path, default=Path("."))
    args = ap.parse_args(argv)
    _quiet_libraries()
    try:
        if args.command == "process":
            return _process(args)
        if args.command == "verify":
            return _verify(args)
        if args.command == "run":
            return _run(args)
        return _admin(args)
    except ConfigError as e:
        print(f"station: configuration: {e}", file=sys.stderr)
        return 2
    return 2


def _run(args: argparse.Namespace) -> int:
    from .service import AlreadyRunning, Station

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = config.service()
    try:
        station = Station(settings)
    except AlreadyRunning as e:
        print(f"station: {e}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: station.stop())
    folders = ", ".join(f"{f.path} ({f.profile})" for f in settings.folders)
    print(f"station: watching {folders}; results in {settings.data_dir / 'export'}; Ctrl-C stops", file=sys.stderr)
    if settings.http_port:
        print(f"station: review page on http://{settings.http_host}:{settings.http_port}/", file=sys.stderr)
        if not _has_accounts(settings.data_dir):
            print("station: no accounts yet: create the first with `station user add NAME --role admin`",
                  file=sys.stderr)
    if args.samples:
        _drop_samples(settings.folders)
    try:
        station.run()
    except KeyboardInterrupt:
        station.stop()
    print("station: stopped", file=sys.stderr)
    return 0


def _has_accounts(data_dir: Path) -> bool:
    from models.db import connect

    conn = connect(data_dir / "station.db")
    try:
        return conn.execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None
    finally:
        conn.close()


def _drop_samples(folders: list) -> None:
    """A few generated scans (Decree 30 layout, stamps, skew) so a newcomer sees them
    flow: two into the archive folder (approved and signed on their own when read
    confidently), two into the incoming folder (they wait on the review page). The
    generator lives with the tests in the checkout, which is not an installed package."""
    checkout = str(Path(__file__).resolve().parent.parent)
    if checkout not in sys.path:
        sys.path.append(checkout)
    try:
        from tests.synthetic import generate
    except ImportError:
        print("station: sample scans need the test extra (scripts/bootstrap.sh)", file=sys.stderr)
        return
    import shutil
    import tempfile

    by_profile = {f.profile: f.path for f in folders}
    with tempfile.TemporaryDirectory() as tmp:
        for sample in generate(Path(tmp), 1, ["clean", "skew", "stamps", "upside_down"], seed=5):
            folder = by_profile.get("archive" if sample.profile in ("clean", "skew") else "incoming",
                                    folders[-1].path)
            folder.mkdir(parents=True, exist_ok=True)
            shutil.move(str(sample.path), folder / sample.path.name)
            print(f"station: sample scan dropped: {folder / sample.path.name}", file=sys.stderr)


def _admin(args: argparse.Namespace) -> int:
    from models import jobs, register
    from models.db import connect

    from .service import status

    conn = connect(config.data_dir() / "station.db")
    if args.command == "status":
        print(json.dumps(status(conn), ensure_ascii=False, indent=2, default=str))
        return 0
    if args.command == "retry":
        job = jobs.get(conn, args.job)
        if job is None or job.state != "failed":
            print(f"station: job {args.job} is not a failed job", file=sys.stderr)
            return 1
        jobs.retry(conn, job.id, job.source)
        print(f"job {job.id} ({job.name}) is queued again")
        return 0
    if args.command == "approve":
        row = conn.execute("SELECT j.profile FROM documents d JOIN jobs j ON j.id = d.job_id WHERE d.id = ?",
                           (args.document,)).fetchone()
        try:
            so_den = register.approve(conn, args.document, "clerk", register=bool(row and row["profile"] == "incoming"))
        except ValueError as e:
            print(f"station: {e}", file=sys.stderr)
            return 1
        print(f"document {args.document} approved" + (f", số đến {so_den}" if so_den else "")
              + ": it will be signed and delivered")
        return 0
    if args.command == "user":
        from models import users

        if args.password_file:
            password = args.password_file.read_text(encoding="utf-8").strip()
        elif os.environ.get("STATION_NEW_PASSWORD"):
            password = os.environ["STATION_NEW_PASSWORD"]
        else:
            import getpass

            password = getpass.getpass(f"password for {args.username}: ")
            if getpass.getpass("again: ") != password:
                print("station: the two passwords differ", file=sys.stderr)
                return 1
        try:
            user = users.add(conn, args.username, password, args.role, actor="station user add")
        except ValueError as e:
            print(f"station: {e}", file=sys.stderr)
            return 1
        print(f"user {user.username} ({user.role}) created")
        return 0
    if args.command == "register":
        from .register_export import export

        for path in export(conn, args.year, args.out):
            print(path)
        return 0
    return 2


def _quiet_libraries() -> None:
    """Library chatter (pyHanko's path-building tracebacks, fontTools' subsetting notes)
    is not for the user; our own messages say what matters."""
    for name in ("pyhanko", "pyhanko_certvalidator", "fontTools"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _verify(args: argparse.Namespace) -> int:
    settings = config.load()
    roots = list(settings.trust_roots) + list(args.trust)
    results = [verify_pdf(f, roots) if f.exists() else _missing(f) for f in args.files]
    if args.json:
        print(json.dumps([r.to_json() for r in results], ensure_ascii=False, indent=2))
    else:
        for r in results:
            print(f"{r.path}: {'valid' if r.ok else 'NOT VALID'}" + (f", {r.pdfa}" if r.pdfa else ""))
            for s in r.signatures:
                print(f"  signed by {s.signer}\n  at {s.signed_at}, PAdES {s.level}")
                for problem in s.problems:
                    print(f"  problem: {problem}")
            for problem in r.problems:
                print(f"  problem: {problem}")
    return 0 if all(r.ok for r in results) else 1


def _missing(path: Path) -> VerifyResult:
    return VerifyResult(str(path), problems=["the file does not exist"])


def _expand(inputs: list[Path]) -> list[Path]:
    files: list[Path] = []
    for p in inputs:
        if p.is_dir():
            files.extend(sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in SCAN_SUFFIXES))
        else:
            files.append(p)  # a missing or odd file gets its own clear failure
    return files


def _process(args: argparse.Namespace) -> int:
    inputs = _expand(args.inputs)
    if not inputs:
        print("station: no scan files found in the given folders", file=sys.stderr)
        return 2
    separation = SeparationOptions(args.separator, True, args.split_on_blank) if args.separate else None
    options = Options(jobs=max(1, args.jobs), lang=args.lang, detect_rotation=not args.no_rotate,
                      deskew=not args.no_deskew, separation=separation)
    with ExitStack() as stack:
        if not args.no_sign:
            settings = config.load()
            try:
                signer = stack.enter_context(open_signer(settings.signing.key))
            except KeyError_ as e:
                print(f"station: signing key: {e}", file=sys.stderr)
                return 2
            if settings.development_key:
                print("station: signing with the development certificate (set STATION_SIGNING_PKCS12 or "
                      "STATION_SIGNING_PKCS11_MODULE for the organisation's own)", file=sys.stderr)
            options.sign = lambda pdf: sign_pdf(pdf, pdf, settings.signing, signer)
        return _run_process(inputs, args, options)


def _run_process(inputs: list[Path], args: argparse.Namespace, options: Options) -> int:
    bar = _Progress(len(inputs)) if sys.stderr.isatty() else None
    failed = 0
    started = time.monotonic()
    pages = 0
    for result in process_files(inputs, args.out, options, bar.page if bar else None):
        pages += len(result.pages)
        if result.status != "ok":
            failed += 1
        _report(result, args.verbose, bar)
    if bar:
        bar.close()
    took = time.monotonic() - started
    ok = len(inputs) - failed
    print(f"{ok} of {len(inputs)} files done, {pages} pages in {took:.1f} s"
          + (f"; {failed} failed" if failed else ""), file=sys.stderr)
    return 1 if failed else 0


def _report(result: FileResult, verbose: bool, bar: "_Progress | None") -> None:
    if bar:
        bar.file_done()
    if result.status == "ok":
        docs = ", ".join(f"{d.pdf} ({len(d.pages)} pages)" for d in result.documents)
        line = f"{result.source}: ok -> {docs}"
        stream = sys.stdout
    else:
        line = f"{result.source}: failed: {result.error}"
        stream = sys.stderr
    if bar:
        bar.clear()
    print(line, file=stream, flush=True)
    if verbose and result.debug:
        print(result.debug, file=sys.stderr)
    if bar:
        bar.draw()


class _Progress:
    """One line at the bottom of the terminal: files and pages done."""

    def __init__(self, files: int) -> None:
        self.files, self.files_done, self.pages_done = files, 0, 0
        self.current = ""

    def page(self, event: str, path: Path, done: int, total: int) -> None:
        self.pages_done += 1
        self.current = f"{path.name} {done}/{total}"
        self.draw()

    def file_done(self) -> None:
        self.files_done += 1

    def draw(self) -> None:
        width = 30
        filled = int(width * self.files_done / max(1, self.files))
        bar = "#" * filled + "-" * (width - filled)
        sys.stderr.write(f"\r[{bar}] {self.files_done}/{self.files} files, {self.pages_done} pages  {self.current}\x1b[K")
        sys.stderr.flush()

    def clear(self) -> None:
        sys.stderr.write("\r\x1b[K")

    def close(self) -> None:
        self.clear()
        sys.stderr.flush()


if __name__ == "__main__":
    sys.exit(main())
