"""The incoming register: consecutive arrival numbers, safe under concurrency, exported
with Decree 30's columns."""

import csv
import json
from datetime import date
from multiprocessing import get_context
from pathlib import Path

from errors import ExitCode, Refused
from models import documents, jobs, register
from models.db import connect
from models.validation import vietnam_today
from tests.conftest import run_station


def _doc(conn, tmp: Path, i: int, profile: str = "incoming") -> int:
    f = tmp / f"scan-{i}.jpg"
    f.write_bytes(f"scan {i}".encode())
    job, _ = jobs.intake(conn, f, profile, None)
    fields = {
        "so_ky_hieu": {"value": f"{i:02d}/QĐ-UBND", "confidence": 0.95},
        "number": {"value": i, "confidence": 0.95},
        "issuer": {"value": "SỞ NỘI VỤ", "confidence": 0.95},
        "date": {"value": "2025-03-05", "confidence": 0.95},
        "type": {"value": "Quyết định", "confidence": 0.95},
        "subject": {"value": f"việc số {i}", "confidence": 0.9},
    }
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        return documents.add(conn, job.id, str(f), {"fields": fields, "pages": [{}]}, None)


def _approve_many(db: str, ids: list[int]) -> list[int]:
    conn = connect(Path(db))
    return [register.approve(conn, i, "clerk", register=True, today=date(2025, 6, 1)).so_den for i in ids]


def test_arrival_numbers_are_consecutive_under_concurrent_approvals(tmp_path):
    db = tmp_path / "station.db"
    conn = connect(db)
    ids = [_doc(conn, tmp_path, i) for i in range(1, 41)]
    with get_context("spawn").Pool(4) as pool:  # four clerks approving at once, in separate processes
        numbers = [n for part in pool.starmap(_approve_many, [(str(db), ids[k::4]) for k in range(4)]) for n in part]
    assert sorted(numbers) == list(range(1, 41))
    rows = conn.execute("SELECT year, so_den FROM register ORDER BY so_den").fetchall()
    assert [r["so_den"] for r in rows] == list(range(1, 41)) and {r["year"] for r in rows} == {2025}
    # a new year starts again at 1
    extra = _doc(conn, tmp_path, 99)
    assert register.approve(conn, extra, "clerk", register=True, today=date(2026, 1, 2)).so_den == 1


def test_approve_twice_is_refused_and_the_number_is_never_reused(tmp_path):
    conn = connect(tmp_path / "station.db")
    a, b = _doc(conn, tmp_path, 1), _doc(conn, tmp_path, 2)
    assert register.approve(conn, a, "clerk", True).so_den == 1
    try:
        register.approve(conn, a, "clerk", True)
        raise AssertionError("approved twice")
    except Refused:
        pass
    # However the document's row changes later (here set aside by hand), its number stays taken.
    conn.execute("UPDATE documents SET state = 'rejected' WHERE id = ?", (a,))
    assert register.approve(conn, b, "clerk", True).so_den == 2


def test_cli_approve_registers_and_exports_csv_and_xlsx(tmp_path):
    data = tmp_path / "data"
    conn = connect(data / "station.db")
    incoming, archive = _doc(conn, tmp_path, 7), _doc(conn, tmp_path, 8, profile="archive")
    env = {"STATION_DATA_DIR": str(data)}
    out = run_station("approve", str(incoming), env=env)
    assert out.returncode == 0 and "số đến 1" in out.stdout
    out = run_station("approve", str(archive), env=env)  # old records are not incoming mail
    assert out.returncode == 0 and "số đến" not in out.stdout
    assert run_station("approve", str(incoming), env=env).returncode == ExitCode.REFUSED
    year = vietnam_today().year
    res = run_station("register", "export", "--year", str(year), "--out", str(tmp_path / "reg"), env=env)
    assert res.returncode == 0, res.stderr
    with open(tmp_path / "reg" / f"so-den-{year}.csv", encoding="utf-8-sig") as f:
        table = list(csv.reader(f))
    assert table[0] == register.COLUMNS
    assert len(table) == 2 and table[1][1] == "1" and table[1][3] == "07/QĐ-UBND" and table[1][4] == "05/03/2025"
    assert table[1][5] == "Quyết định - việc số 7" and table[1][2] == "SỞ NỘI VỤ"
    from openpyxl import load_workbook

    ws = load_workbook(tmp_path / "reg" / f"so-den-{year}.xlsx").active
    assert ws["A1"].value == f"SỔ ĐĂNG KÝ VĂN BẢN ĐẾN - NĂM {year}"
    assert [c.value for c in ws[2]] == register.COLUMNS and ws["D3"].value == "07/QĐ-UBND"
    assert ws["B3"].value == 1  # a number, so the sheet sorts and sums it
    assert ws.freeze_panes == "A3" and ws.print_title_rows == "$2:$2" and ws.page_setup.orientation == "landscape"
    audit = [json.loads(r["after"]) for r in conn.execute("SELECT after FROM audit WHERE entity = 'register'")]
    assert [(a["year"], a["so_den"], a["received_on"]) for a in audit] == [(year, 1, vietnam_today().isoformat())]


def test_the_issuers_of_registered_documents_are_known_to_the_station(tmp_path):
    """Only documents a clerk approved count: one waiting for review or rejected does not.
    A corrected issuer counts as corrected."""
    conn = connect(tmp_path / "station.db")
    school = "TRƯỜNG CAO ĐẲNG KỸ THUẬT MIỀN TÂY"
    approved, waiting, rejected = (_doc(conn, tmp_path, i) for i in (1, 2, 3))
    documents.correct_fields(conn, approved, {"issuer": school}, "clerk", "clerk")
    documents.correct_fields(conn, waiting, {"issuer": "SỞ TƯ PHÁP"}, "clerk", "clerk")
    documents.reject(conn, rejected, "bản trùng", "clerk")
    assert documents.registered_issuers(conn) == frozenset()
    register.approve(conn, approved, "clerk", register=True, today=date(2025, 6, 1))
    assert documents.registered_issuers(conn) == {school}
