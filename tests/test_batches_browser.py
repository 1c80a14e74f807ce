"""The Batches page in a real browser against a real `station run`: the progress of a
batch moves by itself while its pages are read; a reviewer accepts one hồ sơ and
sends another back with a reason."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from models import users
from models.db import connect
from tests.service_helpers import StationProcess, wait_for
from tests.synthetic.archive_batch import generate_archive_batch
from tests.test_browser import ARTIFACTS, CHROMIUM_ARGS, _sign_in

pytestmark = pytest.mark.slow


def _up(base: str) -> bool:
    try:
        return httpx.get(f"{base}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_batches_page_shows_progress_moving_then_accept_and_send_back(tmp_path):
    from playwright.sync_api import expect, sync_playwright

    shelf = tmp_path / "shelf"
    generate_archive_batch(shelf)
    data = tmp_path / "data"
    conn = connect(data / "station.db")
    users.add(conn, "lan", "mat khau luu tru", "reviewer")
    conn.close()
    station = StationProcess(data).start()
    base = f"http://127.0.0.1:{station.env['STATION_HTTP_PORT']}"
    try:
        assert wait_for(lambda: _up(base), 60)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            page.goto(f"{base}/login")
            _sign_in(page, "lan", "mat khau luu tru")
            page.goto(f"{base}/batches")
            expect(page.locator("main")).to_contain_text("Chưa có lô nào")
            # The archivist makes the batch while the station runs: it picks it up.
            exe = str(Path(sys.executable).parent / "station")
            made = subprocess.run(
                [exe, "batch", "create", "hop-2019", str(shelf), "--list", str(shelf / "danh-muc.csv")],
                env={**os.environ, "STATION_DATA_DIR": str(data)},
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert made.returncode == 0, made.stderr
            done = page.locator("#batch-1 .pages-done")
            expect(done).to_be_visible(timeout=10_000)  # the page refreshed itself: no reload
            total = int(page.locator("#batch-1 .pages-total").inner_text())
            seen: list[int] = []
            end = time.monotonic() + 300
            while time.monotonic() < end:
                value = int(done.inner_text())
                if not seen or value != seen[-1]:
                    seen.append(value)
                if value == total and page.locator("#batch-1").get_attribute("data-finished") == "true":
                    break
                page.wait_for_timeout(300)
            page.screenshot(path=str(ARTIFACTS / "batches-finished.png"), full_page=True)
            assert seen[-1] == total, seen
            assert len(seen) >= 3 and seen == sorted(seen), seen  # it moved, forwards, on its own

            row = page.locator("#hoso-HS-2019-01")
            expect(row.locator("td.qc")).to_contain_text("Đạt" if "lỗi" not in row.inner_text() else "lỗi")
            row.locator("button.accept").click()
            expect(page.locator("#hoso-HS-2019-01 td.decision")).to_contain_text("Đã nghiệm thu")

            back = page.locator("#hoso-HS-2019-03")
            back.locator("td.qc summary").click()
            expect(back.locator("li[data-code=missing_pages]")).to_contain_text("Thiếu 1 trang")
            page.once("dialog", lambda d: d.accept("thiếu tờ 2, quét lại"))
            back.locator("button.send-back").click()
            expect(page.locator("#hoso-HS-2019-03 td.decision")).to_contain_text("Trả lại quét lại: thiếu tờ 2")
            page.screenshot(path=str(ARTIFACTS / "batches-decided.png"), full_page=True)
            browser.close()
        rows = {r["code"]: r for r in station.query("SELECT code, decision, decision_note, decided_by FROM hoso")}
        assert rows["HS-2019-01"]["decision"] == "accepted" and rows["HS-2019-01"]["decided_by"] == "lan"
        assert rows["HS-2019-03"]["decision"] == "sent_back"
        assert rows["HS-2019-03"]["decision_note"] == "thiếu tờ 2, quét lại"
        assert rows["HS-2019-02"]["decision"] is None
    finally:
        station.stop()
