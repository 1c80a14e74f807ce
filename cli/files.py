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
from ocr import InputError, count_pages
from station import config
from station.pipeline import FileResult, Options, process_files

from .progress import Bar, PageCounter

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
    counter = PageCounter(sum(_page_count(f) for f in inputs), len(inputs))
    bar = Bar("station process", enabled=sys.stderr.isatty())
    seen: dict[Path, int] = {}  # pages of each file counted so far

    def on_page(event: str, path: Path, done: int, total: int) -> None:
        seen[path] = done
        counter.page()
        bar.update(counter.figures)

    failed = 0
    started = time.monotonic()
    pages = 0
    try:
        for result in process_files(inputs, args.out, options, on_page):
            pages += len(result.pages)
            if result.status != "ok":
                failed += 1
                counter.failed(max(0, _page_count(result.source) - seen.get(result.source, 0)))
                bar.update(counter.figures)
            _report(result, args.verbose)
    finally:
        bar.close()
    took = time.monotonic() - started
    ok = len(inputs) - failed
    print(
        f"{ok} of {len(inputs)} files done, {pages} pages in {took:.1f} s"
        + (f" ({pages * 60 / took:.1f} pages/min)" if took > 0 and pages else "")
        + (f"; {failed} failed" if failed else ""),
        file=sys.stderr,
    )
    return ExitCode.SOME_FAILED if failed else ExitCode.OK


def _page_count(path: Path) -> int:
    try:
        return count_pages(path)
    except (InputError, OSError):
        return 0  # said when the file's turn comes


def _report(result: FileResult, verbose: bool) -> None:
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
    print(line, file=stream, flush=True)
    if verbose and result.debug:
        print(result.debug, file=sys.stderr)
