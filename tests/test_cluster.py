"""Page work on Celery workers over a real Redis (issue 16): two workers share a batch;
a worker killed mid-page has its page read by the other; Redis restarted mid-batch;
every file exactly once."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from errors import ConfigError
from station.cluster import DONE_LOG, ClusterSettings, workers
from tests.cluster_helpers import RedisServer, Worker, wait_for
from tests.synthetic import generate

PROFILES = ["clean", "skew", "bilevel", "grey", "stamps", "upside_down"]


@pytest.fixture
def cluster(tmp_path, request):
    persist = getattr(request, "param", True)
    server = RedisServer(tmp_path / "redis", persist)
    server.start()
    env = {
        **os.environ,
        "STATION_BROKER_URL": server.url,
        "STATION_BROKER_VISIBILITY_TIMEOUT": "10",
        # Without its data a restarted Redis forgets queued pages: the coordinator sends them again.
        "STATION_PAGE_DEADLINE": "1800" if persist else "20",
        "STATION_DATA_DIR": str(tmp_path / "data"),
    }
    started: list[Worker] = []

    def start(name: str) -> Worker:
        w = Worker(name, env, tmp_path / f"{name}.log")
        started.append(w)
        return w

    yield server, env, start
    for w in started:
        w.stop()
    server.stop()


STATION = shutil.which("station", path=os.path.dirname(sys.executable)) or "station"


def _coordinator(inputs: Path, out: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [STATION, "process", str(inputs), "--out", str(out), "--no-sign"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _done_log(server: RedisServer) -> list[tuple[str, str]]:
    return [tuple(x.decode().split(" ", 1)) for x in server.client().lrange(DONE_LOG, 0, -1)]  # type: ignore[misc]


def _check_every_file_once(samples, out: Path) -> None:
    for s in samples:
        record = json.loads((out / f"{s.path.stem}.json").read_text())
        assert record["status"] == "ok", record
        [doc] = record["documents"]
        assert len(doc["pages"]) == len(s.pages)
        assert doc["fields"]["so_ky_hieu"]["value"] == s.truth["so_ky_hieu"]
    assert len(list(out.glob("*.pdf"))) == len(samples)


@pytest.mark.slow
@pytest.mark.parametrize("shared", [False, True], ids=["files through Redis", "files in a shared folder"])
def test_two_workers_share_the_pages_and_each_takes_part(cluster, tmp_path, shared):
    server, env, start = cluster
    samples = generate(tmp_path / "in", 1, PROFILES, seed=3)
    if shared:
        (tmp_path / "shared").mkdir()
        env["STATION_SHARED_DIR"] = str(tmp_path / "shared")
    start("w1"), start("w2")
    wait_for(lambda: len(workers(ClusterSettings(server.url))["workers"]) == 2, 60, "two workers")
    proc = _coordinator(tmp_path / "in", tmp_path / "out", env)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    _check_every_file_once(samples, tmp_path / "out")
    log = _done_log(server)
    assert {w for _, w in log} == {"w1", "w2"}
    assert len({p for p, _ in log}) == sum(len(s.pages) for s in samples)
    status = workers(ClusterSettings(server.url))
    assert all(w["alive"] and w["pages"] > 0 and w["pages_per_minute"] > 0 for w in status["workers"])
    assert status["queued"] == 0
    files = list(server.client().scan_iter("station:file:*"))
    if shared:
        assert not files and not list((tmp_path / "shared").rglob("*.*"))  # nothing through Redis; all swept
    assert not files  # released as each file is done


@pytest.mark.slow
def test_a_worker_killed_mid_page_has_its_page_read_by_the_other(cluster, tmp_path):
    server, env, start = cluster
    samples = generate(tmp_path / "in", 1, PROFILES[:4], seed=5)
    w1, w2 = start("w1"), start("w2")
    settings = ClusterSettings(server.url)
    wait_for(lambda: len(workers(settings)["workers"]) == 2, 60, "two workers")
    proc = _coordinator(tmp_path / "in", tmp_path / "out", env)
    # The first worker seen reading a page is killed with its pool, mid-page.
    reading = wait_for(
        lambda: next(((w["name"], w["reading"]) for w in workers(settings)["workers"] if w["reading"]), None),
        120,
        "a worker reading a page",
        step=0.02,
    )
    victim, survivor = (w1, w2) if reading[0] == "w1" else (w2, w1)
    victim.kill()
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    _check_every_file_once(samples, tmp_path / "out")
    log = _done_log(server)
    assert (reading[1], survivor.name) in log  # the page the killed worker held, read by the other
    assert (reading[1], victim.name) not in log
    gone = next(w for w in workers(settings)["workers"] if w["name"] == victim.name)
    assert gone["reading"] == reading[1]  # left as it was when killed; shown gone once silent


@pytest.mark.slow
@pytest.mark.parametrize("cluster", [True, False], ids=["with its data", "without its data"], indirect=True)
def test_redis_restarted_mid_batch_and_the_batch_completes(cluster, tmp_path):
    server, env, start = cluster
    samples = generate(tmp_path / "in", 1, PROFILES, seed=8)
    start("w1"), start("w2")
    wait_for(lambda: len(workers(ClusterSettings(server.url))["workers"]) == 2, 60, "two workers")
    proc = _coordinator(tmp_path / "in", tmp_path / "out", env)
    wait_for(lambda: _done_log(server), 120, "a first page read")
    server.stop()
    time.sleep(2)
    server.start()
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    _check_every_file_once(samples, tmp_path / "out")
    if not server.persist:
        assert "sent again" in err  # the pages the broker forgot, sent again by the coordinator


def test_the_broker_setting_is_checked_in_plain_words(tmp_path):
    assert ClusterSettings.from_env({}) is None
    with pytest.raises(ConfigError, match="not a Redis address"):
        ClusterSettings.from_env({"STATION_BROKER_URL": "amqp://x"})
    with pytest.raises(ConfigError, match="STATION_SHARED_DIR"):
        ClusterSettings.from_env({"STATION_BROKER_URL": "redis://127.0.0.1:1/0", "STATION_SHARED_DIR": "/nonexistent"})
    s = ClusterSettings.from_env(
        {"STATION_BROKER_URL": "redis://127.0.0.1:1/0", "STATION_BROKER_VISIBILITY_TIMEOUT": "5000"}
    )
    assert s is not None and s.page_deadline == 10000  # never shorter than twice the visibility timeout
    # In the station's TOML file like every setting; the environment wins.
    (tmp_path / "station.toml").write_text('broker_url = "redis://10.0.0.5:6379/0"\npages_in_flight = 24\n')
    from_file = ClusterSettings.from_env({"STATION_DATA_DIR": str(tmp_path)})
    assert from_file is not None and (from_file.broker_url, from_file.window) == ("redis://10.0.0.5:6379/0", 24)
    env = {"STATION_DATA_DIR": str(tmp_path), "STATION_BROKER_URL": "redis://127.0.0.1:1/0"}
    assert ClusterSettings.from_env(env).broker_url == "redis://127.0.0.1:1/0"  # type: ignore[union-attr]


@pytest.mark.slow
def test_workers_are_shown_with_their_pace_and_a_silent_one_as_gone(cluster, tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    import station.cluster
    from api.app import create_app
    from models import users
    from models.db import connect

    server, env, start = cluster
    generate(tmp_path / "in", 1, ["clean"], seed=2)
    w1 = start("w1")
    settings = ClusterSettings(server.url)
    wait_for(lambda: workers(settings)["workers"], 60, "the worker")
    proc = _coordinator(tmp_path / "in", tmp_path / "out", env)
    assert proc.wait(300) == 0
    text = subprocess.run(
        [STATION, "status"],
        env=env,
        capture_output=True,
        text=True,
    ).stdout
    assert f"workers on {server.url}: 0 pages queued" in text
    row = next(line for line in text.splitlines() if line.strip().startswith("w1"))
    assert "idle" in row and row.split()[-1] != "0.0"  # pages per minute over the last five minutes
    # The review site's Batches page, from the same figures.
    monkeypatch.setenv("STATION_BROKER_URL", server.url)
    data = tmp_path / "site"
    users.add(connect(data / "station.db"), "admin", "admin password", "admin")
    client = TestClient(create_app(data), base_url="http://127.0.0.1")
    client.post("/login", data={"username": "admin", "password": "admin password"})
    page = client.get("/batches").text
    assert 'class="worker alive" data-name="w1"' in page
    assert client.get("/api/status").json()["cluster"]["workers"][0]["pages"] >= 1
    # Killed, it falls silent: shown gone once GONE_AFTER passes without a heartbeat.
    w1.kill()
    monkeypatch.setattr(station.cluster, "GONE_AFTER", 1.0)
    wait_for(lambda: not workers(settings)["workers"][0]["alive"], 30, "the worker shown gone")
    assert 'class="worker gone" data-name="w1"' in client.get("/batches").text


@pytest.mark.slow
def test_the_service_as_coordinator_killed_mid_batch_then_restarted_reads_every_file_once(cluster, tmp_path):
    """`station run` with workers elsewhere: kill -9 of the coordinator while workers
    hold its pages; restarted, it finishes every job once (pages done are kept, pages
    lost with it are sent again)."""
    from tests.service_helpers import StationProcess

    server, env, start = cluster
    start("w1"), start("w2")
    samples = generate(tmp_path / "scans", 1, PROFILES[:5], seed=12)
    broker = {"STATION_BROKER_URL": server.url, "STATION_BROKER_VISIBILITY_TIMEOUT": "10"}
    station = StationProcess(tmp_path / "data", **broker).start()
    try:
        station.hot.mkdir(parents=True, exist_ok=True)
        for s in samples:
            shutil.copy(s.path, station.hot / s.path.name)
        wait_for(lambda: _done_log(server), 120, "a first page read")
        station.kill9()
        station = StationProcess(tmp_path / "data", **broker).start()
        wait_for(
            lambda: len(station.query("SELECT id FROM jobs WHERE state = 'done'")) == len(samples),
            300,
            "every job done",
            step=0.5,
        )
        assert len(station.query("SELECT id FROM jobs")) == len(samples)
        docs = station.query("SELECT job_id, COUNT(*) n FROM documents GROUP BY job_id")
        assert len(docs) == len(samples) and all(d["n"] == 1 for d in docs)
        assert not list(station.hot.iterdir())
    finally:
        station.stop()


def test_a_long_file_goes_to_the_broker_once_and_each_page_message_stays_small(tmp_path):
    """Messages carry a reference, not the scan: a 6-page TIFF is put into Redis once,
    and its six page messages are a few kilobytes each."""
    from PIL import Image

    from station.cluster import CeleryExecutor
    from station.page_work import PageTask

    server = RedisServer(tmp_path / "redis")
    server.start()
    try:
        scan = tmp_path / "long.tif"
        pages = [Image.effect_noise((1200, 1700), 60).convert("L") for _ in range(6)]
        pages[0].save(scan, "TIFF", compression="tiff_lzw", save_all=True, append_images=pages[1:])
        executor = CeleryExecutor(ClusterSettings(server.url))
        try:
            for i in range(1, 7):
                executor.submit(PageTask(scan, i, tmp_path / f"page-{i}.pdf"))
            r = server.client()
            wait_for(lambda: r.llen("station-pages") == 6, 20, "six page messages")
            assert len(list(r.scan_iter("station:file:*"))) == 1
            assert r.strlen(next(r.scan_iter("station:file:*"))) == scan.stat().st_size
            assert max(len(m) for m in r.lrange("station-pages", 0, -1)) < 8000 < scan.stat().st_size
        finally:
            executor.shutdown()
        assert not list(server.client().scan_iter("station:file:*"))  # released on shutdown
    finally:
        server.stop()


def test_a_broker_down_when_pages_are_handed_out_is_waited_for(tmp_path):
    """The coordinator starts before Redis (a power cut, machines back in any order):
    its pages wait and go out once the broker answers; nothing fails."""
    from PIL import Image

    from station.cluster import CeleryExecutor
    from station.page_work import PageTask

    server = RedisServer(tmp_path / "redis")
    scan = tmp_path / "scan.png"
    Image.effect_noise((800, 1100), 60).convert("L").save(scan)
    executor = CeleryExecutor(ClusterSettings(server.url))
    try:
        future = executor.submit(PageTask(scan, 1, tmp_path / "page.pdf"))
        time.sleep(2)
        assert not future.done()
        server.start()
        r = server.client()
        wait_for(lambda: r.llen("station-pages") == 1, 30, "the page message once Redis is up")
        assert len(list(r.scan_iter("station:file:*"))) == 1 and not future.done()
    finally:
        executor.shutdown()
        server.stop()
