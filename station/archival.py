"""Archival metadata of a hồ sơ and of its documents, as the rules for digitised records
ask (Archives Law 2024, Thông tư 05/2025/TT-BNV; see the domain notes). The names and
code lists are data (`station/data/archival.json`) that an archivist can edit where a
detail of the rules cannot be confirmed; this module only fills them in."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from models import batches

from . import quality_control


@cache
def vocabulary() -> dict[str, Any]:
    """Field labels and code lists (thời hạn bảo quản, chế độ sử dụng, mức độ tin cậy,
    tình trạng vật lý)."""
    return json.loads(resources.files("station").joinpath("data/archival.json").read_text(encoding="utf-8"))


@dataclass
class HosoPackage:
    """What an export needs of one hồ sơ: its metadata, its documents' metadata with
    their PDFs, and its quality flags."""

    metadata: dict[str, Any]
    documents: list[tuple[dict[str, Any], Path, sqlite3.Row]]
    flags: list[quality_control.Flag]


def file_name(code: str, position: int) -> str:
    """`<mã hồ sơ>.<số thứ tự>`, the archival name of a document's file (the number padded
    so that a folder lists them in order)."""
    return f"{code}.{position:03d}"


def collect(conn: sqlite3.Connection, hoso: sqlite3.Row, options: dict[str, Any]) -> HosoPackage:
    listed = json.loads(hoso["metadata"] or "{}")
    language = listed.get("language") or vocabulary()["default_language"]
    docs = []
    for position, row in enumerate(batches.documents_of(conn, hoso["id"]), 1):
        docs.append((document(row, hoso["code"], position, language, options), Path(row["pdf"]), row))
    dates = sorted(d["ngay_van_ban"] for d, _, _ in docs if d["ngay_van_ban"])
    flags = quality_control.check(conn, hoso, options)
    metadata = {
        "ma_ho_so": hoso["code"],
        "tieu_de_ho_so": listed.get("title", ""),
        "thoi_han_bao_quan": _coded("retention", listed.get("retention", "")),
        "che_do_su_dung": _coded("access", listed.get("access", "")),
        "ngon_ngu": language,
        "thoi_gian_bat_dau": dates[0] if dates else None,
        "thoi_gian_ket_thuc": dates[-1] if dates else None,
        "tong_so_van_ban": len(docs),
        "tong_so_trang": sum(d["so_trang"] for d, _, _ in docs),
        "ghi_chu": listed.get("note", ""),
        "kiem_tra_chat_luong": quality_control.summary(flags),
        "quyet_dinh": hoso["decision"],
        "ghi_chu_quyet_dinh": hoso["decision_note"],
    }
    return HosoPackage(metadata, docs, flags)


def document(row: sqlite3.Row, code: str, position: int, language: str, options: dict[str, Any]) -> dict[str, Any]:
    record = json.loads(row["record"])
    fields = record.get("fields", {})

    def value(name: str) -> Any:
        return (fields.get(name) or {}).get("value")

    so_ky_hieu = value("so_ky_hieu") or ""
    number, _, notation = so_ky_hieu.partition("/")
    signer = " ".join(v for v in (value("signer_title"), value("signer")) if v)
    return {
        "ma_ho_so": code,
        "so_thu_tu": position,
        "ma_luu_tru": f"{code}.{position:07d}",
        "ten_tep": file_name(code, position) + ".pdf",
        "so_van_ban": number if notation else "",
        "ky_hieu": notation or so_ky_hieu,
        "ngay_van_ban": value("date"),
        "co_quan_ban_hanh": value("issuer") or "",
        "loai_van_ban": value("type") or "",
        "trich_yeu": value("subject") or "",
        "nguoi_ky": signer,
        "so_trang": len(record.get("pages", [])),
        "ngon_ngu": language,
        "muc_do_tin_cay": _coded("reliability", vocabulary()["digitised"]),
        "tinh_trang_vat_ly": _coded("physical", options.get("physical_state") or ""),
        "do_mat": value("secrecy") or "",
        "do_khan": value("urgency") or "",
        "trang_thai": row["state"],
        "ky_so": bool(record.get("signature")),
        "tep_quet": row["file"],
        "do_tin_cay_truong": {
            k: (fields.get(k) or {}).get("confidence") for k in ("so_ky_hieu", "date", "issuer", "type")
        },
    }


def _coded(kind: str, given: str) -> str:
    """A code list value as '01 - Vĩnh viễn', whether the list gave '01', the name or both."""
    given = str(given).strip()
    if not given:
        return ""
    codes: dict[str, str] = vocabulary()["codes"][kind]
    for code, name in codes.items():
        if given in (code, name, f"{code} - {name}") or given.lstrip("0") == code.lstrip("0"):
            return f"{code} - {name}"
    return given  # not in the list: kept as the archivist wrote it
