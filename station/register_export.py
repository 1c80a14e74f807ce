"""`station register export` and the register page's downloads: the incoming register
as CSV and as an XLSX ready to print (title, frozen and repeated header, A4 landscape
fitted to the width, số đến as a number)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from models import register

# A cell starting with one of these is a formula to Excel and LibreOffice (and "-" or
# "+" starts one too): a subject or issuer read from a scan must never run as one.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TITLE = "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN"
WIDTHS = (12, 8, 30, 18, 13, 50, 22, 12, 12, 24)


def csv_safe(value: str | int) -> str | int:
    """CSV has no types: a value that would start a formula is prefixed with an
    apostrophe, which spreadsheets show as text (OWASP's advice)."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def period_title(year: int | None, date_from: date | None = None, date_to: date | None = None) -> str:
    """'Năm 2026', 'Ngày 22/11/2026' or 'Từ ngày 01/11/2026 đến ngày 22/11/2026'."""
    if date_from and date_to and date_from == date_to:
        return f"Ngày {date_from:%d/%m/%Y}"
    if date_from or date_to:
        return " ".join(
            p
            for p in (
                f"từ ngày {date_from:%d/%m/%Y}" if date_from else "",
                f"đến ngày {date_to:%d/%m/%Y}" if date_to else "",
            )
            if p
        ).capitalize()
    return f"Năm {year}"


def export(
    conn, year: int | None, out_dir: Path, date_from: date | None = None, date_to: date | None = None
) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    data = [row for _, row in register.rows(conn, year, date_from, date_to)]
    stem = f"so-den-{year}" if year else f"so-den-{date_from or ''}-{date_to or ''}".rstrip("-")
    csv_path = out_dir / f"{stem}.csv"
    # utf-8 with a BOM: Excel then opens Vietnamese text correctly.
    with csv_path.open("w", newline="", encoding="utf-8-sig") as f:
        w = csv.writer(f)
        w.writerow(register.COLUMNS)
        w.writerows([[csv_safe(v) for v in row] for row in data])
    xlsx_path = out_dir / f"{stem}.xlsx"
    _xlsx(data, f"{TITLE} - {period_title(year, date_from, date_to).upper()}", xlsx_path)
    return csv_path, xlsx_path


def _xlsx(data: list[list[str | int]], title: str, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    wb = Workbook()
    ws = wb.active
    ws.title = "Sổ văn bản đến"
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(register.COLUMNS))
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append(register.COLUMNS)
    thin = Side(style="thin")
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
    for row in data:
        ws.append(row)
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, whatever it starts with (openpyxl makes "=..." a formula)
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
    for i, width in enumerate(WIDTHS):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    ws.freeze_panes = "A3"  # title and header stay while scrolling
    ws.print_title_rows = "2:2"  # and the header repeats on every printed page
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    wb.save(path)
