"""The review pages: queue order, document page (image, overlay, fields with confidence
colours), corrections with the audit trail, approval."""
import json

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from models import documents, jobs, search, users
from models.db import connect


@pytest.fixture
def site(tmp_path, processed):
    conn = connect(tmp_path / "station.db")
    users.add(conn, "thu", "clerk password", "clerk")
    ids = {}
    for name, urgency in (("clean-000", None), ("stamps-000", "HỎA TỐC")):
        record = json.loads((processed / f"{name}.json").read_text())["documents"][0]
        if urgency:
            record["fields"]["urgency"] = {"value": urgency, "confidence": 0.95, "page": 1, "box": None}
        src = tmp_path / f"{name}.jpg"
        src.write_bytes(name.encode())
        job, _ = jobs.intake(conn, src, "incoming", None)
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            ids[name] = documents.add(conn, job.id, str(processed / f"{name}.pdf"), record, None)
    client = TestClient(create_app(tmp_path), base_url="http://127.0.0.1")
    client.post("/login", data={"username": "thu", "password": "clerk password"})
    csrf = client.get("/api/session").json()["csrf_token"]
    return client, csrf, ids, conn


def test_queue_puts_the_most_urgent_first_and_refreshes_itself(site):
    client, _, ids, _ = site
    page = client.get("/").text
    assert page.index(f"/documents/{ids['stamps-000']}") < page.index(f"/documents/{ids['clean-000']}")
    assert 'hx-trigger="every 5s"' in page and "/static/htmx.min.js" in page
    assert client.get("/static/htmx.min.js").status_code == 200  # served locally, no CDN


def test_document_page_shows_image_fields_and_where_they_came_from(site):
    client, _, ids, _ = site
    html = client.get(f"/documents/{ids['clean-000']}").text
    assert "Số, ký hiệu" in html and "Cơ quan ban hành" in html
    assert 'class="conf-high"' in html  # confidence colour per field
    assert 'class="conf-none"' in html and "không có" in html  # no urgency mark: neutral, not red
    assert 'data-box="' in html and 'data-box=""' not in html.split("Số, ký hiệu")[0][-200:]
    png = client.get(f"/documents/{ids['clean-000']}/pages/1.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")


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
    assert client.post(f"/documents/{doc}/fields", data={"so_ky_hieu": "1/QĐ"},
                       headers={"X-CSRF-Token": csrf}).status_code == 409  # no edits after approval
