"""`station register export`: the incoming register of a year as CSV and XLSX."""

from __future__ import annotations

import csv
from pathlib import Path

from models import register

# A cell starting with one of these is a formula to Excel and LibreOffice (and "-" or
# "+" starts one too): a subject or issuer read from a scan must never run as one.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: str) -> str:
    """CSV has no types: a value that would start a formula is prefixed with an
    apostrophe, which spreadsheets show as text (OWASP's advice)."""
    return "'" + value if value.startswith(FORMULA_START) else value


def export(conn, year: int, out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    data = register.rows(conn, year)
    csv_path = out_dir / f"so-den-{year}.csv"
    # utf-8 with a BOM: Excel then opens Vietnamese text correctly.
    with csv_path.open("w", newline="", encoding="utf-8-sig") as f:
        w = csv.writer(f)
        w.writerow(register.COLUMNS)
        w.writerows([[csv_safe(v) for v in row] for row in data])
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = f"Sổ đến {year}"
    ws.append(register.COLUMNS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in data:
        ws.append(row)
        for cell in ws[ws.max_row]:
            cell.data_type = "s"  # text, whatever it starts with (openpyxl makes "=..." a formula)
    for col, width in zip("ABCDEFGHIJ", (12, 8, 30, 18, 14, 50, 20, 12, 10, 20)):
        ws.column_dimensions[col].width = width
    xlsx_path = out_dir / f"so-den-{year}.xlsx"
    wb.save(xlsx_path)
    return csv_path, xlsx_path
