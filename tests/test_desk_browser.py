"""Issue 17, the clerk's desk, in a real browser at 1366×768 against a real `station
run` whose clock says 00:30 in Vietnam (17:30 UTC the day before; machine zone UTC),
with a management system on 127.0.0.1 that records every request."""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from models import users
from models.db import connect
from tests.service_helpers import Receiver, StationProcess, Web, add_document, wait_for
from tests.test_browser import ARTIFACTS, CHROMIUM_ARGS, _sign_in

pytestmark = pytest.mark.slow
CLOCK = datetime(2026, 11, 21, 17, 30, tzinfo=UTC)  # 00:30 on 22/11/2026 in Hà Nội
GRACE_S = 6


@pytest.fixture(scope="module")
def desk(tmp_path_factory, processed):
    data = tmp_path_factory.mktemp("desk")
    conn = connect(data / "station.db")
    users.add(conn, "thu", "thu password", "clerk")
    conn.close()
    receiver = Receiver()
    station = StationProcess(
        data,
        prefix=(sys.executable, "-m", "tests.clock_shift", str(CLOCK.timestamp())),
        TZ="UTC",
        STATION_DELIVERY_HTTP_URL=receiver.url,
        STATION_APPROVAL_GRACE_SECONDS=str(GRACE_S),
    ).start()
    base = f"http://127.0.0.1:{station.env['STATION_HTTP_PORT']}"
    from playwright.sync_api import sync_playwright

    try:  # the station is stopped however the set-up ends
        assert wait_for(lambda: _up(base), 60), station.data_dir
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            try:
                yield station, base, receiver, browser, processed
            finally:
                browser.close()
    finally:
        station.stop()
        receiver.close()


@pytest.fixture
def page(desk):
    station, base, _, browser, _ = desk
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.goto(f"{base}/login")
    _sign_in(page, "thu", "thu password")
    yield page
    context.close()


def _up(base: str) -> bool:
    try:
        return httpx.get(f"{base}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _add(desk, name: str, **fields) -> int:
    station, _, _, _, processed = desk
    values = {"type": "Quyết định", "issuer": "SỞ NỘI VỤ", "subject": f"về việc {name}", "date": "2025-10-20"}
    number = int(fields["so_ky_hieu"].split("/")[0].split("-")[0])  # as the reading gives both
    return add_document(station.data_dir, processed, name, **(values | {"number": number} | fields))


def _state(station, doc: int) -> str:
    return station.query("SELECT state FROM documents WHERE id = ?", doc)[0]["state"]


def _clear_queue(station) -> None:
    """Earlier tests' leftovers leave the queue, so this test's order is its own, and
    their approvals have been sent, so what the receiver gets now is this test's."""
    conn = connect(station.data_dir / "station.db")
    with conn:
        conn.execute("UPDATE documents SET state = 'rejected' WHERE state = 'review'")
    conn.close()
    assert wait_for(
        lambda: (
            not station.query(
                "SELECT id FROM documents WHERE state IN ('approved', 'signed') UNION "
                "SELECT id FROM outbox WHERE state = 'pending'"
            )
        ),
        90 + GRACE_S,
    )


def _open(page, base: str, doc: int) -> None:
    page.goto(f"{base}/documents/{doc}")
    page.wait_for_load_state("networkidle")


def test_a_date_typed_dd_mm_yyyy_reaches_the_register_and_the_edxml_and_the_day_is_vietnams(desk, page):
    from playwright.sync_api import expect

    station, base, receiver, _, _ = desk
    doc = _add(desk, "ngay-go-tay", so_ky_hieu="301/QĐ-UBND", date=None)
    _open(page, base, doc)
    # Before approval: the number it will get and Vietnam's day (the machine's UTC day is the 21st).
    expect(page.locator("input[name=arrival_date]")).to_have_value("22/11/2026")
    expect(page.locator("#so-den")).to_have_text(re.compile(r"^\d+/2026$"))
    expected_so_den = page.locator("#so-den").inner_text()
    page.locator("input[name=date]").fill("24/10/2025")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(re.compile(r"done="))
    expect(page.locator("#banner")).to_contain_text(f"Đã vào sổ số đến {expected_so_den} – 301/QĐ-UBND")
    row = station.query("SELECT issued FROM documents WHERE id = ?", doc)[0]
    assert row["issued"] == "2025-10-24"
    line = station.query("SELECT ngay_den, so_den, year FROM register WHERE document_id = ?", doc)[0]
    assert line["ngay_den"] == "2026-11-22" and f"{line['so_den']}/{line['year']}" == expected_so_den
    assert wait_for(lambda: _state(station, doc) == "delivered", 90 + GRACE_S), _state(station, doc)
    xml = next((station.data_dir / "export").glob("ngay-go-tay*.edxml")).read_text(encoding="utf-8")
    assert "<edXML:PromulgationDate>2025/10/24</edXML:PromulgationDate>" in xml
    page.goto(f"{base}/register?date_from=22/11/2026&date_to=22/11/2026")
    cells = page.locator(f'table.register tr:has(a[href="/documents/{doc}"]) td')
    expect(cells.nth(0)).to_have_text("22/11/2026")
    expect(cells.nth(4)).to_have_text("24/10/2025")
    page.screenshot(path=str(ARTIFACTS / "desk-register.png"))


def test_approval_with_an_empty_issuer_is_stopped_and_focused_then_overridden_with_a_reason(desk, page):
    from playwright.sync_api import expect

    station, base, _, _, _ = desk
    doc = _add(desk, "khong-co-co-quan", so_ky_hieu="302/QĐ-UBND", issuer=None)
    _open(page, base, doc)
    page.locator("input[name=date]").focus()
    page.keyboard.press("Control+Enter")
    expect(page.locator("#flash")).to_contain_text("Cơ quan ban hành")
    expect(page.locator('label[data-field="issuer"] .why')).to_contain_text("bắt buộc")
    assert page.evaluate("document.activeElement.name") == "issuer"
    expect(page.locator("#override")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "desk-stopped.png"))
    assert _state(station, doc) == "review"
    page.keyboard.press("Control+Enter")  # again: approved, with the reason shown, into the audit
    page.wait_for_url(re.compile(r"done="))
    assert _state(station, doc) == "approved"
    after = json.loads(
        station.query("SELECT after FROM audit WHERE action = 'approved' AND entity_id = ?", doc)[0]["after"]
    )
    assert after["reason"] == "Đã đối chiếu với bản giấy" and "bắt buộc" in after["overridden"][0]


def test_a_duplicate_is_flagged_after_a_correction(desk, page):
    from playwright.sync_api import expect

    station, base, _, _, _ = desk
    first = _add(desk, "ban-dau", so_ky_hieu="303/QĐ-UBND")
    port = int(station.env["STATION_HTTP_PORT"])
    assert Web(port, "thu", "thu password").post(f"/documents/{first}/approve").status_code == 200
    line = station.query("SELECT so_den, year FROM register WHERE document_id = ?", first)[0]
    second = _add(desk, "ban-sau", so_ky_hieu="304/QĐ-UBND")
    _open(page, base, second)
    expect(page.locator("#duplicate")).to_have_count(0)
    page.locator("input[name=so_ky_hieu]").fill("303/QĐ-UBND")
    page.keyboard.press("Control+s")
    expect(page.locator("#duplicate")).to_contain_text(f"trùng với số đến {line['so_den']}/{line['year']}")
    page.keyboard.press("Control+Enter")  # and approval names it
    expect(page.locator('label[data-field="so_ky_hieu"]')).to_be_visible()
    expect(page.locator("#override-problems")).to_contain_text(f"trùng với số đến {line['so_den']}/{line['year']}")
    assert _state(station, second) == "review"


def test_undo_within_the_grace_period_sends_nothing_and_returns_the_document_to_review(desk, page):
    from playwright.sync_api import expect

    station, base, receiver, _, _ = desk
    _clear_queue(station)
    doc = _add(desk, "hoan-tac", so_ky_hieu="305/QĐ-UBND")
    _open(page, base, doc)
    so_den = page.locator("#so-den").inner_text()
    posts_before = len(receiver.posts)
    page.keyboard.press("Control+Enter")
    page.wait_for_url(re.compile(r"done="))
    expect(page.locator("#banner")).to_contain_text(f"Đã vào sổ số đến {so_den} – 305/QĐ-UBND")
    page.screenshot(path=str(ARTIFACTS / "desk-banner.png"))
    page.locator("#undo").click()
    page.wait_for_url(f"{base}/documents/{doc}")
    assert _state(station, doc) == "review"
    expect(page.locator("#so-den")).to_have_text(so_den)  # the number written on the paper stands
    page.wait_for_timeout((GRACE_S + 4) * 1000)  # past the grace: still nothing signed or sent
    assert _state(station, doc) == "review"
    assert station.query("SELECT COUNT(*) n FROM outbox WHERE document_id = ?", doc)[0]["n"] == 0
    assert len(receiver.posts) == posts_before


def test_skip_then_approve_never_approves_the_skipped_document(desk, page):
    from playwright.sync_api import expect

    station, base, _, _, _ = desk
    _clear_queue(station)
    a, b, c = (_add(desk, f"bo-qua-{n}", so_ky_hieu=f"{n}/TB-UBND", type="Thông báo") for n in (306, 307, 308))
    _open(page, base, a)
    expect(page.locator("#position")).to_contain_text("1/3 · tiếp: 307/TB-UBND")
    page.keyboard.press("Alt+n")
    page.wait_for_url(f"{base}/documents/{b}")
    expect(page.locator("#position")).to_contain_text("1/3 · tiếp: 308/TB-UBND")  # a went to the end
    page.keyboard.press("Control+Enter")
    page.wait_for_url(f"{base}/documents/{c}?done={b}")  # c, not the skipped a
    expect(page.locator("#position")).to_contain_text("1/2 · tiếp: 306/TB-UBND")
    assert _state(station, a) == "review"
    page.keyboard.press("Control+Enter")
    page.wait_for_url(f"{base}/documents/{a}?done={c}")  # a only now, when nothing else waits
    assert _state(station, a) == "review" and {_state(station, b), _state(station, c)} <= {
        "approved",
        "signed",
        "delivered",
    }


def test_the_print_view_and_the_xlsx_open_with_their_title(desk, page, tmp_path):
    from openpyxl import load_workbook
    from playwright.sync_api import expect

    station, base, _, _, _ = desk
    doc = _add(desk, "in-so", so_ky_hieu="309/QĐ-UBND")
    assert (
        Web(int(station.env["STATION_HTTP_PORT"]), "thu", "thu password").post(f"/documents/{doc}/approve").status_code
        == 200
    )
    page.goto(f"{base}/register?date_from=22/11/2026&date_to=22/11/2026")
    href = page.locator("#print-register").get_attribute("href")
    page.goto(f"{base}{href}")
    expect(page.locator("h1")).to_have_text("SỔ ĐĂNG KÝ VĂN BẢN ĐẾN")
    expect(page.locator(".period")).to_have_text("Ngày 22/11/2026")
    expect(page.locator("th").nth(8)).to_have_text("Ký nhận")
    assert page.locator("tbody tr").count() >= 1
    page.pdf(path=str(ARTIFACTS / "desk-register-print.pdf"), prefer_css_page_size=True)
    page.goto(f"{base}/register?date_from=22/11/2026&date_to=22/11/2026")
    with page.expect_download() as got:
        page.click("text=Tải về Excel (XLSX)")
    path = Path(tmp_path) / "so-den.xlsx"
    got.value.save_as(path)
    ws = load_workbook(path).active
    assert ws["A1"].value == "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN - NGÀY 22/11/2026"
    assert ws["A2"].value == "Ngày đến" and isinstance(ws["B3"].value, int) and ws.freeze_panes == "A3"


def _keys(text: str) -> int:
    """Keys a clerk presses to type `text` with Telex: a letter, plus one per mark
    (tone, circumflex, breve, horn); đ is two (dd)."""
    import unicodedata

    marks = sum(1 for ch in unicodedata.normalize("NFD", text) if unicodedata.combining(ch))
    return len(text) + marks + sum(ch in "đĐ" for ch in text)


def test_key_field_correction_costs_fewer_keystrokes(desk, page):
    """The note's keystroke count: the four key fields of one document corrected with
    typing in full (what the page allowed before) and with the desk's help (the caret
    in the first red field, a short date, the issuer from suggestions typed without
    marks, the type from the notation)."""
    station, base, _, _, _ = desk
    counts = {}
    for way, number in (("in full", 185), ("helped", 186)):  # two numbers: the second is no duplicate
        wrong = {"so_ky_hieu": f"{number}/QĐ-UBNO", "issuer": "SỞ NÔI VU", "date": None, "type": None}
        right = {"so_ky_hieu": f"{number}/QĐ-UBND", "date": "2025-10-24", "issuer": "SỞ NỘI VỤ", "type": "Quyết định"}
        _clear_queue(station)
        doc = _add(desk, f"go-phim-{way.replace(' ', '-')}", **wrong)
        conn = connect(station.data_dir / "station.db")
        with conn:  # the reading was unsure of all four: red
            record = json.loads(conn.execute("SELECT record FROM documents WHERE id = ?", (doc,)).fetchone()[0])
            for k in wrong:
                record["fields"][k] = {"value": wrong[k], "confidence": 0.5, "page": 1, "box": None}
            conn.execute("UPDATE documents SET record = ? WHERE id = ?", (json.dumps(record), doc))
        conn.close()
        _open(page, base, doc)
        pressed = 0

        def press(key: str) -> None:
            nonlocal pressed
            page.keyboard.press(key)
            pressed += 1

        def type_(text: str) -> None:
            nonlocal pressed
            page.keyboard.type(text)
            pressed += _keys(text)

        if way == "in full":
            page.locator("input[name=so_ky_hieu]").focus()  # tabbing there not counted: in the helped way's favour
            press("Control+a"), type_(f"{number}/QĐ-UBND")
            press("Tab"), type_("2025-10-24")
            press("Tab"), press("Tab"), press("Control+a"), type_("SỞ NỘI VỤ")
            # The old page's type was a text input: typed in full (chosen here, counted as typed).
            page.locator("select[name=type]").select_option("Quyết định")
            pressed += _keys("Quyết định")
        else:
            assert page.evaluate("document.activeElement.name") == "so_ky_hieu"  # the caret is there already
            press("Control+a"), type_(f"{number}/QĐ-UBND")
            press("Tab"), type_("24/10/25")
            press("Tab"), press("Tab"), press("Control+a"), type_("so noi vu"), press("Enter")
        press("Control+Enter")
        page.wait_for_url(re.compile(r"done="))
        got = json.loads(station.query("SELECT record FROM documents WHERE id = ?", doc)[0]["record"])["fields"]
        assert {k: got[k]["value"] for k in right} == right, way
        counts[way] = pressed
    print(f"key-field correction: {counts['in full']} keys in full, {counts['helped']} with the desk's help")
    assert counts["helped"] < counts["in full"]
