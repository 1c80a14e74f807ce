"""How fast the document page opens for a 10-page document, in a real browser (Debian's
Chromium, headless) against a real `station run`: from navigation start to the load
event (the HTML, the thumbnails of all pages and the first page images shown).

Measured three ways in one run, so the ratios hold on a noisy machine:
- as a clerk meets it: the station rendered the page images when the document entered
  the queue (first open, then repeated opens);
- cold: the image cache emptied, every image rendered on request;
- the HTML alone, fetched without a browser.
Then the clerk's page operations on the same document (station.rework, as the page
calls it): delete a page, move a page, turn a page (read again), read all again.

    python -m benchmarks.review_page [--pages 10] [--repeat 5]"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from PIL import Image

from tests.service_helpers import StationProcess, wait_for
from tests.synthetic import generate

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def ten_page_scan(work: Path, pages: int) -> Path:
    """A multi-page greyscale TIFF (JPEG-compressed, as office scanners write) made of
    synthetic pages."""
    frames: list[Image.Image] = []
    seed = 0
    while len(frames) < pages:
        seed += 1
        sample = generate(work / f"src{seed}", 1, ["grey"], seed=seed, paragraphs=14)[0].path
        with Image.open(sample) as im:
            for i in range(getattr(im, "n_frames", 1)):
                im.seek(i)
                frames.append(im.convert("L"))
    out = work / "ten-pages.tif"
    frames[0].save(out, "TIFF", compression="jpeg", dpi=(300, 300), save_all=True, append_images=frames[1:pages])
    return out


def page_operations(db: Path, doc_id: int, pages: int) -> dict[str, float]:
    from models.db import connect
    from station import rework

    conn = connect(db)
    out = {}
    try:
        for name, op in (
            (f"delete page {pages}", lambda: rework.delete_page(conn, doc_id, pages, "bench")),
            ("move page 2 to 1", lambda: rework.move_page(conn, doc_id, 2, 1, "bench")),
            ("turn page 1", lambda: rework.rotate(conn, doc_id, 1, 180, "bench")),
            (f"read all {pages - 1} pages again", lambda: rework.reread(conn, doc_id, "bench")),
        ):
            t = time.perf_counter()
            op()
            out[name] = time.perf_counter() - t
    finally:
        conn.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="station-review-bench-"))
    station = None
    try:
        scan = ten_page_scan(work, a.pages)
        data = work / "data"
        station = StationProcess(data, STATION_NEW_PASSWORD="benchmark password")
        from tests.conftest import run_station

        made = run_station(
            "user",
            "add",
            "bench",
            "--role",
            "clerk",
            env={"STATION_DATA_DIR": str(data), "STATION_NEW_PASSWORD": "benchmark password"},
        )
        assert made.returncode == 0, made.stderr
        station.start()
        base = f"http://127.0.0.1:{station.env['STATION_HTTP_PORT']}"
        incoming = data / "hot" / "incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        shutil.copy(scan, incoming / scan.name)
        wait_for(lambda: station.query("SELECT id FROM documents WHERE state = 'review'"), 600)
        doc_id = station.query("SELECT id FROM documents")[0]["id"]
        cache = data / "cache" / "pages" / str(doc_id)
        wait_for(lambda: len(list(cache.glob("*.jpg"))) == 2 * a.pages, 120)  # the station's pre-rendering

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            page.goto(f"{base}/login")
            page.fill("input[name=username]", "bench")
            page.fill("input[name=password]", "benchmark password")
            page.click("button")
            page.wait_for_url(f"{base}/")
            cookies = {c["name"]: c["value"] for c in page.context.cookies()}

            def open_page() -> float:
                page.goto(f"{base}/documents/{doc_id}", wait_until="load")
                return page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd") / 1000

            # A fresh browser cache each time: the images come from the station, not the browser.
            def fresh_open() -> float:
                page.context.clear_cookies()
                page.context.add_cookies([{"name": k, "value": v, "url": base} for k, v in cookies.items()])
                client = page.context.new_cdp_session(page)
                client.send("Network.clearBrowserCache")
                return open_page()

            warm = [fresh_open() for _ in range(a.repeat)]
            cold = []
            for _ in range(a.repeat):
                shutil.rmtree(cache, ignore_errors=True)
                cold.append(fresh_open())
            browser.close()
        html = []
        with httpx.Client(base_url=base, cookies=cookies) as client:
            for _ in range(a.repeat):
                t = time.perf_counter()
                assert client.get(f"/documents/{doc_id}").status_code == 200
                html.append(time.perf_counter() - t)
        operations = page_operations(data / "station.db", doc_id, a.pages)
        result = {
            "pages": a.pages,
            "repeat": a.repeat,
            "operations_s": operations,
            "prerendered_median_s": statistics.median(warm),
            "prerendered_max_s": max(warm),
            "cold_median_s": statistics.median(cold),
            "cold_max_s": max(cold),
            "html_median_s": statistics.median(html),
        }
        print(
            f"document page, {a.pages} pages, {a.repeat} opens each (navigation start -> load event):\n"
            f"  images pre-rendered by the station: median {result['prerendered_median_s']:.3f} s, "
            f"max {result['prerendered_max_s']:.3f} s\n"
            f"  cold (every image rendered on request): median {result['cold_median_s']:.3f} s, "
            f"max {result['cold_max_s']:.3f} s\n"
            f"  the HTML alone: median {result['html_median_s']:.3f} s\n"
            "page operations: " + ", ".join(f"{k} {v:.2f} s" for k, v in operations.items())
        )
        out = ROOT / "benchmarks" / "results"
        out.mkdir(exist_ok=True)
        (out / "review_page.json").write_text(json.dumps(result, indent=2))
    finally:
        if station:
            station.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
