"""Archive batches (issue 15): making a batch, its progress figures, page quality
measures, and, end to end on a synthetic batch of three hồ sơ, splitting, numbering,
quality flags, decisions and the packages (BagIt's validator, the METS schema, the
XLSX catalogue)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import bagit
import numpy as np
import pytest
from openpyxl import Workbook, load_workbook
from PIL import Image, ImageDraw

from models import batches, jobs
from models.db import connect
from ocr.quality import cut_edges, measure, residual_skew
from ocr.types import RecognisedPage, Word
from station.batches import BatchError, create, plan, read_list
from tests.mets_schema import mets_schema
from tests.service_helpers import wait_for
from tests.synthetic.archive_batch import LIST_HEADERS, generate_archive_batch
from tests.synthetic.render import font

STATION = str(Path(sys.executable).parent / "station")


def _png(path: Path, pages: int = 1) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    images = [Image.new("L", (400, 560), 255) for _ in range(pages)]
    for n, im in enumerate(images):
        ImageDraw.Draw(im).text((20, 20), f"{path.name} {n}", fill=0)
    if pages == 1:
        images[0].save(path)
    else:
        images[0].save(path, "TIFF", save_all=True, append_images=images[1:])
    return path


# -- the list and the plan ------------------------------------------------------------


def test_the_list_is_read_by_its_headers_from_csv_and_xlsx(tmp_path):
    rows = [["HS-01", "Hồ sơ A", "01", "Công khai", "", "", "2", "5"], ["HS-02", "Hồ sơ B", "", "", "", "", "", ""]]
    # Headers as people type them: other case, no tone marks, other order.
    headers = ["TIÊU ĐỀ HỒ SƠ", "ma ho so", "Thời hạn bảo quản", "Chế độ sử dụng", "Ngôn ngữ", "Ghi chú"]
    headers += ["Số lượng văn bản", "Số lượng trang"]
    swapped = [[r[1], r[0], *r[2:]] for r in rows]
    csv_file = tmp_path / "list.csv"
    csv_file.write_text("\n".join(",".join(r) for r in [headers, *swapped]), encoding="utf-8")
    wb = Workbook()
    wb.active.append(LIST_HEADERS)
    for r in rows:
        wb.active.append([int(c) if c.isdigit() and i >= 6 else c for i, c in enumerate(r)])
    wb.save(tmp_path / "list.xlsx")
    for f in (csv_file, tmp_path / "list.xlsx"):
        got = read_list(f)
        assert [r["code"] for r in got] == ["HS-01", "HS-02"]
        assert got[0]["title"] == "Hồ sơ A" and got[0]["expected_pages"] == 5 and got[0]["expected_documents"] == 2
        assert got[1]["expected_pages"] is None

    (tmp_path / "bad.csv").write_text("Mã hồ sơ,Số lượng trang\nHS-01,năm\n", encoding="utf-8")
    with pytest.raises(BatchError, match="not a number"):
        read_list(tmp_path / "bad.csv")
    (tmp_path / "nocode.csv").write_text("Tiêu đề\nA\n", encoding="utf-8")
    with pytest.raises(BatchError, match="Mã hồ sơ"):
        read_list(tmp_path / "nocode.csv")
    (tmp_path / "twice.csv").write_text("Mã hồ sơ\nHS-01\nHS-01\n", encoding="utf-8")
    with pytest.raises(BatchError, match="twice"):
        read_list(tmp_path / "twice.csv")


def test_scans_are_placed_by_folder_or_by_the_code_their_name_begins_with(tmp_path):
    shelf = tmp_path / "shelf"
    _png(shelf / "HS-01" / "scan 10.png")
    _png(shelf / "HS-01" / "scan 2.png")
    plans = plan(shelf)
    assert [p.code for p in plans] == ["HS-01"]
    assert [f.name for f, _ in plans[0].files] == ["scan 2.png", "scan 10.png"]  # as a person orders them

    loose = tmp_path / "loose"
    _png(loose / "HS-1_a.png")
    _png(loose / "HS-12_a.png")  # 'HS-12', not 'HS-1' with a '2' after it
    (loose / "list.csv").write_text("Mã hồ sơ\nHS-1\nHS-12\nHS-3\n", encoding="utf-8")
    plans = {p.code: p for p in plan(loose, loose / "list.csv")}
    assert [f.name for f, _ in plans["HS-1"].files] == ["HS-1_a.png"]
    assert [f.name for f, _ in plans["HS-12"].files] == ["HS-12_a.png"]
    assert plans["HS-3"].files == []

    with pytest.raises(BatchError, match="loose"):
        plan(loose)  # no list: nobody can tell which hồ sơ a loose scan belongs to
    _png(loose / "other.png")
    with pytest.raises(BatchError, match="other.png"):
        plan(loose, loose / "list.csv")


def test_a_batch_links_the_scans_counts_pages_and_reads_a_file_once(tmp_path):
    shelf = tmp_path / "shelf"
    a = _png(shelf / "HS-01" / "a.tif", pages=3)
    os.chmod(a, 0o644)
    _png(shelf / "HS-01" / "b.png")
    shutil.copy(a, shelf / "HS-01" / "c-again.tif")  # the same bytes twice
    (shelf / "HS-02").mkdir()
    conn = connect(tmp_path / "data" / "station.db")
    batch_id = create(conn, tmp_path / "data", "lô 1", shelf, plan(shelf), separator="SEP")
    rows = conn.execute("SELECT * FROM jobs ORDER BY id").fetchall()
    assert [(r["name"], r["page_count"], r["position"]) for r in rows] == [("0001-a.tif", 3, 1), ("0002-b.png", 1, 2)]
    assert Path(rows[0]["source"]).stat().st_ino == a.stat().st_ino  # a hard link, not a copy
    assert oct(a.stat().st_mode & 0o777) == "0o644"  # the archivist's file is as it was
    notes = {h["code"]: json.loads(h["intake_notes"]) for h in batches.hoso_of(conn, batch_id)}
    assert "same file as 0001-a.tif" in notes["HS-01"][0]
    assert notes["HS-02"] == ["no scan files for this hồ sơ"]
    with pytest.raises(BatchError, match="exists"):
        create(conn, tmp_path / "data", "lô 1", shelf, plan(shelf))
    create(conn, tmp_path / "data", "lô_1", shelf, plan(shelf))  # the same name once made safe for a folder
    assert Path(rows[0]["source"]).exists()  # the first batch's files are untouched

    report = batches.progress(conn, batch_id, tmp_path / "data")
    assert (report["total"]["pages"], report["total"]["pages_done"], report["total"]["finished"]) == (4, 0, False)
    hoso_01 = batches.hoso_of(conn, batch_id)[0]["id"]
    with pytest.raises(ValueError, match="still being read"):
        batches.decide(conn, hoso_01, "accepted", "lan")

    # The first file read: its three pages count, and the pace is measured.
    first = jobs.claim(conn, "test", 1)[0]
    with conn:
        jobs.mark_done(conn, first, first.source, {"documents": []})
    report = batches.progress(conn, batch_id, tmp_path / "data")
    assert report["total"]["pages_done"] == 3 and report["total"]["percent"] == 75.0
    assert report["total"]["pages_per_minute"] > 0 and report["total"]["seconds_left"] is not None
    second = jobs.claim(conn, "test", 1)[0]
    jobs.fail(conn, second, "not a scan", retry=False)
    report = batches.progress(conn, batch_id, tmp_path / "data")
    assert report["total"]["finished"] and report["total"]["files_failed"] == 1
    assert report["total"]["seconds_left"] == 0
    batches.decide(conn, hoso_01, "sent_back", "lan", "trang mờ")
    assert batches.hoso(conn, hoso_01)["decision"] == "sent_back"
    conn.close()


def test_copies_left_by_an_interrupted_batch_create_are_swept_once_old(tmp_path):
    shelf = tmp_path / "shelf"
    _png(shelf / "HS-01" / "a.png")
    batches_dir = tmp_path / "data" / "batches"
    old, fresh = batches_dir / "lo_cu-0a1b2c3d.making", batches_dir / "lo_moi-4e5f6a7b.making"
    for d in (old, fresh):
        (d / "HS-01").mkdir(parents=True)
        (d / "HS-01" / "0001-a.png").write_bytes(b"half a copy")
    stale = time.time() - 7 * 3600
    os.utime(old, (stale, stale))
    conn = connect(tmp_path / "data" / "station.db")
    create(conn, tmp_path / "data", "lô 2", shelf, plan(shelf))
    assert not old.exists()  # a create killed hours ago: never registered, swept
    assert fresh.exists()  # maybe another create copying right now: left alone
    conn.close()


def test_incoming_scans_are_read_before_a_waiting_batch(tmp_path):
    shelf = tmp_path / "shelf"
    _png(shelf / "HS-01" / "old.png")
    conn = connect(tmp_path / "data" / "station.db")
    create(conn, tmp_path / "data", "kho", shelf, plan(shelf))
    mail, _ = jobs.intake(conn, _png(tmp_path / "hot" / "cong-van.png"), "incoming", None)
    claimed = jobs.claim(conn, "test", 1)
    assert [j.id for j in claimed] == [mail.id] and claimed[0].batch_id is None
    assert jobs.claim(conn, "test", 1)[0].batch_id is not None
    conn.close()


# -- page quality measures -------------------------------------------------------------


def _line(y: int, x0: int, angle_deg: float, line: int) -> list[Word]:
    slope = -np.tan(np.radians(angle_deg))
    return [
        Word("chữ", (x, int(y + slope * (x - x0)), x + 150, int(y + slope * (x - x0)) + 40), 90, line, 0)
        for x in range(x0, x0 + 1800, 200)
    ]


def test_skew_left_after_deskew_is_measured_from_the_lines():
    straight = [w for n in range(6) for w in _line(300 + 80 * n, 200, 0.0, n)]
    tilted = [w for n in range(6) for w in _line(300 + 80 * n, 200, 2.0, n)]
    assert abs(residual_skew(straight)) < 0.1
    assert residual_skew(tilted) == pytest.approx(2.0, abs=0.2)
    assert residual_skew(straight[:5]) is None  # one line says nothing


def test_text_running_into_the_edge_is_a_cut_page():
    inside = [Word("xã hội", (100, 200 + 60 * n, 400, 240 + 60 * n), 90, n, 0) for n in range(5)]
    cut = inside + [Word("nghĩa", (2300, 200 + 60 * n, 2480, 240 + 60 * n), 90, n, 0) for n in range(3)]
    assert cut_edges(inside, 2480, 3508) == []
    assert cut_edges(cut, 2480, 3508) == ["right"]
    assert cut_edges(inside + [Word(".", (0, 5, 4, 9), 30, 9, 0)] * 3, 2480, 3508) == []  # specks are not text


def test_light_dark_and_faint_pages_are_told_apart():
    def page(paper: int, ink: int) -> Image.Image:
        im = Image.new("L", (1240, 1754), paper)
        d = ImageDraw.Draw(im)
        for n in range(20):
            d.text((100, 100 + 60 * n), "Cộng hòa xã hội chủ nghĩa Việt Nam", font=font("regular", 14), fill=ink)
        return im

    empty = RecognisedPage(1, 1240, 1754, 150, 0, 0.0)
    normal, faint, dark = (measure(page(p, i), empty) for p, i in ((250, 10), (250, 190), (120, 10)))
    assert normal["ink"] < 60 and normal["grey"] > 200
    assert faint["ink"] > 140
    assert dark["grey"] < 170


# -- end to end -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def shelf(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("shelf")
    generate_archive_batch(root)
    return root


def _station(data: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "STATION_DATA_DIR": str(data), "STATION_HTTP_PORT": "0"}
    return subprocess.run([STATION, *args], capture_output=True, text=True, timeout=timeout, env=env)


def _db(data: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(data / "station.db", timeout=30)
    conn.row_factory = sqlite3.Row
    return conn


@pytest.mark.slow
def test_a_batch_of_three_hoso_end_to_end(shelf, tmp_path):
    truth = json.loads((shelf / "truth.json").read_text())["hoso"]
    data = tmp_path / "data"
    made = _station(data, "batch", "create", "hop-2019", str(shelf), "--list", str(shelf / "danh-muc.csv"))
    assert made.returncode == 0, made.stderr
    assert "3 hồ sơ, 4 files" in made.stdout
    pages = sum(Image.open(p).n_frames for p in shelf.rglob("*.tif"))
    assert pages >= 30

    ran = _station(data, "batch", "run", "hop-2019")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    status = json.loads(_station(data, "batch", "status", "hop-2019", "--json").stdout)
    assert status["total"]["pages_done"] == status["total"]["pages"] == pages
    assert status["total"]["finished"] and status["total"]["files_failed"] == 0

    conn = _db(data)
    by_code = {h["code"]: h for h in status["hoso"]}
    for t in truth:
        h = by_code[t["code"]]
        docs = batches.documents_of(conn, h["id"])
        read = [json.loads(d["record"])["fields"]["so_ky_hieu"]["value"] for d in docs]
        want = [d["fields"]["so_ky_hieu"] for d in t["documents"]]
        codes = {f["code"] for f in h["flags"]}
        assert set(t["flags"]) <= codes, (t["code"], h["flags"])
        if t["code"] == "HS-2019-02":
            # The first page fed twice reads as a document of its own, right after itself.
            assert read == [want[0], want[0], *want[1:]]
            dup = next(f for f in h["flags"] if f["code"] == "duplicate_feed")
            assert dup["page"].endswith("trang 2") and "trang 1" in dup["message"]
            low = next(f for f in h["flags"] if f["code"] == "low_dpi")
            assert "150 dpi" in low["message"] and "150dpi.tif" in low["page"]
        else:
            assert read == want
            pages_per_doc = [len(json.loads(d["record"])["pages"]) for d in docs]
            assert pages_per_doc == [d.get("pages_scanned", d["pages"]) for d in t["documents"]]
        if t["code"] == "HS-2019-01":
            assert not [f for f in h["flags"] if f["level"] == "error"], h["flags"]
            # A blank back after every page, a separator sheet and its back between documents.
            dropped = sum(d["pages"] for d in t["documents"]) + 2 * (len(t["documents"]) - 1)
            blank = next(f["message"] for f in h["flags"] if f["code"] == "blank_dropped")
            assert f"Đã bỏ {dropped} trang" in blank
        if t["code"] == "HS-2019-03":
            assert any(f["code"] == "missing_pages" and "Thiếu 1 trang" in f["message"] for f in h["flags"])
    conn.close()

    assert _station(data, "batch", "export", "hop-2019", "--out", str(tmp_path / "x")).returncode != 0  # none accepted
    assert _station(data, "batch", "accept", "hop-2019", "HS-2019-01").returncode == 0
    assert _station(data, "batch", "accept", "hop-2019", "HS-2019-02", "--note", "giữ tờ trùng").returncode == 0
    no_reason = _station(data, "batch", "send-back", "hop-2019", "HS-2019-03")
    assert no_reason.returncode != 0 and "reason" in no_reason.stderr
    assert _station(data, "batch", "send-back", "hop-2019", "HS-2019-03", "--reason", "thiếu tờ 2").returncode == 0

    out = tmp_path / "export"
    exported = _station(data, "batch", "export", "hop-2019", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    assert "HS-2019-03: skipped (sent back)" in exported.stdout
    schema = mets_schema()
    for code, n in (("HS-2019-01", 5), ("HS-2019-02", 4)):
        bag = bagit.Bag(str(out / "hop-2019" / code))
        bag.validate()  # every checksum, every file
        assert bag.info["External-Identifier"] == code
        payload = Path(bag.path) / "data"
        assert sorted(p.name for p in (payload / "objects").iterdir()) == [
            f"{code}.{i:03d}.pdf" for i in range(1, n + 1)
        ]
        schema.validate(str(payload / "METS.xml"))
        mets = (payload / "METS.xml").read_text(encoding="utf-8")
        assert mets.count("<mets:fptr") == n and "digitization" in mets
        first = json.loads((payload / "metadata" / f"{code}.001.json").read_text(encoding="utf-8"))
        assert first["ma_luu_tru"] == f"{code}.0000001" and first["muc_do_tin_cay"] == "02 - Số hóa"
        hoso = json.loads((payload / "metadata" / "hoso.json").read_text(encoding="utf-8"))
        assert hoso["tong_so_van_ban"] == n and hoso["quyet_dinh"] == "accepted"
    assert not (out / "hop-2019" / "HS-2019-03").exists()
    # A tampered package no longer validates: the checksums are real.
    victim = next((out / "hop-2019" / "HS-2019-01" / "data" / "objects").iterdir())
    victim.write_bytes(victim.read_bytes() + b"x")
    with pytest.raises(bagit.BagValidationError):
        bagit.Bag(str(out / "hop-2019" / "HS-2019-01")).validate()

    wb = load_workbook(out / "hop-2019" / "catalogue.xlsx")
    assert wb.sheetnames == ["Mục lục hồ sơ", "Mục lục văn bản"]
    hoso_rows = list(wb["Mục lục hồ sơ"].iter_rows(min_row=3, values_only=True))
    assert [r[1] for r in hoso_rows] == ["HS-2019-01", "HS-2019-02"]
    assert hoso_rows[0][3] == "01 - Vĩnh viễn" and hoso_rows[0][12] == "Đã nghiệm thu"
    assert hoso_rows[1][11].startswith("2 lỗi")  # the 150-dpi page and the sheet fed twice
    doc_rows = list(wb["Mục lục văn bản"].iter_rows(min_row=3, values_only=True))
    assert len(doc_rows) == 9
    assert [r[2] for r in doc_rows] == [1, 2, 3, 4, 5, 1, 2, 3, 4]
    first_doc = truth[0]["documents"][0]["fields"]
    assert f"{doc_rows[0][4]}/{doc_rows[0][5]}" == first_doc["so_ky_hieu"]


@pytest.mark.slow
def test_a_batch_killed_mid_way_finishes_with_nothing_lost_or_doubled(shelf, tmp_path):
    data = tmp_path / "data"
    assert _station(data, "batch", "create", "lô", str(shelf), "--list", str(shelf / "danh-muc.csv")).returncode == 0
    env = {**os.environ, "STATION_DATA_DIR": str(data), "STATION_HTTP_PORT": "0"}
    log = (tmp_path / "first.log").open("w")
    first = subprocess.Popen([STATION, "batch", "run", "lô"], env=env, stdout=log, stderr=subprocess.STDOUT)

    def mid_way() -> bool:
        with _db(data) as conn:
            states = [r[0] for r in conn.execute("SELECT state FROM jobs")]
        return "done" in states and "processing" in states

    assert wait_for(mid_way, 300, interval=0.1), (tmp_path / "first.log").read_text()
    first.kill()  # SIGKILL: no chance to tidy up
    first.wait(30)
    with _db(data) as conn:
        before = {r["id"]: r["state"] for r in conn.execute("SELECT id, state FROM jobs")}
    assert "processing" in before.values()  # a file was being read when it died

    again = subprocess.run([STATION, "batch", "run", "lô"], env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    conn = _db(data)
    assert {r["state"] for r in conn.execute("SELECT state FROM jobs")} == {"done"}
    # Each file's documents once: the file that was cut off was read again, not twice over.
    per_job = conn.execute("SELECT job_id, COUNT(*) n, COUNT(DISTINCT pdf) k FROM documents GROUP BY job_id").fetchall()
    assert all(r["n"] == r["k"] for r in per_job)
    assert sum(r["n"] for r in per_job) == 12  # 5 + 4 (one with a sheet fed twice) + 3
    report = batches.progress(conn, 1, data)
    assert report["total"]["pages_done"] == report["total"]["pages"] and report["total"]["finished"]
    requeued = conn.execute("SELECT COUNT(*) FROM audit WHERE action = 'requeued after an interrupted run'").fetchone()
    assert requeued[0] >= 1
    conn.close()
