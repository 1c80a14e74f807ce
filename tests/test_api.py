"""The web API's permissions: nothing without signing in, CSRF on every change, roles."""

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from models import users
from models.db import connect


@pytest.fixture
def app(tmp_path):
    conn = connect(tmp_path / "station.db")
    users.add(conn, "admin", "admin password", "admin")
    users.add(conn, "thu", "clerk password", "clerk")
    return create_app(tmp_path)


def _login(app, name, password):
    client = TestClient(app, base_url="http://127.0.0.1")
    r = client.post("/login", data={"username": name, "password": password}, follow_redirects=False)
    assert r.status_code == 303
    return client, client.get("/api/session").json()["csrf_token"]


@pytest.mark.parametrize("path", ["/api/status", "/api/queue", "/api/search?q=quyet", "/api/session"])
def test_no_api_without_signing_in(app, path):
    assert TestClient(app).get(path).status_code == 401


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/search?q=quyet",
        "/register",
        "/register/2026.xlsx",
        "/audit",
        "/users",
        "/documents/1",
        "/documents/1/pages/1.jpg",
        "/documents/1/file",
        "/documents/1/signature",
        "/queue/rows",
    ],
)
def test_pages_send_strangers_to_the_sign_in_page(app, path):
    r = TestClient(app).get(path, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"


def test_health_and_sign_in_page_are_open(app):
    assert TestClient(app).get("/health").json() == {"ok": True}
    assert "Đăng nhập" in TestClient(app).get("/login").text


@pytest.mark.parametrize(
    "path",
    [
        "/documents/1/fields",
        "/documents/1/approve",
        "/documents/1/reject",
        "/documents/1/pages/1/rotate",
        "/documents/1/split",
        "/documents/merge",
        "/users",
        "/logout",
    ],
)
def test_no_change_without_signing_in(app, path):
    assert TestClient(app).post(path, data={}, follow_redirects=False).status_code in (303, 401)


def test_wrong_password_is_refused(app):
    r = TestClient(app).post("/login", data={"username": "thu", "password": "nope nope"}, follow_redirects=False)
    assert (
        r.status_code == 401
        and "Sai tên đăng nhập" in r.text
        and "station_session" not in r.headers.get("set-cookie", "")
    )


def test_session_cookie_is_httponly_and_strict(app):
    r = TestClient(app).post("/login", data={"username": "thu", "password": "clerk password"}, follow_redirects=False)
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def test_a_clerk_cannot_manage_users(app):
    client, csrf = _login(app, "thu", "clerk password")
    r = client.post(
        "/api/users", json={"username": "x", "password": "long enough", "role": "admin"}, headers={"X-CSRF-Token": csrf}
    )
    assert r.status_code == 403


def test_an_admin_can_and_a_request_without_csrf_is_refused(app):
    client, csrf = _login(app, "admin", "admin password")
    body = {"username": "lan", "password": "reviewer pass", "role": "reviewer"}
    assert client.post("/api/users", json=body).status_code == 403  # no CSRF token
    assert client.post("/api/users", json=body, headers={"X-CSRF-Token": "forged"}).status_code == 403
    r = client.post("/api/users", json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200 and r.json()["role"] == "reviewer"


def test_logout_ends_the_session(app):
    client, csrf = _login(app, "thu", "clerk password")
    assert client.post("/logout", headers={"X-CSRF-Token": csrf}, follow_redirects=False).status_code == 303
    assert client.get("/api/queue").status_code == 401


def test_queue_api_orders_by_urgency_then_age(app, tmp_path):
    from models import documents, jobs

    conn = connect(tmp_path / "station.db")
    made = []
    for i, urgency in enumerate([None, "KHẨN", "HỎA TỐC", None, "THƯỢNG KHẨN"]):
        f = tmp_path / f"{i}.jpg"
        f.write_bytes(bytes([i]))
        job, _ = jobs.intake(conn, f, "incoming", None)
        fields = {"urgency": {"value": urgency, "confidence": 0.9}} if urgency else {}
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            made.append(documents.add(conn, job.id, str(f), {"fields": fields}, None))
    client, _ = _login(app, "thu", "clerk password")
    order = [d["id"] for d in client.get("/api/queue").json()]
    assert order == [made[2], made[4], made[1], made[0], made[3]]


@pytest.mark.parametrize(
    "path", ["/documents/1/reject", "/documents/1/pages/1/delete", "/documents/merge", "/documents/1/reread", "/users"]
)
def test_page_actions_refuse_a_request_without_the_csrf_token(app, path):
    client, _ = _login(app, "admin", "admin password")
    r = client.post(path, data={"reason": "x", "ids": [1, 2], "username": "x", "password": "long enough"})
    assert r.status_code == 403 and "CSRF" in r.json()["error"]
