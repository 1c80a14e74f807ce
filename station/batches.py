"""Making an archive batch from what an archivist has: a folder with one sub-folder per
hồ sơ (named by its mã hồ sơ), or one folder of scans plus a CSV/XLSX list of hồ sơ
whose files are named after the hồ sơ's code. The list gives the archival metadata of
each hồ sơ and, optionally, how many documents and pages it should hold.

The archivist's folder is never changed: the station reads a copy (a hard link where
the file system allows, so no space is spent), which then flows like any scan."""

from __future__ import annotations

import csv
import os
import re
import shutil
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any

from classifiers.text import fold
from errors import ExitCode, StationError
from models import batches
from models.batches import HosoPlan
from ocr import InputError, count_pages

from .names import bounded

# The list's columns, by their folded Vietnamese (or English) headers: the first
# header that matches names the column. Metadata keys are the archival names.
COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("ma ho so", "ma_ho_so", "code", "file code", "ho so so"),
    "title": ("tieu de ho so", "tieu de", "title"),
    "retention": ("thoi han bao quan", "retention"),
    "access": ("che do su dung", "access"),
    "language": ("ngon ngu", "language"),
    "note": ("ghi chu", "note"),
    "expected_documents": ("so luong van ban", "so van ban", "tong so van ban", "documents"),
    "expected_pages": ("so luong trang", "so trang", "tong so trang", "pages"),
}
METADATA_KEYS = ("title", "retention", "access", "language", "note")
NOT_SCANS = {".csv", ".xlsx", ".xls", ".txt", ".json", ".md", ".db"}
DEFAULT_OPTIONS: dict[str, Any] = {
    "separator": "SEPARATOR",  # barcode of separator sheets between documents
    "keep_blank": False,  # blank backs are dropped (and counted)
    "min_dpi": 200,  # Decree 30 and TT 05/2025: at least 200 dpi
    "max_skew": 1.0,  # degrees left after deskew
    "min_confidence": 70.0,  # mean OCR confidence of a page
}


class BatchError(StationError):
    exit_code = ExitCode.USAGE


def read_list(path: Path) -> list[dict[str, Any]]:
    """The rows of a hồ sơ list (CSV in UTF-8, or the first sheet of an XLSX), keyed by
    the names of COLUMNS. A list without a mã hồ sơ column is refused in words."""
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
        table = [["" if v is None else str(v).strip() for v in row] for row in sheet.iter_rows(values_only=True)]
    else:
        with path.open(encoding="utf-8-sig", newline="") as f:
            table = [[c.strip() for c in row] for row in csv.reader(f)]
    table = [row for row in table if any(row)]
    if not table:
        raise BatchError(f"{path.name}: the list is empty")
    headers = [fold(h).strip() for h in table[0]]
    where: dict[str, int] = {}
    for key, names in COLUMNS.items():
        for name in names:
            if name in headers:
                where[key] = headers.index(name)
                break
    if "code" not in where:
        raise BatchError(f"{path.name}: no 'Mã hồ sơ' column (the first row must name the columns)")
    rows = []
    for n, row in enumerate(table[1:], 2):
        cell: dict[str, Any] = {k: (row[i] if i < len(row) else "") for k, i in where.items()}
        if not cell["code"]:
            continue
        for k in ("expected_documents", "expected_pages"):
            value = cell.get(k, "")
            if value and not re.fullmatch(r"\d+(\.0)?", value):
                raise BatchError(f"{path.name}, row {n}: '{value}' is not a number of {k.split('_')[1]}")
            cell[k] = int(float(value)) if value else None
        rows.append(cell)
    codes = [r["code"] for r in rows]
    twice = sorted({c for c in codes if codes.count(c) > 1})
    if twice:
        raise BatchError(f"{path.name}: hồ sơ listed twice: {', '.join(twice)}")
    return rows


def plan(source: Path, listing: Path | None = None) -> list[HosoPlan]:
    """The batch's hồ sơ and their scan files, in order, before anything is copied."""
    if not source.is_dir():
        raise BatchError(f"{source}: not a folder")
    rows = read_list(listing) if listing else []
    folders = sorted((d for d in source.iterdir() if d.is_dir() and not d.name.startswith(".")), key=_natural)
    loose = _scans(source)
    if rows:
        plans = [
            HosoPlan(
                r["code"],
                {k: r[k] for k in METADATA_KEYS if r.get(k)},
                r.get("expected_documents"),
                r.get("expected_pages"),
            )
            for r in rows
        ]
    else:
        if loose:
            raise BatchError(
                f"{source}: scans lie loose in the folder; give a list of hồ sơ (--list) whose codes begin "
                "their names, or put each hồ sơ's scans in a folder named by its code"
            )
        plans = [HosoPlan(d.name) for d in folders]
    by_code = {p.code: p for p in plans}
    unplaced: list[str] = []
    for d in folders:
        if d.name in by_code:
            by_code[d.name].files.extend((f, 0) for f in _scans(d))
        else:
            unplaced.append(d.name + "/")
    for f in loose:
        # The longest code that begins the name: 'HS-01-2' belongs to 'HS-01-2', not 'HS-01'.
        owner = max((c for c in by_code if _named_for(f.name, c)), key=len, default=None)
        if owner:
            by_code[owner].files.append((f, 0))
        else:
            unplaced.append(f.name)
    if unplaced:
        raise BatchError(
            f"not in any listed hồ sơ: {', '.join(sorted(unplaced)[:10])}" + ("…" if len(unplaced) > 10 else "")
        )
    if not plans:
        raise BatchError(f"{source}: no hồ sơ found (a folder per hồ sơ, or a list with --list)")
    for p in plans:
        p.files.sort(key=lambda fp: _natural(fp[0]))
    return plans


def create(
    conn: sqlite3.Connection, data_dir: Path, name: str, source: Path, plans: list[HosoPlan], **options: Any
) -> int:
    """Copy the scans into the station's batch folder (hard links where possible), count
    their pages and register the batch. The copy is made before anything is registered,
    so a batch interrupted while copying leaves nothing behind in the database."""
    if batches.find(conn, name):
        raise BatchError(f"a batch named '{name}' exists already")
    # A folder of its own (two names may read the same once made safe for a file name).
    safe = bounded(re.sub(r"[^\w.-]+", "_", name), 100)
    home = data_dir / "batches" / f"{safe}-{uuid.uuid4().hex[:8]}"
    _sweep_unfinished(home.parent)
    staging = home.with_name(home.name + ".making")
    for p in plans:
        copies = []
        for n, (f, _) in enumerate(p.files, 1):
            target = staging / re.sub(r"[^\w.-]+", "_", p.code) / f"{n:04d}-{bounded(f.name, 200)}"
            target.parent.mkdir(parents=True, exist_ok=True)
            _link_or_copy(f, target)
            copies.append((home / target.relative_to(staging), _pages(target)))
        p.files = copies
    if staging.exists():
        staging.rename(home)
    try:
        return batches.create(conn, name, source, {**DEFAULT_OPTIONS, **options}, plans)
    except batches.BatchExists as e:
        shutil.rmtree(home, ignore_errors=True)
        raise BatchError(str(e)) from None


STALE_MAKING_S = 6 * 3600.0


def _sweep_unfinished(batches_dir: Path) -> None:
    """Copies of a `batch create` that was interrupted (killed while copying a shelf):
    never registered, so nothing refers to them. Only old ones go: another `batch
    create` may be copying right now."""
    if not batches_dir.is_dir():
        return
    now = time.time()
    for d in batches_dir.glob("*.making"):
        try:
            if now - d.stat().st_mtime > STALE_MAKING_S:
                shutil.rmtree(d, ignore_errors=True)
        except OSError:
            pass


def _pages(path: Path) -> int:
    try:
        return count_pages(path)
    except InputError:
        return 0  # read when its turn comes, and failed then in plain words like any bad scan


def _link_or_copy(src: Path, dst: Path) -> None:
    # A hard link shares the archivist's file: nothing of it (not even its mode) is
    # changed, and the station only ever reads it.
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _scans(folder: Path) -> list[Path]:
    return sorted(
        (
            f
            for f in folder.iterdir()
            if f.is_file() and not f.name.startswith(".") and f.suffix.lower() not in NOT_SCANS
        ),
        key=_natural,
    )


def _named_for(name: str, code: str) -> bool:
    return name == code or (name.startswith(code) and not name[len(code)].isalnum())


def _natural(p: Path) -> list[Any]:
    """'scan 2' before 'scan 10', as a person orders them."""
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", p.name)]
