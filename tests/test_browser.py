"""The review page in a real browser (Debian's Chromium, headless, driven by Playwright)
against a real `station run`: sign in, open a queued document, correct a field,
approve; the station signs and delivers it. Screenshots are kept in test-artifacts/."""
import json
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_station
from tests.service_helpers import StationProcess, wait_for

pytestmark = pytest.mark.slow
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]


def test_clerk_corrects_and_approves_then_the_station_signs_and_delivers(tmp_path, corpus):
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    data = tmp_path / "data"
    made = run_station("user", "add", "thu", "--role", "clerk",
                       env={"STATION_DATA_DIR": str(data), "STATION_NEW_PASSWORD": "mat khau van thu"})
    assert made.returncode == 0, made.stderr
    station = StationProcess(data).start()
    port = station.env["STATION_HTTP_PORT"]
    base = f"http://127.0.0.1:{port}"
    try:
        incoming = data / "hot" / "incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        (incoming / "clean-000.jpg").write_bytes((corpus / "clean-000.jpg").read_bytes())
        assert wait_for(lambda: station.query("SELECT state FROM documents")[0]["state"] == "review", 90)
        doc_id = station.query("SELECT id FROM documents")[0]["id"]
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            page.goto(f"{base}/documents/{doc_id}")
            expect(page).to_have_url(f"{base}/login")  # nothing without signing in
            page.fill("input[name=username]", "thu")
            page.fill("input[name=password]", "mat khau van thu")
            page.click("button")
            expect(page.locator(f'a[href="/documents/{doc_id}"]')).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "queue.png"))
            page.click(f'a[href="/documents/{doc_id}"]')
            page.wait_for_load_state("networkidle")  # the page images are rendered on first request
            expect(page.locator("figure.page img").first).to_have_js_property("complete", True)
            subject = page.locator('label:has-text("Trích yếu") input')
            subject.fill("kiểm tra hệ thống số hóa văn bản đến")
            page.keyboard.press("Control+s")
            expect(page.locator("#saved")).to_contain_text("Đã lưu 1")
            page.screenshot(path=str(ARTIFACTS / "document.png"))
            page.click("button.approve")
            expect(page.locator("#saved")).to_contain_text('"so_den":1')
            # The search API, with the page's session: without diacritics, it finds the correction.
            found = page.request.get(f"{base}/api/search?q=kiem+tra+he+thong+so+hoa").json()
            assert [d["id"] for d in found] == [doc_id]
            browser.close()
        assert wait_for(lambda: station.query("SELECT state FROM documents")[0]["state"] == "delivered", 90)
        exported = data / "export" / "clean-000.json"
        assert json.loads(exported.read_text())["fields"]["subject"]["value"] == "kiểm tra hệ thống số hóa văn bản đến"
        check = run_station("verify", str(data / "export" / "clean-000.pdf"), env={"STATION_DATA_DIR": str(data)})
        assert check.returncode == 0, check.stdout
    finally:
        station.stop()
