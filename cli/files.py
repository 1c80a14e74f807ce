"""`station process` and `station verify`: files in, files out, no service."""

from __future__ import annotations

import argparse
import json
import sys
import time
from contextlib import ExitStack
from pathlib import Path

from archive.signing import open_signer, sign_pdf
from archive.verify import VerifyResult, verify_pdf
from classifiers.separate import SeparationOptions
from errors import ExitCode
from station import config
from station.pipeline import FileResult, Options, process_files

SCAN_SUFFIXES = {".tif", ".tiff", ".jpg", ".jpeg", ".png", ".pdf", ".bmp", ".gif", ".jp2", ".webp"}


def verify(args: argparse.Namespace) -> int:
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
    return ExitCode.OK if all(r.ok for r in results) else ExitCode.SOME_FAILED


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


def process(args: argparse.Namespace) -> int:
    inputs = _expand(args.inputs)
    if not inputs:
        print("station: no scan files found in the given folders", file=sys.stderr)
        return ExitCode.USAGE
    separation = SeparationOptions(args.separator, True, args.split_on_blank) if args.separate else None
    options = Options(
        jobs=max(1, args.jobs),
        lang=args.lang,
        detect_rotation=not args.no_rotate,
        deskew=not args.no_deskew,
        separation=separation,
        engine=args.engine,
        trust_roots=list(config.sender_trust_roots()) + list(args.trust),
    )
    with ExitStack() as stack:
        if not args.no_sign:
            settings = config.load()
            signer = stack.enter_context(open_signer(settings.signing.key))
            if settings.development_key:
                print(
                    "station: signing with the development certificate (set STATION_SIGNING_PKCS12 or "
                    "STATION_SIGNING_PKCS11_MODULE for the organisation's own)",
                    file=sys.stderr,
                )
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
    print(
        f"{ok} of {len(inputs)} files done, {pages} pages in {took:.1f} s" + (f"; {failed} failed" if failed else ""),
        file=sys.stderr,
    )
    return ExitCode.SOME_FAILED if failed else ExitCode.OK


def _report(result: FileResult, verbose: bool, bar: _Progress | None) -> None:
    if bar:
        bar.file_done()
    if result.status == "ok":
        docs = ", ".join(f"{d.pdf} ({len(d.pages)} pages)" for d in result.documents)
        line = f"{result.source}: ok -> {docs}"
        original = result.documents[0].original if result.documents else None
        if original and original.kept_as:
            line += f"; received file kept as {original.kept_as}"
        if original and original.summary:
            line += f"\n  {original.summary}"
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
        sys.stderr.write(
            f"\r[{bar}] {self.files_done}/{self.files} files, {self.pages_done} pages  {self.current}\x1b[K"
        )
        sys.stderr.flush()

    def clear(self) -> None:
        sys.stderr.write("\r\x1b[K")

    def close(self) -> None:
        self.clear()
        sys.stderr.flush()
