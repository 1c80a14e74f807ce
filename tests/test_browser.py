"""The review page in a real browser (Debian's Chromium, headless, driven by Playwright)
against a real `station run`: sign in, open a queued document, correct a field,
approve; the station signs and delivers it. Screenshots are kept in test-artifacts/."""

import json

import pikepdf
import pytest

from tests.conftest import ROOT, run_station
from tests.service_helpers import StationProcess, wait_for

pytestmark = pytest.mark.slow
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
]


def test_clerk_corrects_and_approves_then_the_station_signs_and_delivers(tmp_path, corpus):
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    data = tmp_path / "data"
    for name, role, password in (("thu", "clerk", "mat khau van thu"), ("quantri", "admin", "mat khau quan tri")):
        made = run_station(
            "user", "add", name, "--role", role, env={"STATION_DATA_DIR": str(data), "STATION_NEW_PASSWORD": password}
        )
        assert made.returncode == 0, made.stderr
    station = StationProcess(data).start()
    port = station.env["STATION_HTTP_PORT"]
    base = f"http://127.0.0.1:{port}"
    try:
        incoming = data / "hot" / "incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        (incoming / "clean-000.jpg").write_bytes((corpus / "clean-000.jpg").read_bytes())
        assert wait_for(lambda: [r["state"] for r in station.query("SELECT state FROM documents")] == ["review"], 90)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            page.goto(f"{base}/documents/1")
            expect(page).to_have_url(f"{base}/login")  # nothing without signing in
            _sign_in(page, "thu", "mat khau van thu")
            expect(page.locator("#count-review")).to_have_text("1")
            tick = page.locator("#queue-live input[type=checkbox]").first
            tick.check()
            page.wait_for_timeout(6000)  # past a refresh: a ticked document stays ticked
            expect(tick).to_be_checked()
            tick.uncheck()
            # A scan arriving while the clerk looks at the queue appears without a reload.
            (incoming / "blur-000.jpg").write_bytes((corpus / "blur-000.jpg").read_bytes())
            expect(page.locator("#count-review")).to_have_text("2", timeout=90000)
            page.screenshot(path=str(ARTIFACTS / "queue.png"))
            page.locator("table.queue tbody a").first.click()
            page.wait_for_load_state("networkidle")  # the page images are rendered on first request
            expect(page.locator("figure.page img").first).to_have_js_property("complete", True)
            first_url = page.url
            first_id = int(first_url.rsplit("/", 1)[1])
            page.keyboard.press("+")  # zoom in: the page image grows beyond its column
            expect(page.locator("#zoom-level")).to_have_text("125%")
            width = page.evaluate("document.querySelector('figure.page').getBoundingClientRect().width")
            column = page.evaluate("document.querySelector('.pages').clientWidth")
            assert width > column
            page.keyboard.press("0")
            subject = page.locator('label:has-text("Trích yếu") textarea')
            subject.fill("kiểm tra hệ thống số hóa văn bản đến")
            page.keyboard.press("Control+s")
            expect(page.locator("#saved")).to_contain_text("Đã lưu 1")
            page.screenshot(path=str(ARTIFACTS / "document.png"))
            _fits_the_screen(page)
            page.keyboard.press("Control+Enter")  # approve, and on to the next document
            page.wait_for_url(lambda url: url != first_url and "/documents/" in url)
            page.fill("input[name=reason]", "Bản quét mờ, đề nghị gửi lại")
            page.once("dialog", lambda d: d.accept())
            page.click("form.reject button")
            page.wait_for_url(f"{base}/")  # the queue, now empty
            expect(page.locator("#count-review")).to_have_text("0")

            assert wait_for(
                lambda: station.query("SELECT state FROM documents WHERE id = ?", first_id)[0]["state"] == "delivered",
                90,
            )
            page.goto(f"{base}/documents/{first_id}")
            expect(page.locator("#signature")).to_contain_text("Chữ ký hợp lệ", timeout=30000)
            expect(page.locator("#signature")).to_contain_text("B-B")
            page.screenshot(path=str(ARTIFACTS / "signed-document.png"))

            page.goto(f"{base}/search")
            page.fill("input[name=q]", "kiem tra he thong so hoa")  # no diacritics
            page.click("form.filters button")
            expect(page.locator("#result-count")).to_contain_text("Tìm thấy 1 văn bản")
            expect(page.locator(f'table.results a[href="/documents/{first_id}"]')).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "search.png"))
            page.goto(f"{base}/register")
            expect(page.locator(f'table.register a[href="/documents/{first_id}"]')).to_have_text("1")
            page.screenshot(path=str(ARTIFACTS / "register.png"))
            page.click("text=Đăng xuất")
            expect(page).to_have_url(f"{base}/login")

            _sign_in(page, "quantri", "mat khau quan tri")
            page.goto(f"{base}/audit")
            expect(page.locator("table.audit")).to_contain_text("Bản quét mờ, đề nghị gửi lại")
            page.screenshot(path=str(ARTIFACTS / "audit.png"))
            page.goto(f"{base}/users")
            expect(page.locator("#user-thu")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "users.png"))
            browser.close()
        exported = data / "export" / "clean-000.json"
        if not exported.exists():
            exported = data / "export" / "blur-000.json"
        assert json.loads(exported.read_text())["fields"]["subject"]["value"] == "kiểm tra hệ thống số hóa văn bản đến"
        check = run_station("verify", str(exported.with_suffix(".pdf")), env={"STATION_DATA_DIR": str(data)})
        assert check.returncode == 0, check.stdout
        with pikepdf.open(exported.with_suffix(".pdf")) as pdf:  # the correction is in the signed file's XMP too
            assert "kiểm tra hệ thống số hóa văn bản đến" in pdf.Root.Metadata.read_bytes().decode()
    finally:
        station.stop()


def _sign_in(page, name: str, password: str) -> None:
    page.goto(page.url.split("/", 3)[0] + "//" + page.url.split("/", 3)[2] + "/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", password)
    page.click("button")


def _fits_the_screen(page) -> None:
    """At 1366×768 the page itself does not scroll: the page images and the fields
    scroll in their own columns, and the approve button is reachable."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    assert page.evaluate("document.documentElement.scrollHeight") <= 768
    box = page.locator("button.approve").bounding_box()
    assert box and box["x"] + box["width"] <= 1366
