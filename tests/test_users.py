"""Local accounts: hashed passwords, sessions, roles."""

import pytest

from errors import ExitCode, Invalid
from models import users
from models.db import connect


def test_passwords_are_hashed_and_checked(tmp_path):
    conn = connect(tmp_path / "s.db")
    users.add(conn, "thu", "mật khẩu dài", "clerk")
    stored = conn.execute("SELECT password FROM users").fetchone()[0]
    assert "mật khẩu" not in stored and stored.startswith("scrypt$")
    assert users.authenticate(conn, "thu", "mật khẩu dài").role == "clerk"
    assert users.authenticate(conn, "thu", "wrong password") is None
    assert users.authenticate(conn, "nobody", "mật khẩu dài") is None


def test_sessions_carry_a_csrf_token_and_end(tmp_path):
    conn = connect(tmp_path / "s.db")
    u = users.add(conn, "lan", "a long password", "reviewer")
    token, csrf = users.open_session(conn, u)
    assert conn.execute("SELECT COUNT(*) FROM sessions WHERE token_hash = ?", (token,)).fetchone()[0] == 0
    got, got_csrf = users.session_user(conn, token)
    assert got.username == "lan" and got_csrf == csrf
    users.close_session(conn, token)
    assert users.session_user(conn, token) is None


@pytest.mark.parametrize("role,password,message", [("boss", "long enough", "role"), ("clerk", "short", "8")])
def test_bad_accounts_are_refused(tmp_path, role, password, message):
    with pytest.raises(Invalid, match=message):
        users.add(connect(tmp_path / "s.db"), "x", password, role)


def test_station_user_add_creates_the_first_admin(tmp_path):
    from tests.conftest import run_station

    env = {"STATION_DATA_DIR": str(tmp_path), "STATION_NEW_PASSWORD": "quan tri vien 1"}
    out = run_station("user", "add", "admin", "--role", "admin", env=env)
    assert out.returncode == 0 and "admin (admin) created" in out.stdout
    assert "quan tri vien" not in out.stdout + out.stderr
    again = run_station("user", "add", "admin", env=env)
    assert again.returncode == ExitCode.REFUSED and "exists already" in again.stderr
    assert users.authenticate(connect(tmp_path / "station.db"), "admin", "quan tri vien 1").role == "admin"
