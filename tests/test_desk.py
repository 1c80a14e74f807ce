"""Issue 17, the clerk's desk, in the models: what a clerk types is checked before it
reaches the register, the arrival entry, undo within the grace period, amendments,
the clerk's own queue order."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from delivery import edxml
from errors import Invalid, Refused
from models import documents, jobs, register
from models.db import connect
from models.register import ArrivalEntry, NeedsAttention
from models.validation import (
    normalise_so_ky_hieu,
    parse_date,
    so_ky_hieu_problem,
    type_from_notation,
    vietnam_today,
)

GOOD = {
    "so_ky_hieu": "185/QĐ-UBND",
    "issuer": "SỞ NỘI VỤ",
    "date": "2025-10-24",
    "type": "Quyết định",
    "subject": "về việc kiện toàn tổ công tác",
}


def _doc(conn, tmp: Path, name: str, profile: str = "incoming", **fields) -> int:
    f = tmp / f"{name}.jpg"
    f.write_bytes(name.encode())
    job, _ = jobs.intake(conn, f, profile, None)
    values = {**GOOD, **fields}
    record = {
        "fields": {k: {"value": v, "confidence": 0.95} for k, v in values.items() if v is not None},
        "pages": [{}, {}],
    }
    if values.get("so_ky_hieu"):
        record["fields"]["number"] = {"value": int(values["so_ky_hieu"].split("/")[0]), "confidence": 0.95}
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        return documents.add(conn, job.id, str(f), record, None)


@pytest.mark.parametrize(
    "typed", ["24/10/2025", "24/10/25", "24.10.2025", "24-10-2025", "2025-10-24", " 24 / 10 / 2025 "]
)
def test_dates_typed_the_way_offices_write_them(typed):
    assert parse_date(typed, today=date(2026, 11, 22)) == date(2025, 10, 24)


@pytest.mark.parametrize("typed", ["31/02/2025", "2025/10", "hôm qua", "24/10/202"])
def test_a_date_that_is_not_one_is_refused_in_words(typed):
    with pytest.raises(Invalid):
        parse_date(typed)


def test_two_digit_years_are_this_century_unless_after_next_year():
    assert parse_date("01/01/27", today=date(2026, 11, 22)).year == 2027
    assert parse_date("01/01/98", today=date(2026, 11, 22)).year == 1998


@pytest.mark.parametrize(
    "text", ["318/VKHXH-QLKH", "09/2025/NĐ-CP", "47-TB/ĐTN", "742/ĐHXY", "12/UBND-VP", "7/QĐ-TTg", "3/CĐ-BCĐ&PC"]
)
def test_decree_30_notations_pass(text):
    assert so_ky_hieu_problem(text) is None


@pytest.mark.parametrize("text", ["QĐ-UBND", "185", "abc/QĐ", "185/", "185/QĐ UBND"])
def test_what_is_not_a_notation_is_named(text):
    assert "không đúng mẫu" in (so_ky_hieu_problem(text) or "")


def test_a_typed_notation_is_normalised():
    assert normalise_so_ky_hieu(" 185 / qđ - ubnd ") == "185/QĐ-UBND"
    assert normalise_so_ky_hieu("7/QĐ-TTg") == "7/QĐ-TTg"  # mixed case kept as typed


@pytest.mark.parametrize(
    "notation, subject, expected",
    [
        ("185/QĐ-UBND", "", "Quyết định"),
        ("09/2025/NĐ-CP", "", "Nghị định"),
        ("47-TB/ĐTN", "", "Thông báo"),
        ("12/UBND-VP", "V/v triển khai", "Công văn"),
        ("742/ĐHXY", "", "Công văn"),
    ],
)
def test_the_type_follows_the_notation(notation, subject, expected):
    assert type_from_notation(notation, subject) == expected


def test_vietnam_day_at_half_past_midnight_is_not_the_utc_day():
    at = datetime(2026, 11, 21, 17, 30, tzinfo=UTC).timestamp()  # 00:30 on the 22nd in Hà Nội
    assert vietnam_today(at) == date(2026, 11, 22)


def test_a_correction_stores_the_date_iso_and_the_number_column(tmp_path):
    conn = connect(tmp_path / "s.db")
    doc = _doc(conn, tmp_path, "a")
    documents.correct_fields(conn, doc, {"date": "24/10/25", "so_ky_hieu": "186 / qđ-ubnd"}, "thu", "clerk")
    row = conn.execute("SELECT issued, so_ky_hieu, number FROM documents WHERE id = ?", (doc,)).fetchone()
    assert tuple(row) == ("2025-10-24", "186/QĐ-UBND", 186)
    with pytest.raises(Invalid) as bad:
        documents.correct_fields(conn, doc, {"date": "25//2/24/1"}, "thu", "clerk")
    assert bad.value.field == "date"


def test_approval_stops_on_an_empty_issuer_and_an_override_needs_a_reason(tmp_path):
    conn = connect(tmp_path / "s.db")
    doc = _doc(conn, tmp_path, "a", issuer=None)
    with pytest.raises(NeedsAttention) as stop:
        register.approve(conn, doc, "thu", register=True)
    assert stop.value.field == "issuer" and "Cơ quan ban hành" in str(stop.value)
    with pytest.raises(Invalid) as empty:
        register.approve(conn, doc, "thu", register=True, override="  ")
    assert empty.value.field == "override_reason"
    done = register.approve(conn, doc, "thu", register=True, override="công văn không ghi cơ quan")
    assert done.so_den == 1
    after = json.loads(
        conn.execute("SELECT after FROM audit WHERE action = 'approved' AND entity_id = ?", (doc,)).fetchone()[0]
    )
    assert after["reason"] == "công văn không ghi cơ quan" and after["overridden"]


def test_a_red_reading_stops_approval_until_corrected(tmp_path):
    conn = connect(tmp_path / "s.db")
    doc = _doc(conn, tmp_path, "a")
    record = json.loads(conn.execute("SELECT record FROM documents WHERE id = ?", (doc,)).fetchone()[0])
    record["fields"]["date"]["confidence"] = 0.4
    conn.execute("UPDATE documents SET record = ? WHERE id = ?", (json.dumps(record), doc))
    with pytest.raises(NeedsAttention) as stop:
        register.approve(conn, doc, "thu", register=True)
    assert stop.value.field == "date"
    documents.correct_fields(conn, doc, {"date": "25/10/2025"}, "thu", "clerk")
    assert register.approve(conn, doc, "thu", register=True).so_den == 1


def test_a_duplicate_made_by_a_correction_is_found_and_named_by_its_so_den(tmp_path):
    conn = connect(tmp_path / "s.db")
    first = _doc(conn, tmp_path, "a")
    register.approve(conn, first, "thu", register=True, today=date(2026, 3, 2))
    second = _doc(conn, tmp_path, "b", so_ky_hieu="187/QĐ-UBND")
    assert conn.execute("SELECT duplicate_of FROM documents WHERE id = ?", (second,)).fetchone()[0] is None
    documents.correct_fields(conn, second, {"so_ky_hieu": "185/QĐ-UBND"}, "thu", "clerk")
    assert conn.execute("SELECT duplicate_of FROM documents WHERE id = ?", (second,)).fetchone()[0] == first
    with pytest.raises(NeedsAttention) as stop:
        register.approve(conn, second, "thu", register=True)
    assert "trùng với số đến 1/2026" in str(stop.value)
    documents.correct_fields(conn, second, {"so_ky_hieu": "188/QĐ-UBND"}, "thu", "clerk")  # and it clears
    assert conn.execute("SELECT duplicate_of FROM documents WHERE id = ?", (second,)).fetchone()[0] is None


def test_the_arrival_entry_fills_the_register_and_the_edxml(tmp_path):
    conn = connect(tmp_path / "s.db")
    doc = _doc(conn, tmp_path, "a")
    entry = ArrivalEntry.from_form(
        {
            "arrival_date": "21/11/2026",
            "arrival_handler": "Phòng Tổng hợp",
            "arrival_due": "30/11/26",
            "arrival_pages": "",
        }
    )
    register.approve(conn, doc, "thu", register=True, arrival=entry)
    (_, row), *_ = register.rows(conn, 2026)
    assert row[0] == "21/11/2026" and row[1] == 1 and row[6] == "Phòng Tổng hợp" and row[7] == "21/11/2026"
    assert "hạn xử lý 30/11/2026" in row[9]
    assert conn.execute("SELECT pages FROM register").fetchone()[0] == 2  # the pages scanned, by default
    record = json.loads(conn.execute("SELECT record FROM documents WHERE id = ?", (doc,)).fetchone()[0])
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(b"%PDF-1.7\n")
    xml = edxml.build(pdf, record, {"OrganId": "A"}, {"OrganId": "B"}).decode()
    assert "<edXML:DueDate>2026/11/30</edXML:DueDate>" in xml
    assert "<edXML:Place>Phòng Tổng hợp</edXML:Place>" in xml
    assert "<edXML:PromulgationDate>2025/10/24</edXML:PromulgationDate>" in xml
    with pytest.raises(Invalid) as bad:
        ArrivalEntry.from_form({"arrival_due": "mai"})
    assert bad.value.field == "arrival_due"


def test_undo_within_the_grace_returns_to_review_and_keeps_the_number(tmp_path):
    conn = connect(tmp_path / "s.db")
    a, b = _doc(conn, tmp_path, "a"), _doc(conn, tmp_path, "b", so_ky_hieu="200/QĐ-UBND")
    assert register.approve(conn, a, "thu", register=True, hold_s=60).so_den == 1
    register.undo(conn, a, "thu")
    assert documents.queue_order(conn) == [a, b]
    assert register.approve(conn, b, "thu", register=True).so_den == 2
    assert register.approve(conn, a, "thu", register=True).so_den == 1  # the number on the paper stands
    with pytest.raises(Refused, match="quá thời gian"):
        register.undo(conn, a, "thu")  # hold 0: signing may have begun


def test_after_the_grace_a_correction_is_an_audited_amendment(tmp_path):
    conn = connect(tmp_path / "s.db")
    doc = _doc(conn, tmp_path, "a")
    register.approve(conn, doc, "thu", register=True)
    with pytest.raises(Invalid):
        documents.amend(conn, doc, {"subject": "x"}, "thu", "clerk", "")
    assert documents.amend(
        conn, doc, {"subject": "về việc kiện toàn tổ công tác số hóa"}, "thu", "clerk", "sai trích yếu"
    )
    record = json.loads(conn.execute("SELECT record FROM documents WHERE id = ?", (doc,)).fetchone()[0])
    assert record["amendments"][0]["reason"] == "sai trích yếu"
    assert conn.execute("SELECT action FROM audit ORDER BY id DESC LIMIT 1").fetchone()[0] == "amended"


def test_a_skipped_document_goes_to_the_end_of_the_clerks_queue(tmp_path):
    conn = connect(tmp_path / "s.db")
    a, b, c = (_doc(conn, tmp_path, n, so_ky_hieu=f"{i}/QĐ-UBND") for i, n in enumerate("abc", 1))
    assert documents.next_in_queue(conn, a, skipped=[a]) == b
    register.approve(conn, b, "thu", register=True)
    assert documents.next_in_queue(conn, b, skipped=[a]) == c  # not a, although a is older
    register.approve(conn, c, "thu", register=True)
    assert documents.next_in_queue(conn, c, skipped=[a]) == a  # a comes back once nothing else waits


def test_error_pages_and_the_history_speak_vietnamese_without_json_or_paths(tmp_path):
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.wording import describe, for_clerk
    from models import audit, users

    conn = connect(tmp_path / "station.db")
    users.add(conn, "thu", "clerk password", "clerk")
    doc = _doc(conn, tmp_path, "a")
    documents.correct_fields(conn, doc, {"date": "23/10/2025", "issuer": "SỞ Y TẾ"}, "thu", "clerk")
    client = TestClient(create_app(tmp_path), base_url="http://127.0.0.1")
    client.post("/login", data={"username": "thu", "password": "clerk password"})
    page = client.get("/documents/999", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    assert "Không tìm thấy" in page.text and "no such" not in page.text and "{" not in page.text
    bad = client.get("/register?year=abc", headers={"Accept": "text/html"})
    assert bad.status_code == 400 and "giá trị không hợp lệ" in bad.text and "int_parsing" not in bad.text
    corrected = next(e for e in audit.history(conn, "document", doc) if e["action"] == "corrected")
    text = describe(corrected)["text"]
    assert text == "sửa trường · ngày ban hành: «24/10/2025» → «23/10/2025» · cơ quan ban hành: «SỞ NỘI VỤ» → «SỞ Y TẾ»"
    assert for_clerk("không đọc được /srv/station/hot/incoming/a.tif (cannot read the file)") == (
        "không đọc được a.tif"
    )


def test_the_json_api_approves_with_the_grace_and_undoes(tmp_path):
    from fastapi.testclient import TestClient

    from api.app import create_app
    from models import users

    conn = connect(tmp_path / "station.db")
    users.add(conn, "thu", "clerk password", "clerk")
    good, bad = _doc(conn, tmp_path, "a"), _doc(conn, tmp_path, "b", so_ky_hieu="9/QĐ-UBND", subject=None)
    client = TestClient(create_app(tmp_path, grace_s=60), base_url="http://127.0.0.1")
    client.post("/login", data={"username": "thu", "password": "clerk password"})
    csrf = {"X-CSRF-Token": client.get("/api/session").json()["csrf_token"]}
    assert client.post(f"/api/documents/{good}/approve", headers=csrf).json()["so_den"] == 1
    assert client.post(f"/api/documents/{good}/undo", headers=csrf).status_code == 200
    assert conn.execute("SELECT state FROM documents WHERE id = ?", (good,)).fetchone()[0] == "review"
    stopped = client.post(f"/api/documents/{bad}/approve", headers=csrf)
    assert stopped.status_code == 409 and stopped.json()["problems"][0]["field"] == "subject"
    done = client.post(f"/api/documents/{bad}/approve", headers=csrf, json={"override": "trích yếu ghi sau"})
    assert done.json()["so_den"] == 2
