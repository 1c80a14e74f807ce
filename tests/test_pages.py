"""The review pages: queue order, document page (image, overlay, fields with confidence
colours), corrections with the audit trail, approve and next, reject, page operations
over HTTP, search, the register with its export, the audit log and user accounts."""

import csv
import io
import json
import shutil

import openpyxl
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from models import documents, jobs, search, users
from models.db import connect
from models.validation import vietnam_today


@pytest.fixture
def site(tmp_path, processed):
    conn = connect(tmp_path / "station.db")
    users.add(conn, "thu", "clerk password", "clerk")
    users.add(conn, "admin", "admin password", "admin")
    users.add(conn, "lan", "reviewer password", "reviewer")
    ids = {}
    for name, urgency in (("clean-000", None), ("stamps-000", "HỎA TỐC")):
        record = json.loads((processed / f"{name}.json").read_text())["documents"][0]
        if urgency:
            record["fields"]["urgency"] = {"value": urgency, "confidence": 0.95, "page": 1, "box": None}
        src = tmp_path / f"{name}.jpg"
        src.write_bytes(name.encode())  # not a scan: reading it again must fail clearly
        job, _ = jobs.intake(conn, src, "incoming", None)
        # Each test gets its own copy: page operations write new versions beside the file.
        pdf = shutil.copy(processed / f"{name}.pdf", tmp_path / f"{name}.pdf")
        shutil.copy(processed / f"{name}.words.json", tmp_path / f"{name}.words.json")
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            ids[name] = documents.add(conn, job.id, str(pdf), record, None)
    client, csrf = _login(tmp_path, "thu", "clerk password")
    return client, csrf, ids, conn


def _login(data_dir, name, password):
    client = TestClient(create_app(data_dir), base_url="http://127.0.0.1")
    assert client.post("/login", data={"username": name, "password": password}).status_code == 200
    return client, client.get("/api/session").json()["csrf_token"]


def test_queue_puts_the_most_urgent_first_and_refreshes_itself(site):
    client, _, ids, _ = site
    page = client.get("/").text
    assert page.index(f"/documents/{ids['stamps-000']}") < page.index(f"/documents/{ids['clean-000']}")
    assert 'hx-trigger="every 5s' in page and "/static/htmx.min.js" in page
    assert client.get("/static/htmx.min.js").status_code == 200  # served locally, no CDN


def test_document_page_shows_image_fields_and_where_they_came_from(site):
    client, _, ids, _ = site
    html = client.get(f"/documents/{ids['clean-000']}").text
    assert "Số, ký hiệu" in html and "Cơ quan ban hành" in html
    assert 'class="conf-high"' in html  # confidence colour per field
    assert 'class="conf-none"' in html and "không có" in html  # no urgency mark: neutral, not red
    assert 'data-box="' in html and 'data-box=""' not in html.split("Số, ký hiệu")[0][-200:]
    jpg = client.get(f"/documents/{ids['clean-000']}/pages/1.jpg")
    assert jpg.status_code == 200 and jpg.content.startswith(b"\xff\xd8")


def test_correction_needs_csrf_is_audited_and_searchable(site):
    client, csrf, ids, conn = site
    doc = ids["clean-000"]
    assert client.post(f"/documents/{doc}/fields", data={"so_ky_hieu": "99/QĐ-UBND"}).status_code == 403
    r = client.post(f"/documents/{doc}/fields", data={"so_ky_hieu": "99/QĐ-UBND"}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200 and "Đã lưu 1" in r.text
    row = conn.execute("SELECT so_ky_hieu, record FROM documents WHERE id = ?", (doc,)).fetchone()
    assert row["so_ky_hieu"] == "99/QĐ-UBND"
    assert json.loads(row["record"])["fields"]["so_ky_hieu"]["source"] == "corrected"
    audit = conn.execute("SELECT actor, before, after FROM audit WHERE action = 'corrected'").fetchone()
    assert audit["actor"] == "thu" and json.loads(audit["after"]) == {"so_ky_hieu": "99/QĐ-UBND"}
    assert [r["id"] for r in search.query(conn, "99/QĐ-UBND")] == [doc]
    ok = client.post(f"/api/documents/{doc}/approve", headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200 and ok.json()["so_den"] == 1
    assert (
        client.post(f"/documents/{doc}/fields", data={"so_ky_hieu": "1/QĐ"}, headers={"X-CSRF-Token": csrf}).status_code
        == 409
    )  # no edits after approval


def test_approve_and_next_saves_the_form_and_opens_the_next_document(site):
    client, csrf, ids, conn = site
    first, second = ids["stamps-000"], ids["clean-000"]  # the urgent one comes first
    r = client.post(f"/documents/{first}/approve", data={"subject": "Trích yếu đã sửa"}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200 and r.headers["HX-Redirect"] == f"/documents/{second}?done={first}"  # with the banner
    row = conn.execute("SELECT state, record FROM documents WHERE id = ?", (first,)).fetchone()
    assert row["state"] == "approved"
    assert json.loads(row["record"])["fields"]["subject"]["value"] == "Trích yếu đã sửa"
    r = client.post(f"/documents/{second}/approve", data={}, headers={"X-CSRF-Token": csrf})
    assert r.headers["HX-Redirect"] == f"/?done={second}"  # the queue is empty: back to it
    assert [e["so_den"] for e in conn.execute("SELECT so_den FROM register ORDER BY so_den")] == [1, 2]


def test_reject_needs_a_reason_and_is_shown_on_the_document(site):
    client, csrf, ids, conn = site
    doc = ids["clean-000"]
    r = client.post(f"/documents/{doc}/reject", data={"reason": "  "}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 400 and "lý do" in r.json()["error"]
    r = client.post(
        f"/documents/{doc}/reject", data={"reason": "Bản quét thiếu trang 2"}, headers={"X-CSRF-Token": csrf}
    )
    assert r.status_code == 200 and "HX-Redirect" in r.headers
    assert conn.execute("SELECT state FROM documents WHERE id = ?", (doc,)).fetchone()["state"] == "rejected"
    html = client.get(f"/documents/{doc}").text
    assert "Bản quét thiếu trang 2" in html and "Đã từ chối" in html and 'class="approve"' not in html
    assert str(doc) not in [str(d["id"]) for d in client.get("/api/queue").json()]


def test_page_operations_over_http_explain_what_they_cannot_do(site):
    client, csrf, ids, conn = site
    doc = ids["clean-000"]
    r = client.post(f"/documents/{doc}/pages/1/delete", headers={"X-CSRF-Token": csrf})
    assert r.status_code == 409 and "trang duy nhất" in r.json()["error"]
    r = client.post(f"/documents/{doc}/pages/1/rotate", data={"turn": 90}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 409 and r.json()["error"].startswith("trang 1:")  # the 'original' is not a scan
    assert (
        client.post(f"/documents/{doc}/pages/1/rotate", data={"turn": 45}, headers={"X-CSRF-Token": csrf}).status_code
        == 400
    )
    r = client.post("/documents/merge", data={"ids": [doc, ids["stamps-000"]]}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200 and r.headers["HX-Redirect"] == f"/documents/{doc}"
    assert conn.execute("SELECT state FROM documents WHERE id = ?", (ids["stamps-000"],)).fetchone()[0] == "merged"
    html = client.get(f"/documents/{doc}").text
    assert "2 trang" in html and "/pages/2.jpg" in html
    assert client.get(f"/documents/{doc}/pages/2.jpg").content.startswith(b"\xff\xd8")


def test_search_page_filters_by_text_without_diacritics_type_and_status(site):
    client, _, ids, conn = site
    row = conn.execute("SELECT type FROM documents WHERE id = ?", (ids["clean-000"],)).fetchone()
    html = client.get("/search", params={"q": fold_words(row["type"])}).text
    assert f"/documents/{ids['clean-000']}" in html
    html = client.get("/search", params={"type": row["type"], "status": "review"}).text
    assert f"/documents/{ids['clean-000']}" in html
    html = client.get("/search", params={"type": row["type"], "status": "delivered"}).text
    assert "Tìm thấy 0 văn bản" in html


def test_register_page_and_its_export(site):
    client, csrf, ids, conn = site
    for doc in (ids["stamps-000"], ids["clean-000"]):
        assert client.post(f"/api/documents/{doc}/approve", headers={"X-CSRF-Token": csrf}).status_code == 200
    html = client.get("/register").text
    assert "Sổ đăng ký văn bản đến" in html and f'href="/documents/{ids["clean-000"]}">2<' in html
    year = vietnam_today().year
    rows = list(csv.reader(io.StringIO(client.get(f"/register/{year}.csv").content.decode("utf-8-sig"))))
    assert rows[0][1] == "Số đến" and [r[1] for r in rows[1:]] == ["1", "2"]
    xlsx = client.get(f"/register/{year}.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet["A1"].value == f"SỔ ĐĂNG KÝ VĂN BẢN ĐẾN - NĂM {year}"
    assert sheet["B4"].value == 2 and sheet["D4"].value == rows[2][3]


def test_audit_log_is_for_reviewers_and_shows_before_and_after(site, tmp_path):
    client, csrf, ids, _ = site
    client.post(
        f"/documents/{ids['clean-000']}/fields", data={"signer": "Nguyễn Văn Sửa"}, headers={"X-CSRF-Token": csrf}
    )
    assert client.get("/audit").status_code == 403  # a clerk
    reviewer, _ = _login(tmp_path, "lan", "reviewer password")
    html = reviewer.get("/audit", params={"actor": "thu"}).text
    assert "sửa trường" in html and "Nguyễn Văn Sửa" in html


def test_admin_manages_users_from_the_page(site, tmp_path):
    client, csrf, _, conn = site
    assert client.get("/users").status_code == 403
    admin, admin_csrf = _login(tmp_path, "admin", "admin password")
    h = {"X-CSRF-Token": admin_csrf}
    assert (
        admin.post("/users", data={"username": "mai", "password": "short", "role": "clerk"}, headers=h).status_code
        == 400
    )
    assert (
        admin.post("/users", data={"username": "mai", "password": "long enough", "role": "clerk"}, headers=h).headers[
            "HX-Redirect"
        ]
        == "/users"
    )
    assert "mai" in admin.get("/users").text
    thu = conn.execute("SELECT id FROM users WHERE username = 'thu'").fetchone()[0]
    assert admin.post(f"/users/{thu}", data={"active": "0"}, headers=h).status_code == 200
    assert client.get("/api/session").status_code == 401  # switched off: signed out at once
    me = conn.execute("SELECT id FROM users WHERE username = 'admin'").fetchone()[0]
    r = admin.post(f"/users/{me}", data={"role": "clerk"}, headers=h)
    assert r.status_code == 409 and "last administrator" in r.json()["error"]


def fold_words(text: str) -> str:
    from classifiers.text import fold

    return fold(text)
