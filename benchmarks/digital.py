"""A born-digital page read from its text layer against the same page read by OCR.

    python -m benchmarks.digital [--docs N] [--real DIR]

Synthetic: each document is written twice, as a born-digital PDF and as a 300-dpi
scan of the same layout; both go through the page work a station worker runs
(load, archive image, read), one page at a time on one core. With --real, the pages
of each PDF in DIR/files that the station reads from their text layer are timed both
ways too (the OCR way: the same drawn page through recognition). Prints seconds per
page, the ratio, and whether the key fields came out right on the synthetic set."""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from classifiers import extract
from ocr import RecognisedPage, load_page, recognise
from ocr.digital import LAYER_ENGINE
from station.page_work import PageTask, run_page
from tests.synthetic.content import random_document
from tests.synthetic.digital import digital_pdf
from tests.synthetic.render import render_document

KEYS = ("so_ky_hieu", "date", "issuer", "type")


def _timed(task: PageTask) -> tuple[float, RecognisedPage]:
    t = time.perf_counter()
    out = run_page(task)
    took = time.perf_counter() - t
    if out.error:
        raise SystemExit(f"{task.source.name}: {out.error}")
    return took, RecognisedPage.from_dict(out.page or {})


def synthetic(docs: int, work: Path) -> None:
    digital_s, scan_s, right = [], [], 0
    for i in range(docs):
        doc = random_document(random.Random(f"bench-digital-{i}"), paragraphs=3)
        truth = doc.truth()
        pdf = digital_pdf(doc, work / f"doc-{i}.pdf")
        png = work / f"doc-{i}.png"
        render_document(doc)[0].image.save(png, dpi=(300, 300))
        d, page = _timed(PageTask(pdf, 1, work / f"doc-{i}-d.pdf"))
        s, _ = _timed(PageTask(png, 1, work / f"doc-{i}-s.pdf"))
        digital_s.append(d)
        scan_s.append(s)
        fields = extract([page]).fields_json()
        right += all((fields.get(k) or {}).get("value") == truth[k] for k in KEYS)
    d, s = statistics.median(digital_s), statistics.median(scan_s)
    print(f"synthetic, {docs} documents (page 1 of each), median seconds per page on one core:")
    print(f"  text layer {d:6.2f} s   OCR of the same page as a scan {s:6.2f} s   ratio {s / d:4.1f}x")
    print(f"  key fields all right from the text layer: {right}/{docs}")


def real(folder: Path, work: Path) -> None:
    rows = []
    for pdf in sorted((folder / "files").glob("*.pdf")):
        took, page = _timed(PageTask(pdf, 1, work / f"{pdf.stem}-d.pdf"))
        if not page.engine.startswith(LAYER_ENGINE):
            continue  # a scan: nothing to compare
        src = load_page(pdf, 1)
        t = time.perf_counter()
        recognise(src)
        ocr_s = time.perf_counter() - t
        rows.append((pdf.name, took, ocr_s))
    if not rows:
        print("real: no page was read from a text layer")
        return
    print(f"real, {len(rows)} born-digital first pages (text layer vs recognition of the drawn page):")
    for name, d, o in rows:
        print(f"  {name[:28]:28} {d:6.2f} s  {o:6.2f} s")
    d = statistics.median(r[1] for r in rows)
    o = statistics.median(r[2] for r in rows)
    print(f"  median: text layer {d:.2f} s, recognition alone {o:.2f} s, ratio {o / d:.1f}x")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=6)
    ap.add_argument("--real", type=Path, default=None, help="a folder with files/ (e.g. ../shared/realdocs-dev)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="station-digital-") as tmp:
        synthetic(a.docs, Path(tmp))
        if a.real:
            real(a.real, Path(tmp))


if __name__ == "__main__":
    main()
