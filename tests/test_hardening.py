"""Issue 10: hostile inputs, misbehaving receivers and all three roles against a real
station. Each test names the item of the issue it holds to."""

from __future__ import annotations

import email
import email.policy
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import openpyxl
import pytest
from PIL import Image

from classifiers import extract
from delivery import DeliveryError, EdxmlHttp, HttpMultipart, Package, deliver
from models import documents, jobs, secrecy, users
from models.db import connect
from ocr import InputError, load_page
from ocr.types import Word
from station.housekeeping import OWNER_FILE, clean_stale_workdirs
from station.names import bounded
from station.register_export import export
from tests.fieldpages import build
from tests.service_helpers import Receiver, StationProcess, Web, add_document, document_record, wait_for
from tests.synthetic.content import random_document

# These tests are about other things than the approval's checks: they approve past them.
OVERRIDE = {"override": "1", "override_reason": "kiểm thử: chỉ xét điều khác"}
LONG_NAME = (
    "Quyết định về việc phê duyệt kế hoạch triển khai hệ thống quản lý văn bản và điều hành điện tử "
    "của Ủy ban nhân dân tỉnh Lạng Sơn giai đoạn hai nghìn hai mươi sáu đến năm hai nghìn ba mươi.tif"
)


class GarbageServer:
    """A receiver that answers bytes that are not HTTP."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/edxml"
        self.hits = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:  # read the whole request, so the answer is what the client meets
                    data = b""
                    while b"\r\n\r\n" not in data:
                        data += conn.recv(1 << 16)
                    head, _, body = data.partition(b"\r\n\r\n")
                    length = next(
                        (
                            int(h.split(b":")[1])
                            for h in head.split(b"\r\n")
                            if h.lower().startswith(b"content-length:")
                        ),
                        0,
                    )
                    while len(body) < length:
                        body += conn.recv(1 << 16)
                except (OSError, ValueError):
                    pass
                self.hits += 1
                conn.sendall(b"\x00\x01garbage that is not HTTP\r\n\r\n")

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(scope="module")
def live(tmp_path_factory, processed):
    """A real station with three accounts, an HTTP receiver that works, an edXML
    receiver that answers garbage, and a Paperless address that is not valid."""
    data = tmp_path_factory.mktemp("live")
    conn = connect(data / "station.db")
    for name, role in (("thu", "clerk"), ("admin", "admin"), ("lan", "reviewer"), ("admin2", "admin")):
        users.add(conn, name, f"{name} password", role)
    conn.close()
    receiver, garbage = Receiver(), GarbageServer()
    station = StationProcess(
        data,
        STATION_DELIVERY_HTTP_URL=receiver.url,
        STATION_EDXML_URL=garbage.url,
        STATION_PAPERLESS_URL="http://127.0.0.1:99999/",
        STATION_PAPERLESS_TOKEN="t",
        STATION_AUTO_APPROVE="0",
    ).start()
    port = int(station.env["STATION_HTTP_PORT"])
    assert wait_for(lambda: _up(f"http://127.0.0.1:{port}"), 30)
    yield station, port, receiver, garbage
    station.stop()
    receiver.close()
    garbage.close()


def _up(url: str) -> bool:
    try:
        return httpx.get(url + "/health").status_code == 200
    except httpx.HTTPError:
        return False


def _state(station, doc_id):
    return station.query("SELECT state FROM documents WHERE id = ?", doc_id)[0]["state"]


# -- 1. secret documents -----------------------------------------------------------------


def test_1_a_clerk_cannot_clear_a_secrecy_mark_and_the_document_stays_local(live, processed):
    station, port, receiver, _ = live
    doc = add_document(station.data_dir, processed, "secret-clerk", secrecy="TỐI MẬT")
    clerk = Web(port, "thu", "thu password")
    r = clerk.post(f"/documents/{doc}/fields", secrecy="")
    assert r.status_code == 403 and "quản trị viên" in r.json()["error"]
    posts_before = len(receiver.posts)
    assert clerk.post(f"/documents/{doc}/approve", secrecy="").status_code == 403  # the form's save is refused too
    assert clerk.post(f"/documents/{doc}/approve", **OVERRIDE).status_code == 200
    assert wait_for(lambda: _state(station, doc) == "secret", 60), _state(station, doc)
    sent = station.query("SELECT connector FROM outbox WHERE document_id = ?", doc)
    assert [r["connector"] for r in sent] == ["export"]
    assert len(receiver.posts) == posts_before


def test_1_delivery_checks_the_recognised_mark_not_only_the_field(live, processed):
    """Whatever clears the field (a bug, a hand in the database), the lock holds."""
    station, port, receiver, _ = live
    doc = add_document(station.data_dir, processed, "secret-db", secrecy="MẬT")
    row = station.query("SELECT record FROM documents WHERE id = ?", doc)[0]
    record = json.loads(row["record"])
    record["fields"]["secrecy"] = None
    c = connect(station.data_dir / "station.db")
    with c:
        c.execute("UPDATE documents SET record = ?, secrecy = NULL WHERE id = ?", (json.dumps(record), doc))
    c.close()
    posts_before = len(receiver.posts)
    assert Web(port, "thu", "thu password").post(f"/documents/{doc}/approve", **OVERRIDE).status_code == 200
    assert wait_for(lambda: _state(station, doc) == "secret", 60), _state(station, doc)
    assert len(receiver.posts) == posts_before


def test_1_only_an_admin_lowers_a_mark_with_a_reason_and_a_second_person_confirms(live, processed):
    station, port, receiver, _ = live
    doc = add_document(station.data_dir, processed, "secret-release", secrecy="MẬT")
    admin = Web(port, "admin", "admin password")
    assert admin.post(f"/documents/{doc}/fields", secrecy="").status_code == 403  # no reason
    assert (
        admin.post(f"/documents/{doc}/fields", secrecy="", secrecy_reason="đã giải mật theo QĐ 12").status_code == 200
    )
    assert station.query("SELECT secrecy FROM documents WHERE id = ?", doc)[0]["secrecy"] == "MẬT"  # still held
    r = admin.post(f"/documents/{doc}/approve", **OVERRIDE)
    assert r.status_code == 409 and "người thứ hai" in r.json()["error"]
    assert admin.post(f"/documents/{doc}/secrecy/confirm").status_code == 403  # not by the one who asked
    assert Web(port, "thu", "thu password").post(f"/documents/{doc}/secrecy/confirm").status_code == 403  # clerk
    assert Web(port, "lan", "lan password").post(f"/documents/{doc}/secrecy/confirm").status_code == 200
    assert station.query("SELECT secrecy FROM documents WHERE id = ?", doc)[0]["secrecy"] is None
    actions = [
        r["action"] for r in station.query("SELECT action FROM audit WHERE entity = 'document' AND entity_id = ?", doc)
    ]
    assert "corrected" in actions and "secrecy lowered" in actions
    assert admin.post(f"/documents/{doc}/approve", **OVERRIDE).status_code == 200
    assert wait_for(lambda: _state(station, doc) in ("delivered", "signed"), 60)
    assert wait_for(
        lambda: any(
            r["connector"] == "http" and r["state"] == "sent"
            for r in station.query("SELECT connector, state FROM outbox WHERE document_id = ?", doc)
        ),
        60,
    )


def test_1_raising_a_mark_is_allowed_to_anyone_and_then_locked(processed, tmp_path):
    record = document_record(processed)
    secrecy.edit(record, "MẬT", "thu", "clerk")
    record["fields"]["secrecy"] = {"value": "MẬT"}
    with pytest.raises(secrecy.SecrecyLocked):
        secrecy.edit(record, None, "thu", "clerk")
    assert secrecy.effective(record) == "MẬT"


# -- 3. a receiver answering garbage, an invalid address --------------------------------


def test_3_garbage_and_invalid_receivers_are_delivery_failures_with_backoff(live, processed):
    station, port, _, garbage = live
    doc = add_document(station.data_dir, processed, "to-garbage")
    assert Web(port, "thu", "thu password").post(f"/documents/{doc}/approve", **OVERRIDE).status_code == 200

    def failing():
        rows = {
            r["connector"]: r
            for r in station.query(
                "SELECT connector, state, attempts, last_error FROM outbox WHERE document_id = ?", doc
            )
        }
        return (
            rows
            if rows.get("edxml")
            and rows["edxml"]["attempts"] >= 2
            and rows.get("paperless")
            and rows["paperless"]["attempts"] >= 1
            else None
        )

    assert wait_for(failing, 60)
    rows = failing()
    assert rows["edxml"]["state"] == "pending" and "did not answer in HTTP" in rows["edxml"]["last_error"]
    assert rows["paperless"]["state"] == "pending"
    assert rows["http"]["state"] == "sent"
    assert garbage.hits >= 2
    assert station.proc.poll() is None
    assert httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200


def test_3_connector_errors_are_delivery_errors(processed, tmp_path):
    garbage = GarbageServer()
    try:
        package = Package(processed / "clean-000.pdf", document_record(processed), None)
        with pytest.raises(DeliveryError, match="did not answer in HTTP"):
            deliver(package, EdxmlHttp(garbage.url))
        for url in ("http://127.0.0.1:99999/", "http://[::1/x", "http://exa mple/"):
            with pytest.raises(DeliveryError) as e:
                deliver(package, HttpMultipart(url))
            assert not e.value.final
    finally:
        garbage.close()


# -- 5. sign-in throttling ---------------------------------------------------------------


def test_5_wrong_passwords_slow_down_then_refuse_per_account_and_address(tmp_path):
    conn = connect(tmp_path / "station.db")
    users.add(conn, "thu", "thu password", "clerk")
    users.add(conn, "admin", "admin password", "admin")
    conn.close()
    station = StationProcess(tmp_path, STATION_AUTO_APPROVE="0").start()
    try:
        base = f"http://127.0.0.1:{station.env['STATION_HTTP_PORT']}"
        assert wait_for(lambda: _up(base), 30)
        codes = [
            httpx.post(base + "/login", data={"username": "thu", "password": f"wrong {i}"}).status_code
            for i in range(12)
        ]
        assert codes[: users.LOCK_AFTER] == [401] * users.LOCK_AFTER and set(codes[users.LOCK_AFTER :]) == {429}
        right = httpx.post(base + "/login", data={"username": "thu", "password": "thu password"})
        assert right.status_code == 429 and "Retry-After" in right.headers
        # The address is blocked too: another account from the same machine waits as well.
        assert httpx.post(base + "/login", data={"username": "admin", "password": "admin password"}).status_code == 429
        failed = station.query("SELECT actor, after FROM audit WHERE action = 'login failed'")
        assert len(failed) == users.LOCK_AFTER and json.loads(failed[0]["after"])["address"] == "127.0.0.1"
        # The admin sees them (the station's own data, as the users page shows it).
        c = connect(tmp_path / "station.db")
        assert users.recent_login_failures(c)[0]["n"] == users.LOCK_AFTER
        c.close()
    finally:
        station.stop()


# -- 6. permissions -----------------------------------------------------------------------


def test_6_data_folder_and_files_are_closed_to_other_users_even_if_made_open_before(tmp_path):
    data = tmp_path / "data"
    (data / "archive" / "000001").mkdir(parents=True)
    old = data / "archive" / "000001" / "secret.pdf"
    old.write_bytes(b"%PDF-1.7")
    hot = data / "hot" / "incoming"  # made group-writable by the administrator for the scanner
    hot.mkdir(parents=True)
    for p, mode in ((data, 0o755), (data / "archive", 0o755), (old, 0o644), (hot, 0o775)):
        p.chmod(mode)
    station = StationProcess(data, STATION_HTTP_PORT="0").start()
    try:
        assert wait_for(lambda: stat.S_IMODE(old.stat().st_mode) == 0o600, 30)
        assert stat.S_IMODE(data.stat().st_mode) == 0o700
        assert stat.S_IMODE((data / "archive").stat().st_mode) == 0o700
        assert stat.S_IMODE((data / "station.db").stat().st_mode) == 0o600
        # Hot folders keep what the scanner needs.
        assert stat.S_IMODE(hot.stat().st_mode) == 0o775
    finally:
        station.stop()


# -- 7. header injection through file names ----------------------------------------------


def test_7_file_names_cannot_inject_parts_or_headers_into_uploads(processed, tmp_path):
    got: list[bytes] = []
    heads: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            got.append(self.rfile.read(int(self.headers["Content-Length"])))
            heads.append(dict(self.headers))
            self.send_response(201)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        evil = tmp_path / 'x"; name="metadata\r\nX-Injected: yes\r\n\r\nboo.pdf'
        shutil.copy(processed / "clean-000.pdf", evil)
        HttpMultipart(f"http://127.0.0.1:{server.server_port}/").send(Package(evil, document_record(processed), None))
        message = email.message_from_bytes(
            f"Content-Type: {heads[0]['Content-Type']}\r\n\r\n".encode() + got[0], policy=email.policy.HTTP
        )
        parts = list(message.iter_parts())
        assert [p.get_param("name", header="content-disposition") for p in parts] == ["metadata", "file"]
        assert all("X-Injected" not in p for p in parts)
        assert b"\r\nX-Injected" not in got[0]
        assert parts[1].get_filename().startswith("x")  # the name survives, made harmless
    finally:
        server.shutdown()
        server.server_close()


# -- 8. formula injection in the register export ------------------------------------------


def test_8_register_export_writes_formulas_as_text(processed, tmp_path):
    from models import register

    conn = connect(tmp_path / "station.db")
    src = tmp_path / "a.src"
    src.write_bytes(b"a")
    job, _ = jobs.intake(conn, src, "incoming", None)
    record = document_record(
        processed, issuer='=HYPERLINK("http://127.0.0.1/x","bấm")', subject="+1+2", type="@SUM(A1)"
    )
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        doc = documents.add(conn, job.id, "x.pdf", record, None)
    register.approve(conn, doc, "thu", register=True)
    year = conn.execute("SELECT year FROM register").fetchone()[0]
    csv_path, xlsx_path = export(conn, year, tmp_path / "out")
    text = csv_path.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and "'@SUM" in text
    ws = openpyxl.load_workbook(xlsx_path).active
    cells = [c for row in ws.iter_rows(min_row=2) for c in row if c.value]
    issuer = next(c for c in cells if str(c.value).startswith("=HYPERLINK"))
    assert issuer.data_type == "s"
    assert all(c.data_type != "f" for c in cells)


# -- 4. a secrecy word anywhere on page 1 ---------------------------------------------------


@pytest.mark.parametrize("where", [(1900, 120), (1200, 1500), (300, 3200)])
def test_4_a_standalone_secrecy_word_anywhere_on_page_1_is_found(where):
    import random

    doc = random_document(random.Random(3))
    doc.secrecy = None
    pages = build(doc)
    x, y = where
    pages[0].words.append(Word("TỐI", (x, y, x + 80, y + 45), 90.0, 999, 99))
    pages[0].words.append(Word("MẬT", (x + 100, y, x + 180, y + 45), 90.0, 999, 99))
    assert extract(pages).fields["secrecy"].value == "TỐI MẬT"


# -- 10. page size and page count limits ------------------------------------------------


def test_10_a_huge_page_is_refused_before_its_pixels_are_decoded(tmp_path):
    big = tmp_path / "big.png"
    Image.new("1", (12000, 12000), 1).save(big)
    assert big.stat().st_size < 2_000_000
    probe = (
        "import resource, sys\nfrom pathlib import Path\nfrom ocr import InputError, load_page\n"
        "try:\n    load_page(Path(sys.argv[1]), 1)\nexcept InputError as e:\n    print(e)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    small = tmp_path / "small.png"
    Image.new("1", (2480, 3508), 1).save(small)

    def peak(path: Path) -> tuple[str, int]:
        out = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True, check=True)
        *message, kb = out.stdout.strip().splitlines()
        return " ".join(message), int(kb)

    message, big_kb = peak(big)
    _, small_kb = peak(small)  # an A4 page, decoded: the baseline of the same process
    assert "12000×12000" in message and "megapixels" in message
    assert big_kb < small_kb + 100_000  # the 144-Mpx page was never decoded (it took 2.96 GB)
    with pytest.raises(InputError):
        load_page(big, 1, max_pixels=50_000_000)


def test_10_a_file_over_the_page_limit_fails_clearly(tmp_path):
    from station.pipeline import Options, process_files

    scan = tmp_path / "three.tif"
    pages = [Image.new("L", (1240, 1754), 255) for _ in range(3)]
    pages[0].save(scan, save_all=True, append_images=pages[1:], dpi=(150, 150))
    [result] = list(process_files([scan], tmp_path / "out", Options(jobs=1, max_pages=2)))
    assert result.status == "failed" and "3 pages" in result.error and "STATION_MAX_PAGES" in result.error


# -- 2. file names -------------------------------------------------------------------------


def test_2_names_the_station_makes_stay_within_the_file_system_limit():
    assert 247 < len(LONG_NAME.encode()) <= 255  # a name the file system takes, but only just
    for limit in (96, 200):
        cut = bounded(LONG_NAME, limit)
        assert len(cut.encode()) <= limit and cut.endswith(".tif")
    assert bounded("a.tif", 96) == "a.tif"
    assert bounded(LONG_NAME, 96) != bounded(LONG_NAME.replace("Lạng", "Cao"), 96)


# -- 11. the stamp font cache -----------------------------------------------------------


def test_11_the_stamp_font_is_cached_in_the_stations_own_folder(tmp_path):
    from archive.signing import stamp_font

    font = Path(stamp_font(tmp_path / "cache"))
    assert font.is_relative_to(tmp_path / "cache") and font.exists()
    assert stat.S_IMODE(font.parent.stat().st_mode) & 0o077 == 0


# -- 12. leftovers of killed runs ---------------------------------------------------------


def test_12_work_folders_of_dead_runs_are_removed_live_ones_kept(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale, live_dir, foreign = tmp_path / "station-old", tmp_path / "station-live", tmp_path / "station-other"
    for d in (stale, live_dir, foreign):
        d.mkdir()
    (stale / OWNER_FILE).write_text(str(dead.pid))
    (live_dir / OWNER_FILE).write_text(str(os.getpid()))
    assert clean_stale_workdirs(tmp_path) == 1
    assert not stale.exists() and live_dir.exists() and foreign.exists()


# -- 13. web headers, schema, idle sessions -----------------------------------------------


def test_13_no_public_schema_security_headers_and_idle_sessions_end(live):
    station, port, _, _ = live
    base = f"http://127.0.0.1:{port}"
    assert httpx.get(base + "/openapi.json").status_code == 404
    r = httpx.get(base + "/login")
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Frame-Options"] == "DENY" and r.headers["X-Content-Type-Options"] == "nosniff"
    web = Web(port, "admin2", "admin2 password")
    assert web.client.get("/api/session").status_code == 200
    c = connect(station.data_dir / "station.db")
    with c:
        c.execute(
            "UPDATE sessions SET last_seen = last_seen - ? WHERE user_id = (SELECT id FROM users WHERE "
            "username = 'admin2')",
            (users.IDLE_SECONDS + 60,),
        )
    c.close()
    assert web.client.get("/api/session").status_code == 401


# -- end to end: a real station through all of it at once ---------------------------------


def _drop(src: Path, folder: Path, name: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (name or src.name)
    tmp = folder / ".incoming.part"
    shutil.copyfile(src, tmp)
    tmp.rename(target)
    return target


def _station_processes(data: Path) -> list[int]:
    """Processes (the station, its fork server, page workers) started for this data folder."""
    mark = f"STATION_DATA_DIR={data}".encode()
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if mark in (proc / "environ").read_bytes().split(b"\0"):
                    found.append(int(proc.name))
            except OSError:
                pass
    return found


def _multipage(tmp_path: Path, pages: int) -> Path:
    import random

    from tests.synthetic.degrade import PROFILES, degrade
    from tests.synthetic.generate import save_scan
    from tests.synthetic.render import render_document

    rng = random.Random(11)
    images: list = []
    while len(images) < pages:
        images += [degrade(p, PROFILES["grey"], rng)[0] for p in render_document(random_document(rng, paragraphs=9))]
    return save_scan(images[:pages], tmp_path / f"multi{pages}", PROFILES["grey"])


@pytest.mark.slow
def test_the_station_keeps_serving_through_all_of_it_at_once(tmp_path, corpus):
    # A short temporary folder: the page workers' fork server puts its socket there, and
    # a socket's path may not pass 107 bytes (pytest's own folders grow past it).
    tmpdir = Path(tempfile.mkdtemp(prefix="st-"))
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmpdir / "station-killed").mkdir()
    (tmpdir / "station-killed" / OWNER_FILE).write_text(str(dead.pid))
    outside = tmp_path / "outside" / "private.tif"
    outside.parent.mkdir()
    shutil.copy(corpus / "grey-000.tif", outside)
    garbage = GarbageServer()
    station = StationProcess(tmp_path / "data", TMPDIR=str(tmpdir), STATION_EDXML_URL=garbage.url).start()
    try:
        hot = station.hot
        long_scan = _drop(corpus / "grey-000.tif", hot, LONG_NAME)
        hot.joinpath("link.tif").symlink_to(outside)
        multi_src = _multipage(tmp_path, 4)
        _drop(multi_src, hot, "multi.tif")
        assert wait_for(
            lambda: station.query("SELECT state FROM jobs WHERE name = 'multi.tif'")[0]["state"] == "processing",
            120,  # behind the long-named scan, on a machine the other test worker also loads
        )
        twin = _drop(multi_src, hot, "multi-again.tif")

        def settled():
            rows = {r["name"]: r for r in station.query("SELECT name, state, error FROM jobs")}
            return rows if all(r["state"] in ("done", "failed") for r in rows.values()) and len(rows) == 3 else None

        assert wait_for(settled, 300), station.query("SELECT name, state, error FROM jobs")
        rows = settled()
        assert rows[LONG_NAME]["state"] == "done"
        assert rows["link.tif"]["state"] == "failed" and "link" in rows["link.tif"]["error"]
        assert rows["multi.tif"]["state"] == "done"
        # The twin left the hot folder for processed/…/duplicates without a restart.
        assert wait_for(lambda: not twin.exists(), 30)
        assert list((station.data_dir / "processed").rglob("duplicates/multi-again.tif"))
        # The refused link: moved (as a link) to failed/ with its note; its target untouched.
        notes = list((station.data_dir / "failed").glob("link.tif*.error.txt"))
        assert notes and "link" in notes[0].read_text()
        assert outside.exists() and not long_scan.exists()
        # Every name the station made from the long one fits the file system.
        made = [p for p in station.data_dir.rglob("*") if "Quyết" in p.name]
        assert made and all(len(p.name.encode()) <= 255 for p in made)
        assert not (tmpdir / "station-killed").exists()
        assert station.proc.poll() is None and garbage.hits >= 1
        done = station.query("SELECT COUNT(*) n FROM documents")[0]["n"]
        assert done == 2
    finally:
        station.stop()
        garbage.close()
        shutil.rmtree(tmpdir, ignore_errors=True)


@pytest.mark.slow
def test_kill_9_leaves_no_workers_resumes_a_long_file_and_parks_a_file_that_kills_twice(tmp_path):
    data = tmp_path / "data"
    scan = _multipage(tmp_path, 6)
    station = StationProcess(data, STATION_JOBS="2").start()
    _drop(scan, station.hot)
    work = data / "archive" / "000001" / "work"
    assert wait_for(lambda: len(list(work.glob("page-*.json"))) >= 2, 180)
    station.kill9()
    assert wait_for(lambda: not _station_processes(data), 15), _station_processes(data)

    station = StationProcess(data, STATION_JOBS="2").start()
    assert wait_for(lambda: "read before an interruption" in Path(station.log.name).read_text(), 60)
    station.kill9()
    assert wait_for(lambda: not _station_processes(data), 15)

    station = StationProcess(data, STATION_JOBS="2").start()
    try:
        assert wait_for(lambda: station.query("SELECT state FROM jobs")[0]["state"] == "failed", 60)
        job = station.query("SELECT * FROM jobs")[0]
        assert "stopped 2 times" in job["error"]
        note = Path(job["source"]).with_name(Path(job["source"]).name + ".error.txt")
        assert Path(job["source"]).exists() and "stopped 2 times" in note.read_text()
        assert not list(station.hot.iterdir())
    finally:
        station.stop()
