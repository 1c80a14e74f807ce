"""`station run` as a real process: crash and restart, receiver outage, bad files, and
many files at once - nothing lost, nothing done twice."""

import io
import json
import random
import shutil
import threading
import time

import pytest
from PIL import Image

from tests.conftest import run_station
from tests.service_helpers import Receiver, StationProcess, free_port, wait_for
from tests.synthetic.content import random_document
from tests.synthetic.degrade import PROFILES, degrade
from tests.synthetic.generate import save_scan
from tests.synthetic.render import render_document

pytestmark = pytest.mark.slow


def _drop(src, folder):
    """As a scanner does: write under a temporary name, then rename into place."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{src.name}.part"
    shutil.copyfile(src, tmp)
    tmp.rename(folder / src.name)


def _long_scan(tmp_path, pages=6):
    rng = random.Random(8)
    images = []
    while len(images) < pages:
        images += [degrade(p, PROFILES["grey"], rng)[0] for p in render_document(random_document(rng, paragraphs=9))]
    return save_scan(images[:pages], tmp_path / "long", PROFILES["grey"])


def test_kill_9_in_the_middle_of_a_job_then_restart_delivers_exactly_once(tmp_path):
    receiver = Receiver()
    env = {"STATION_DELIVERY_HTTP_URL": receiver.url, "STATION_AUTO_APPROVE": "0"}
    station = StationProcess(tmp_path / "data", **env).start()
    try:
        _drop(_long_scan(tmp_path), station.hot)
        assert wait_for(lambda: station.query("SELECT state FROM jobs")[0]["state"] == "processing", 60)
        time.sleep(2.0)  # well into the OCR of its pages
        station.kill9()
        assert station.query("SELECT state FROM jobs")[0]["state"] == "processing"
        station = StationProcess(tmp_path / "data", **env).start()
        assert wait_for(
            lambda: [r["state"] for r in station.query("SELECT state FROM documents")] == ["delivered"], 180
        ), station.query("SELECT state, error FROM jobs")
        job = station.query("SELECT * FROM jobs")[0]
        assert job["state"] == "done" and job["attempts"] == 2
        assert len(receiver.posts) == 1  # delivered exactly once
        assert [p.name for p in (station.data_dir / "export").glob("*.pdf")] == ["long.pdf"]
        assert not list(station.hot.iterdir())  # the original left the hot folder...
        assert len(list((station.data_dir / "processed").rglob("long.tif"))) == 1  # ...for processed/
        events = [r["action"] for r in station.query("SELECT action FROM audit WHERE entity = 'job'")]
        assert "requeued after an interrupted run" in events
    finally:
        station.stop()
        receiver.close()


def test_receiver_down_for_a_while_then_delivered_once(tmp_path, corpus):
    port = free_port()
    station = StationProcess(
        tmp_path / "data", STATION_DELIVERY_HTTP_URL=f"http://127.0.0.1:{port}/upload", STATION_AUTO_APPROVE="0"
    ).start()
    receiver = None
    try:
        _drop(corpus / "clean-000.jpg", station.hot)
        assert wait_for(
            lambda: any(
                r["attempts"] >= 2
                for r in station.query("SELECT attempts FROM outbox WHERE connector = 'http' AND state = 'pending'")
            ),
            90,
        )
        error = station.query("SELECT last_error FROM outbox WHERE connector = 'http'")[0]["last_error"]
        assert "cannot be reached" in error
        receiver = Receiver(port)  # the management system is back
        assert wait_for(lambda: station.query("SELECT state FROM documents")[0]["state"] == "delivered", 90)
        assert len(receiver.posts) == 1
        (entry,) = station.query("SELECT * FROM outbox WHERE connector = 'http'")
        assert entry["state"] == "sent" and entry["attempts"] >= 3
    finally:
        station.stop()
        if receiver:
            receiver.close()


def test_a_corrupt_file_fails_with_its_error_file_the_others_complete(tmp_path, corpus):
    station = StationProcess(tmp_path / "data", STATION_AUTO_APPROVE="0").start()
    try:
        buf = io.BytesIO()
        Image.new("RGB", (1240, 1754), "white").save(buf, "JPEG")
        bad = tmp_path / "torn.jpg"
        bad.write_bytes(buf.getvalue()[:3000])
        notes = tmp_path / "notes.pdf"
        notes.write_text("not a PDF\n" * 50)
        for f in (corpus / "clean-000.jpg", bad, corpus / "grey-000.tif", notes):
            _drop(f, station.hot)
        assert wait_for(lambda: len(station.query("SELECT id FROM jobs WHERE state IN ('done', 'failed')")) == 4, 120)
        failed = {r["name"]: r["error"] for r in station.query("SELECT name, error FROM jobs WHERE state = 'failed'")}
        assert set(failed) == {"torn.jpg", "notes.pdf"}
        for name in failed:
            text = (station.data_dir / "failed" / f"{name}.error.txt").read_text()
            assert name in text and "Traceback" not in text
            assert (station.data_dir / "failed" / name).exists()
        assert "not a scan" in failed["notes.pdf"]
        assert wait_for(lambda: len(list((station.data_dir / "export").glob("*.pdf"))) == 2, 60)
        status = json.loads(run_station("status", "--json", env={"STATION_DATA_DIR": str(station.data_dir)}).stdout)
        assert status["jobs"]["failed"] == 2 and len(status["recent_failures"]) == 2
    finally:
        station.stop()


def test_200_files_at_once_some_written_slowly_each_taken_once_and_whole(tmp_path):
    station = StationProcess(tmp_path / "data", STATION_SETTLE_SECONDS="0.8").start()
    try:
        src = tmp_path / "src"
        src.mkdir()
        for i in range(200):  # near-blank pages, each different (a tiny mark encodes its number)
            im = Image.new("L", (827, 1169), 255)
            for b in range(8):
                if i >> b & 1:
                    im.putpixel((10 + 3 * b, 10), 0)
            im.save(src / f"page-{i:03d}.png", dpi=(100, 100))
        slow = []

        def write_slowly(path, data):
            with open(path, "wb") as f:  # straight into the hot folder, in chunks, over ~3 s
                for k in range(0, len(data), len(data) // 6 + 1):
                    f.write(data[k : k + len(data) // 6 + 1])
                    f.flush()
                    time.sleep(0.5)

        threads = []
        for i in range(200):
            path = src / f"page-{i:03d}.png"
            if i % 10 == 0:
                slow.append(path.name)
                t = threading.Thread(target=write_slowly, args=(station.hot / path.name, path.read_bytes()))
                t.start()
                threads.append(t)
            else:
                shutil.copyfile(path, station.hot / path.name)
        for t in threads:
            t.join()
        assert wait_for(lambda: len(station.query("SELECT id FROM jobs WHERE state = 'done'")) == 200, 400), (
            station.query("SELECT state, COUNT(*) n, MIN(error) e FROM jobs GROUP BY state")
        )
        rows = station.query("SELECT name, sha256, seen_again FROM jobs")
        assert len(rows) == 200 and len({r["name"] for r in rows}) == 200  # each file once
        import hashlib

        for r in rows:  # and never half-written: the job's hash is the complete file's
            assert r["sha256"] == hashlib.sha256((src / r["name"]).read_bytes()).hexdigest(), r["name"]
    finally:
        station.stop()


def test_web_server_answers_and_sigterm_stops_cleanly(tmp_path, corpus):
    import urllib.error
    import urllib.request

    station = StationProcess(tmp_path / "data", STATION_AUTO_APPROVE="0").start()
    port = station.env["STATION_HTTP_PORT"]
    try:
        assert wait_for(lambda: urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2).status == 200, 30)
        _drop(corpus / "clean-000.jpg", station.hot)
        assert wait_for(lambda: station.query("SELECT state FROM documents")[0]["state"] == "delivered", 90)
        try:  # nothing but /health without signing in
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status", timeout=5)
            raise AssertionError("status served without a session")
        except urllib.error.HTTPError as e:
            assert e.code == 401
    finally:
        assert station.stop() == 0  # SIGTERM: a clean exit
    log = "".join(p.read_text() for p in station.data_dir.glob("run-*.log"))
    assert "station: stopped" in log and "Traceback" not in log
