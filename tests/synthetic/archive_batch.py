"""An archive batch as an archivist brings it (issue 15): a folder per hồ sơ, a CSV list
of the hồ sơ with their archival metadata and expected counts, and the troubles
quality control must catch: separator sheets and blank backs (dropped), a page
scanned at 150 dpi, one sheet fed twice, one page never scanned."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

from PIL import Image

from .batch import separator_sheet
from .content import random_document
from .degrade import PROFILES, degrade
from .generate import save_scan
from .render import A4_PX, RenderedPage, render_document

LIST_HEADERS = [
    "Mã hồ sơ",
    "Tiêu đề hồ sơ",
    "Thời hạn bảo quản",
    "Chế độ sử dụng",
    "Ngôn ngữ",
    "Ghi chú",
    "Số lượng văn bản",
    "Số lượng trang",
]


def generate_archive_batch(root: Path, seed: int = 3, separator: str = "SEPARATOR") -> dict:
    """Three hồ sơ under `root` (folders named by code) and `root/danh-muc.csv`. Returns
    the truth: per hồ sơ the documents' fields and pages, and the flags expected."""
    rng = random.Random(seed)
    prof = PROFILES["grey"]
    blank = Image.new("RGB", A4_PX, "white")

    def scan(page: RenderedPage) -> Image.Image:
        return degrade(page, prof, rng)[0]

    def documents(n: int, paragraphs: list[int]) -> tuple[list, list[list[Image.Image]]]:
        docs, pages = [], []
        for i in range(n):
            doc = random_document(rng, paragraphs=paragraphs[i % len(paragraphs)])
            rendered = render_document(doc)
            docs.append({"fields": doc.truth(), "pages": len(rendered)})
            pages.append([scan(p) for p in rendered])
        return docs, pages

    truth: dict = {"hoso": []}
    rows = []

    # HS01: one duplex file, separator sheets between documents, blank backs.
    docs, pages = documents(5, [2, 9, 2, 9, 2])
    images: list[Image.Image] = []
    for i, doc_pages in enumerate(pages):
        if i:
            images += [scan(RenderedPage(separator_sheet(separator))), scan(RenderedPage(blank))]
        for p in doc_pages:
            images += [p, scan(RenderedPage(blank))]
    _write(root, "HS-2019-01", [images])
    truth["hoso"].append({"code": "HS-2019-01", "documents": docs, "flags": ["blank_dropped"]})
    rows.append(["HS-2019-01", "Hồ sơ ban hành quyết định năm 2019", "01", "Công khai", "", "", 5, _pages(docs)])

    # HS02: a second file scanned at 150 dpi; a first page fed twice (so it also reads
    # as one document more than the list has).
    docs, pages = documents(2, [9, 2])
    first = pages[0]
    fed_twice = [first[0], scan(_page_again(first[0], rng)), *first[1:]]
    _write(root, "HS-2019-02", [fed_twice + [scan(RenderedPage(separator_sheet(separator)))] + pages[1]])
    low = documents(1, [2])
    docs += low[0]
    small = [p.resize((p.width // 2, p.height // 2), Image.LANCZOS) for p in low[1][0]]
    folder = root / "HS-2019-02"
    small[0].save(folder / "2-trang-150dpi.tif", "TIFF", compression="tiff_lzw", dpi=(150, 150))
    truth["hoso"].append({"code": "HS-2019-02", "documents": docs, "flags": ["duplicate_feed", "low_dpi"]})
    # The list counts the sheet once: the second feed shows as one page too many as well.
    rows.append(["HS-2019-02", "Hồ sơ công văn năm 2019", "10 năm", "02", "Tiếng Việt", "", 3, _pages(docs)])

    # HS03: one page of a two-page document never scanned; the list knows it.
    docs, pages = documents(3, [9, 2, 2])
    missing = pages[0][:1] + pages[0][2:]  # its second page is not there
    sheet = scan(RenderedPage(separator_sheet(separator)))
    _write(root, "HS-2019-03", [missing + [sheet] + pages[1] + [sheet] + pages[2]])
    docs[0] = {**docs[0], "pages_scanned": docs[0]["pages"] - 1}
    truth["hoso"].append({"code": "HS-2019-03", "documents": docs, "flags": ["missing_pages"]})
    rows.append(["HS-2019-03", "Hồ sơ kế hoạch năm 2019", "05", "01", "", "thiếu tờ 2 khi quét", 3, _pages(docs)])

    with (root / "danh-muc.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(LIST_HEADERS)
        w.writerows(rows)
    (root / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    return truth


def _pages(docs: list[dict]) -> int:
    return sum(d["pages"] for d in docs)


def _page_again(image: Image.Image, rng: random.Random) -> RenderedPage:
    """The same sheet through the feeder a second time: shifted a little."""
    dx, dy = rng.randint(-12, 12), rng.randint(-12, 12)
    again = Image.new("RGB", image.size, "white")
    again.paste(image.convert("RGB"), (dx, dy))
    return RenderedPage(again)


def _write(root: Path, code: str, files: list[list[Image.Image]]) -> None:
    folder = root / code
    folder.mkdir(parents=True, exist_ok=True)
    for n, images in enumerate(files, 1):
        save_scan(images, folder / f"{n}-hop", PROFILES["grey"])
