"""The catalogues archives print and file, as XLSX: the mục lục hồ sơ (one row per hồ
sơ) and the mục lục văn bản (one row per document, in its hồ sơ's order), with the
quality check and the archivist's decision beside each hồ sơ and secret documents
marked."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

if TYPE_CHECKING:
    from .archival import HosoPackage

DECISIONS = {"accepted": "Đã nghiệm thu", "sent_back": "Trả lại quét lại", None: "Chưa nghiệm thu"}
_SECRET = PatternFill("solid", fgColor="F8D7DA")


def write_catalogue(path: Path, packages: list[HosoPackage]) -> Path:
    from .archival import vocabulary

    words = vocabulary()
    wb = Workbook()
    ws = wb.active
    ws.title = "Mục lục hồ sơ"
    _sheet(ws, "MỤC LỤC HỒ SƠ", ["STT"] + [label for _, label in words["hoso_columns"]])
    for n, p in enumerate(packages, 1):
        checked = p.metadata["kiem_tra_chat_luong"]
        row: dict[str, Any] = {
            **p.metadata,
            "kiem_tra": "Đạt"
            if not checked.get("error")
            else f"{checked['error']} lỗi, {checked.get('warning', 0)} cảnh báo",
            "quyet_dinh": DECISIONS.get(p.metadata["quyet_dinh"], p.metadata["quyet_dinh"]),
        }
        _append(ws, [n] + [row.get(key) for key, _ in words["hoso_columns"]])
    docs = wb.create_sheet("Mục lục văn bản")
    _sheet(docs, "MỤC LỤC VĂN BẢN", ["STT"] + [label for _, label in words["document_columns"]])
    n = 0
    for p in packages:
        for doc, _, _ in p.documents:
            n += 1
            _append(docs, [n] + [doc.get(key) for key, _ in words["document_columns"]])
            if doc.get("do_mat"):
                for cell in docs[docs.max_row]:
                    cell.fill = _SECRET  # secret documents stand out on the printed list
    for sheet in (ws, docs):
        for col in range(1, sheet.max_column + 1):
            sheet.column_dimensions[get_column_letter(col)].width = 14 if col > 1 else 6
        sheet.freeze_panes = "A3"
        sheet.print_title_rows = "2:2"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _sheet(ws: Any, title: str, headers: list[str]) -> None:
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(headers)
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")


def _append(ws: Any, values: list[Any]) -> None:
    ws.append(["" if v is None else v for v in values])
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"  # text read from a scan never runs as a formula (openpyxl makes "=..." one)
